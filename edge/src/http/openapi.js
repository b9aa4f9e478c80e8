// GET /v1/openapi.json: the HTTP contract (docs/openapi.yaml, written to
// dist/openapi.json by `bash scripts/build.sh wasm` and imported as text, so
// it is served byte for byte). Needs no key, so tools can read it.

import OPENAPI_JSON from '../../../dist/openapi.json';

/** The path the document is served at. */
export const OPENAPI_PATH = '/v1/openapi.json';

/** The document's answer. */
export function openApiResponse() {
  return new Response(OPENAPI_JSON, {
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' },
  });
}
