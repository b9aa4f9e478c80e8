// Whether this worker allows http:// to loopback (local development only,
// HOOKCAST_ALLOW_LOCAL_HTTP). The console's own checks must match the
// worker's, so it asks the worker instead of guessing: one POST /v1/preview
// of a loopback http:// URL, which the worker accepts only with the setting on.
import { client } from './client.js';

let answer = null;
/** Resolves to true when the worker accepts http:// to loopback. */
export function localHttpAllowed() {
  answer ??= client.previewSpec({ url: 'http://127.0.0.1/', method: 'GET' }, {}).then((r) => r.ok);
  return answer;
}
