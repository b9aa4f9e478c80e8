// Signing in. `npm start` prints a console URL carrying the API key in the
// fragment (#key=…), which browsers never send to a server. The page takes
// it out of the address bar at once (not in history, bookmarks or a
// screenshot) and exchanges it for the worker's session cookie (POST
// /v1/session: HttpOnly, SameSite=Strict, 12 hours), then forgets it: page
// scripts never keep the key, and every tab of this browser — a Ctrl+click,
// a new window — is signed in by the cookie. A deployed console asks for
// the key once per browser. The key is never put in a query string, a log
// or any storage.
import { client } from './client.js';

/** Takes `#key=…` out of the address (keeping any route after it); the key, or null. */
export function takeKeyFromFragment() {
  const m = /(^#|[#&])key=([^&]*)/.exec(location.hash);
  if (!m) return null;
  let key = '';
  try {
    key = decodeURIComponent(m[2]);
  } catch {
    key = '';
  }
  const rest = location.hash.replace(/(^#|&)key=[^&]*&?/, '$1').replace(/^#&/, '#');
  history.replaceState(
    null,
    '',
    `${location.pathname}${location.search}${rest === '#' ? '' : rest}`,
  );
  return key || null;
}

/** Exchanges the key for this browser's session cookie; true when the worker took it. */
export async function signIn(key) {
  const r = await client.createSession(key);
  return r.ok;
}

/** Whether this browser is signed in (its session cookie is valid). */
export async function signedIn() {
  return (await client.session()).ok;
}

/** Ends the session in this browser (every tab). */
export function signOut() {
  return client.endSession();
}
