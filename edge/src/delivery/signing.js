// Standard Webhooks signing (https://www.standardwebhooks.com):
//   webhook-id:        the delivery's stable message id (same on every attempt)
//   webhook-timestamp: seconds since the epoch when this attempt was signed
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`))
// The secret is "whsec_" + base64(key bytes).

const PREFIX = 'whsec_';
// Which secrets are acceptable ("whsec_" + base64 of a 24..64-byte key, as
// the spec recommends) is the core's rule: engine.checkCampaign checks
// `signingSecret` before anything here runs.

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

/** Imports a (checked) "whsec_" secret as an HMAC-SHA256 key. */
export function importSigningKey(secret) {
  return crypto.subtle.importKey(
    'raw',
    base64ToBytes(secret.slice(PREFIX.length)),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
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
  return {
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${bytesToBase64(mac)}`,
  };
}
