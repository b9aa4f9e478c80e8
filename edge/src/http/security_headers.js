// The security headers on every answer: the worker's own (API JSON, errors)
// and the console's static files (scripts/assets.mjs writes them into the
// assets folder's `_headers`, which miniflare and Cloudflare apply to every
// file they serve). One list, read by both.
//
// * Content-Security-Policy: the API answers JSON, so nothing at all may
//   load from it; the console may run only its own scripts (plus the hashes
//   of its inline import map and redirect, computed from the files) and
//   compile its own WebAssembly ('wasm-unsafe-eval'), fetch only its own
//   origin, and be framed by no one.
// * X-Frame-Options: DENY for browsers that predate frame-ancestors.
// * X-Content-Type-Options: nosniff, so a JSON answer is never run as script.
// * Referrer-Policy: no-referrer: the console's URL carries the API key in
//   its fragment on first open, and nothing about it should leave.

/** The headers every answer carries, whatever it is. */
export const COMMON_SECURITY_HEADERS = Object.freeze({
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

/** The worker's own answers (JSON): nothing may load from them, nothing may frame them. */
export const API_CSP =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The console's policy. `inlineScriptHashes` are the 'sha256-…' sources of
 * the inline scripts its pages hold (the import map, the root redirect).
 */
export function consoleCsp(inlineScriptHashes = []) {
  return [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval'${inlineScriptHashes.map((h) => ` '${h}'`).join('')}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** `response` with the API's security headers set (a copy: fetched responses are immutable). */
export function withSecurityHeaders(response) {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS)) out.headers.set(name, value);
  if (!out.headers.has('content-security-policy'))
    out.headers.set('content-security-policy', API_CSP);
  return out;
}
