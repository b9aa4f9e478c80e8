// One delivery attempt: send a rendered request exactly as rendered, with a
// timeout, without following redirects, and capture what came back with
// bounded memory, over the HTTP/1.1 socket client of delivery/http1.js.
// What to do next (retry or not, how long to wait) is the engine's call
// (see delivery/outcome.js); this file only does the I/O.

import { signAttempt } from './signing.js';
import { send, SendError } from './http1.js';

/** Used when a request names no timeoutMs (its range, 1..30000 ms, is the core's rule). */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Bytes of a response body kept; the rest is not read (the connection is closed). */
const BODY_LIMIT_BYTES = 64 * 1024;

const utf8 = new TextEncoder();

/** The exact bytes of a rendered request's body (empty when it has none). */
function bodyBytesOf(request) {
  return request.body == null ? new Uint8Array(0) : utf8.encode(request.body);
}

/**
 * The outgoing headers ([name, value][]): the rendered headers, then
 * `webhook-id` and, when signing, `webhook-timestamp` and
 * `webhook-signature` (a rendered header of one of those names is
 * replaced, not doubled). Header values are sent as their UTF-8 bytes (as
 * curl sends them, so the cURL preview and the send agree);
 * tests/js/edge_delivery.test.mjs checks the bytes a sink receives.
 */
function headersOf(request, msgId, signed = null) {
  const own = signed ? { 'webhook-id': msgId, ...signed } : { 'webhook-id': msgId };
  const out = [];
  for (const pair of request.headers) if (!(pair[0].toLowerCase() in own)) out.push(pair);
  for (const name in own) out.push([name, own[name]]);
  return out;
}

/** headersOf plus, with a signing key, the Standard Webhooks signature headers. */
async function outgoingHeaders(request, msgId, signingKey, nowMs) {
  if (!signingKey) return headersOf(request, msgId);
  const signed = await signAttempt(
    signingKey,
    msgId,
    Math.floor(nowMs / 1000),
    bodyBytesOf(request),
  );
  return headersOf(request, msgId, signed);
}

/**
 * Sends `request` once. Never throws for network trouble: the result says
 * what happened. `pool`: the calling object's kept-alive connections
 * (delivery/http1.js ConnectionPool); without one the connection is closed
 * after the attempt.
 *
 * Returns { startedAt (epoch ms), durationMs, status (null on error),
 *   headers ([name, value][] of the response), body (UTF-8 text, at most
 *   64 KiB of bytes), bodyTruncated, redirect (Location of a 3xx, or null),
 *   error (null | 'timeout' | 'dns' | 'connection_refused' |
 *   'connection_reset' | 'tls' | 'network'), errorMessage, bodyError }.
 * `bodyError` is set when the status arrived but reading the body failed
 * (e.g. the timeout struck mid-body): the status stands, the body is partial.
 */
export function sendOnce({
  request,
  msgId,
  signingKey = null,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  pool = null,
}) {
  const startedAt = Date.now();
  if (signingKey) {
    return outgoingHeaders(request, msgId, signingKey, startedAt).then((headers) =>
      attempt(request, headers, startedAt, timeoutMs, pool),
    );
  }
  return attempt(request, headersOf(request, msgId), startedAt, timeoutMs, pool);
}

async function attempt(request, headers, startedAt, timeoutMs, pool) {
  const result = {
    startedAt,
    durationMs: 0,
    status: null,
    headers: [],
    body: '',
    bodyTruncated: false,
    redirect: null,
    error: null,
    errorMessage: null,
    bodyError: null,
  };
  try {
    const answer = await send(request, headers, {
      pool,
      timeoutMs,
      bodyLimit: BODY_LIMIT_BYTES,
    });
    result.status = answer.status;
    result.headers = answer.headers;
    result.body = answer.body;
    result.bodyTruncated = answer.bodyTruncated;
    result.bodyError = answer.bodyError;
    if (answer.status >= 300 && answer.status < 400)
      result.redirect = answer.headers.find((h) => h[0] === 'location')?.[1] ?? null;
  } catch (e) {
    result.error = e instanceof SendError ? e.code : 'network';
    result.errorMessage =
      result.error === 'timeout' ? `No response within ${timeoutMs} ms.` : String(e?.message ?? e);
  }
  result.durationMs = Date.now() - startedAt;
  return result;
}
