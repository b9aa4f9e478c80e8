// HTTP plumbing for the API: the bearer-key check and bounded request-body
// reading (error answers: errors.js). No hookcast rule lives here.

import { HttpError, fail } from './errors.js';
import { isObject } from '../values.js';

export { isObject };

import { jsonLimitProblem } from './json_limits.js';

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Most bytes of an oversized body read and thrown away before the 413 is
 * answered. A client without `Expect: 100-continue` (Node's fetch, curl
 * with a small body) is still writing when the answer comes; if the
 * runtime then closes the connection under it, the client sees a reset
 * instead of the 413. Reading the rest first lets it finish and read the
 * answer; past this bound the connection is dropped (a reset) instead.
 */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

function tooLarge(maxBytes) {
  return fail(413, '', 'body_too_large', `The request body is larger than ${maxBytes} bytes.`);
}

/** Reads and discards what is left of a body, up to MAX_DRAIN_BYTES in all. */
async function drain(reader, alreadyRead) {
  let size = alreadyRead;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
      if (size > MAX_DRAIN_BYTES) break;
    }
  } catch {
    return; // the client went away: nothing left to answer
  }
  await reader.cancel().catch(() => {});
}

/**
 * Drains a request body nothing read (an answer given before reading it:
 * 401, 404, 405, ...), so the client can read that answer; see MAX_DRAIN_BYTES.
 */
export async function discardUnreadBody(request) {
  if (!request.body || request.bodyUsed) return;
  await drain(request.body.getReader(), 0);
}

/**
 * Reads a JSON object body, at most `maxBytes` (default MAX_BODY_BYTES),
 * counting bytes as they stream in (a lying or absent Content-Length cannot
 * make us buffer more). An oversized body is drained (see MAX_DRAIN_BYTES),
 * then refused with 413. `optional`: an empty body reads as {}. A body
 * nested too deep or holding a number a double cannot hold is refused with
 * 400 (json_limits.js); `rules` names the fields that hold a cohort rule
 * (`rule_too_deep` there).
 */
export async function readJsonBody(
  request,
  { maxBytes = MAX_BODY_BYTES, optional = false, rules = [] } = {},
) {
  const declared = request.headers.get('content-length');
  const reader = request.body ? request.body.getReader() : null;
  if (declared !== null && Number(declared) > maxBytes) {
    if (reader) await drain(reader, 0);
    throw tooLarge(maxBytes);
  }
  const chunks = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await drain(reader, size);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail(400, '', 'invalid_utf8', 'The request body is not valid UTF-8.');
  }
  if (text.trim() === '') {
    // A route whose every field has a default takes no body as {}.
    if (optional) return {};
    throw fail(400, '', 'invalid_json', 'The request body is empty; send a JSON object.');
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw fail(400, '', 'invalid_json', `The request body is not valid JSON: ${e.message}`);
  }
  if (!isObject(value)) {
    throw fail(400, '', 'invalid_json', 'The request body must be a JSON object.');
  }
  const limit = jsonLimitProblem(value, { rules });
  if (limit) throw new HttpError(400, [limit], limit.message);
  return value;
}

const encoder = new TextEncoder();

/**
 * Compares the bearer key in constant time: both sides are hashed first, so
 * neither the length nor a common prefix of the key leaks through timing.
 */
export async function bearerMatches(request, apiKey) {
  const header = request.headers.get('authorization') ?? '';
  const m = /^Bearer[ ]+(.+)$/i.exec(header);
  const given = m ? m[1].trim() : '';
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(`hookcast-key:${given}`)),
    crypto.subtle.digest('SHA-256', encoder.encode(`hookcast-key:${apiKey}`)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b) && m !== null;
}
