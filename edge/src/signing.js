// Standard Webhooks signing (https://www.standardwebhooks.com):
//   webhook-id:        the delivery's stable message id (same on every attempt)
//   webhook-timestamp: seconds since the epoch when this attempt was signed
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`))
// The secret is "whsec_" + base64(key bytes).

import { problem } from './http.js';

const PREFIX = 'whsec_';
/** The spec recommends keys of 24 to 64 bytes. */
export const MIN_KEY_BYTES = 24;
export const MAX_KEY_BYTES = 64;

function base64ToBytes(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}

/**
 * Checks a signing secret; returns a list of problems (empty when it is usable).
 * `field` names where the secret came from in the request body.
 */
export function checkSigningSecret(secret, field = 'signingSecret') {
  if (secret === undefined || secret === null) return [];
  if (typeof secret !== 'string') return [problem(field, 'invalid_type', 'The signing secret must be a string like "whsec_<base64>".')];
  if (!secret.startsWith(PREFIX)) return [problem(field, 'invalid_signing_secret', 'The signing secret must start with "whsec_".')];
  const key = base64ToBytes(secret.slice(PREFIX.length));
  if (!key) return [problem(field, 'invalid_signing_secret', 'The signing secret after "whsec_" is not valid base64.')];
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    return [problem(field, 'invalid_signing_secret', `The signing key must be ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes; it is ${key.length}.`)];
  }
  return [];
}

/** Imports a (checked) "whsec_" secret as an HMAC-SHA256 key. */
export function importSigningKey(secret) {
  return crypto.subtle.importKey('raw', base64ToBytes(secret.slice(PREFIX.length)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/**
 * Signs one attempt. `bodyBytes` are the exact bytes sent (UTF-8 of the
 * rendered body, empty for no body). Returns the two headers to add.
 */
export async function signAttempt(key, msgId, timestampSeconds, bodyBytes) {
  const prefix = new TextEncoder().encode(`${msgId}.${timestampSeconds}.`);
  const data = new Uint8Array(prefix.length + bodyBytes.length);
  data.set(prefix, 0);
  data.set(bodyBytes, prefix.length);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
  return { 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${bytesToBase64(mac)}` };
}
