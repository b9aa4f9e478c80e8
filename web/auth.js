// The API key. `npm start` prints a console URL carrying the key in the
// fragment (#key=…), which browsers never send to a server. On load the key
// moves into sessionStorage (this tab only) and leaves the address bar, so it
// is not in history, bookmarks or a screenshot. A deployed console asks once
// per tab. The key is never put in a query string or logged.
const STORE = 'hookcast.apiKey';

/** Takes `#key=…` out of the address (keeping any route after it). */
export function adoptKeyFromFragment() {
  const m = /(^#|[#&])key=([^&]*)/.exec(location.hash);
  if (!m) return;
  let key = '';
  try { key = decodeURIComponent(m[2]); } catch { key = ''; }
  if (key) setKey(key);
  const rest = location.hash.replace(/(^#|&)key=[^&]*&?/, '$1').replace(/^#&/, '#');
  history.replaceState(null, '', `${location.pathname}${location.search}${rest === '#' ? '' : rest}`);
}

/** The key this tab signed in with, or null. */
export function getKey() {
  try { return sessionStorage.getItem(STORE); } catch { return null; }
}
/** Keeps the key for this tab only (sessionStorage). */
export function setKey(key) {
  try { sessionStorage.setItem(STORE, key); } catch { /* storage disabled: asked again next load */ }
}
/** Forgets the key (after a 401). */
export function forgetKey() {
  try { sessionStorage.removeItem(STORE); } catch { /* nothing stored */ }
}
