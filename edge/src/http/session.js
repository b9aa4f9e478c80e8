// The console's sign-in, shared by every tab of one browser: the API key is
// exchanged once (POST /v1/session with "Authorization: Bearer <key>") for
// an HttpOnly, SameSite=Strict cookie, so page scripts never hold the key
// after that and a new tab or a Ctrl+click is signed in too. The cookie is
// `<expiry ms>.<HMAC-SHA256 of the expiry under the API key>`: nothing is
// stored, it lasts SESSION_TTL_MS, and changing the key ends every session.
// A call the cookie signs in that changes state (anything but GET/HEAD)
// must carry an Origin equal to the worker's own, so no other site can make
// a browser act with it (SameSite=Strict already keeps it off cross-site
// requests; the Origin check does not rely on that alone).
//   POST   /v1/session   (bearer only) -> { ok, expiresAt } + Set-Cookie
//   GET    /v1/session   -> { ok, expiresAt | null }   (whether this browser is signed in)
//   DELETE /v1/session   -> { ok } and the cookie cleared (sign out)

import { fail } from './errors.js';
import { json } from './json.js';

export const SESSION_COOKIE = 'hookcast_session';
/** How long a sign-in lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const SAFE_METHODS = new Set(['GET', 'HEAD']);
const encoder = new TextEncoder();

function base64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function fromBase64url(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function signingKey(apiKey) {
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(`hookcast-session:${apiKey}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

/** The cookie's value for a session ending at `expiresAt` (ms). */
async function tokenFor(apiKey, expiresAt) {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await signingKey(apiKey),
    encoder.encode(String(expiresAt)),
  );
  return `${expiresAt}.${base64url(mac)}`;
}

/** The session cookie's value in `request`, or null. */
function cookieOf(request) {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=');
  }
  return null;
}

/** When the request's session cookie ends (ms), or null when it has none that this key signed and that is still valid. */
export async function sessionExpiry(request, apiKey, now = Date.now()) {
  const m = /^(\d{1,16})\.([A-Za-z0-9_-]{20,100})$/.exec(cookieOf(request) ?? '');
  if (!m) return null;
  const expiresAt = Number(m[1]);
  if (!(expiresAt > now)) return null;
  let mac;
  try {
    mac = fromBase64url(m[2]);
  } catch {
    return null;
  }
  // verify() compares in constant time.
  const ok = await crypto.subtle.verify(
    'HMAC',
    await signingKey(apiKey),
    mac,
    encoder.encode(m[1]),
  );
  return ok ? expiresAt : null;
}

/**
 * For a call the session cookie signs in: a 403 unless it only reads or
 * its Origin is the worker's own.
 */
export function checkSessionOrigin(request, url) {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get('origin');
  if (origin !== url.origin) {
    throw fail(
      403,
      '',
      'cross_origin',
      `A signed-in browser may change things only from ${url.origin}; this call came from ${origin ?? 'an unnamed origin'}.`,
    );
  }
}

function cookieHeader(url, value, maxAgeS) {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${url.protocol === 'https:' ? '; Secure' : ''}`;
}

/** POST /v1/session: the bearer key (checked by the caller) exchanged for the cookie. */
export async function createSession(apiKey, url, now = Date.now()) {
  const expiresAt = now + SESSION_TTL_MS;
  const response = json({ ok: true, expiresAt: new Date(expiresAt).toISOString() });
  response.headers.set(
    'set-cookie',
    cookieHeader(url, await tokenFor(apiKey, expiresAt), Math.floor(SESSION_TTL_MS / 1000)),
  );
  response.headers.set('cache-control', 'no-store');
  return response;
}

/** GET /v1/session: signed in (by cookie or key) and until when. */
export function describeSession(expiresAt) {
  return json({
    ok: true,
    expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
  });
}

/** DELETE /v1/session: the cookie cleared in this browser. */
export function endSession(url) {
  const response = json({ ok: true });
  response.headers.set('set-cookie', cookieHeader(url, '', 0));
  return response;
}
