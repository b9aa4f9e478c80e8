// One delivery attempt: send a rendered request exactly as rendered, with a
// timeout, without following redirects, and capture what came back with
// bounded memory. What to do next (retry or not, how long to wait) is the
// engine's call (see delivery/outcome.js); this file only does the I/O.

import { connect } from 'cloudflare:sockets';
import { signAttempt } from './signing.js';

/** Used when a request names no timeoutMs (its range, 1..30000 ms, is the core's rule). */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Bytes of a response body kept; the rest is not read (the stream is cancelled). */
export const BODY_LIMIT_BYTES = 64 * 1024;
const PROBE_TIMEOUT_MS = 2_000;

const utf8 = new TextEncoder();

/** The exact bytes of a rendered request's body (empty when it has none). */
export function bodyBytesOf(request) {
  return request.body == null ? new Uint8Array(0) : utf8.encode(request.body);
}

/**
 * The outgoing Headers: the rendered headers, then `webhook-id` and, when
 * signing, `webhook-timestamp` and `webhook-signature` (`set`: a rendered
 * header of one of those names is replaced, not doubled). A Headers object
 * filled by append() measured cheaper in workerd than handing fetch a
 * [name, value][] list or a Headers built from one.
 *
 * Header values are sent as their UTF-8 bytes (as curl sends them, so the
 * cURL preview and the send agree). The Fetch standard types them as
 * ByteStrings (one char per byte), but workerd encodes a header value string
 * as UTF-8 on the wire: handing it the binary string of the UTF-8 bytes
 * double-encodes ("Zoë" arrives as "ZoÃ«"). So the text goes in as is;
 * tests/js/edge_delivery.test.mjs checks the bytes a sink receives.
 */
function headersOf(request, msgId) {
  const headers = new Headers();
  for (const pair of request.headers) headers.append(pair[0], pair[1]);
  headers.set('webhook-id', msgId);
  return headers;
}

/** headersOf plus, with a signing key, the Standard Webhooks signature headers. */
export async function outgoingHeaders(request, msgId, signingKey, nowMs) {
  const headers = headersOf(request, msgId);
  if (signingKey) {
    const signed = await signAttempt(
      signingKey,
      msgId,
      Math.floor(nowMs / 1000),
      bodyBytesOf(request),
    );
    for (const name in signed) headers.set(name, signed[name]);
  }
  return headers;
}

/**
 * Sends `request` once. Never throws for network trouble: the result says
 * what happened.
 *
 * Returns { startedAt (epoch ms), durationMs, status (null on error),
 *   headers ([name, value][] of the response), body (UTF-8 text, at most
 *   64 KiB of bytes), bodyTruncated, redirect (Location of a 3xx, or null),
 *   error (null | 'timeout' | 'dns' | 'connection_refused' |
 *   'connection_reset' | 'tls' | 'network'), errorMessage, bodyError }.
 * `bodyError` is set when the status arrived but reading the body failed
 * (e.g. the timeout struck mid-body): the status stands, the body is partial.
 *
 * The timeout is one timer per attempt that aborts the attempt's
 * AbortController (see attempt() for why not AbortSignal.timeout()): workerd
 * rejects the pending fetch and any pending body read when the signal aborts
 * (checked for arrayBuffer(), text() and stream reads), so the timeout needs
 * no race of its own.
 */
export function sendOnce({
  request,
  msgId,
  signingKey = null,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  fetchImpl = fetch,
}) {
  const startedAt = Date.now();
  if (signingKey) {
    return outgoingHeaders(request, msgId, signingKey, startedAt).then((headers) =>
      attempt(request, headers, startedAt, timeoutMs, fetchImpl),
    );
  }
  return attempt(request, headersOf(request, msgId), startedAt, timeoutMs, fetchImpl);
}

async function attempt(request, headers, startedAt, timeoutMs, fetchImpl) {
  // Our own timer, cleared when the attempt ends: an AbortSignal.timeout()
  // stays armed for its whole timeout after the attempt is over, and in
  // workerd it keeps the attempt's native fetch state alive until it fires
  // (measured: +250 MiB of workerd RSS over 20k campaign sends at 15 s,
  // +22 MiB to store the same 20k without sending).
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`No response within ${timeoutMs} ms.`, 'TimeoutError')),
    timeoutMs,
  );
  try {
    return await attemptWith(request, headers, startedAt, timeoutMs, fetchImpl, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function attemptWith(request, headers, startedAt, timeoutMs, fetchImpl, signal) {
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
  let response;
  try {
    response = await fetchImpl(request.url, {
      method: request.method,
      headers,
      // The string itself: workerd sends it as UTF-8 (the bytes signed
      // above), and a string body is cheaper for it than a Uint8Array.
      body: request.body == null ? undefined : request.body,
      redirect: 'manual',
      signal,
    });
  } catch (e) {
    const timedOut = signal.aborted;
    result.error = timedOut ? 'timeout' : await classifyError(e, request.url, timeoutMs);
    result.errorMessage = timedOut
      ? `No response within ${timeoutMs} ms.`
      : String(e?.message ?? e);
    result.durationMs = Date.now() - startedAt;
    return result;
  }
  const status = response.status;
  result.status = status;
  // One pass over the response headers (workerd gives lower-case names):
  // the copy kept for the record, and the three this function needs.
  let length = null;
  let encoded = false;
  const list = [];
  for (const pair of response.headers) {
    list.push(pair);
    const name = pair[0];
    if (name === 'content-length') length = pair[1];
    else if (name === 'content-encoding') encoded = pair[1].trim().toLowerCase() !== 'identity';
    else if (name === 'location' && status >= 300 && status < 400) result.redirect = pair[1];
  }
  result.headers = list;
  try {
    if (response.body === null) {
      // No body (204, 304, HEAD): nothing to read.
    } else if (
      !encoded &&
      length !== null &&
      length.length <= 5 &&
      /^\d+$/.test(length) &&
      Number(length) <= BODY_LIMIT_BYTES
    ) {
      // HTTP framing ends the body at Content-Length, so one whole read is
      // bounded. Not for a Content-Encoding: workerd decompresses, and a
      // 1 KiB gzip can unpack to megabytes (tested), so those stream.
      // text() decodes UTF-8 (with U+FFFD for bad bytes) in one native call.
      result.body = await response.text();
    } else {
      const { text, truncated } = await readBounded(response.body);
      result.body = text;
      result.bodyTruncated = truncated;
    }
  } catch (e) {
    result.body = e?.partialText ?? '';
    result.bodyTruncated = true;
    result.bodyError = signal.aborted ? 'timeout' : 'connection_reset';
  }
  result.durationMs = Date.now() - startedAt;
  return result;
}

/**
 * Reads at most BODY_LIMIT_BYTES from a stream, then cancels it, so an endless
 * or huge body costs 64 KiB of memory and stops the transfer.
 */
async function readBounded(stream) {
  const decoder = new TextDecoder('utf-8');
  const reader = stream.getReader();
  let kept = 0;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), truncated: false };
      const room = BODY_LIMIT_BYTES - kept;
      if (value.byteLength > room) {
        text += decoder.decode(value.subarray(0, room));
        reader.cancel().catch(() => {});
        return { text: text + decoder.decode(), truncated: true };
      }
      kept += value.byteLength;
      text += decoder.decode(value, { stream: true });
      if (kept === BODY_LIMIT_BYTES) {
        // Exactly at the limit: truncated only if more bytes follow.
        const next = await reader.read();
        if (next.done) return { text: text + decoder.decode(), truncated: false };
        reader.cancel().catch(() => {});
        return { text: text + decoder.decode(), truncated: true };
      }
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    e.partialText = text + decoder.decode();
    throw e;
  }
}

/**
 * Names a transport error. workerd's messages are coarse (checked against
 * workerd 2026-04 through miniflare): a refused connection and a reset both
 * read "Network connection lost.", and a DNS failure and a TLS failure both
 * read "internal error; reference = …". To tell them apart we open a bare TCP
 * socket to the same host and port (the destination already passed the SSRF
 * check): if it connects, the server is there, so the fetch died by a reset
 * (or, for "internal error" over https, in the TLS handshake); if it cannot
 * connect, nothing listens (refused) or, for a host name, the name did not
 * resolve (dns). Anything else is "network".
 */
export async function classifyError(error, url, timeoutMs) {
  const message = String(error?.message ?? error);
  if (/DNS lookup failed|Name or service not known|ENOTFOUND/i.test(message)) return 'dns';
  if (/certificate|TLS|SSL|handshake/i.test(message)) return 'tls';
  if (/connection refused|ECONNREFUSED/i.test(message)) return 'connection_refused';
  if (/connection reset|ECONNRESET/i.test(message)) return 'connection_reset';
  const lost = /Network connection lost/i.test(message);
  const internal = /internal error/i.test(message);
  if (!lost && !internal) return 'network';
  let target;
  try {
    target = new URL(url);
  } catch {
    return 'network';
  }
  const reachable = await probe(target, Math.min(PROBE_TIMEOUT_MS, timeoutMs));
  if (reachable === null) return 'network';
  const isName = !/^[\d.]+$/.test(target.hostname) && !target.hostname.startsWith('[');
  if (lost) return reachable ? 'connection_reset' : 'connection_refused';
  if (!reachable) return isName ? 'dns' : 'connection_refused';
  return target.protocol === 'https:' ? 'tls' : 'network';
}

/** true: a TCP connection opens; false: it is refused; null: cannot tell. */
async function probe(url, timeoutMs) {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  let socket;
  let timer;
  try {
    socket = connect({ hostname: url.hostname, port });
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const opened = await Promise.race([
      socket.opened.then(
        () => 'open',
        (e) => e,
      ),
      timeout,
    ]);
    if (opened === 'open') return true;
    if (opened === 'timeout') return null;
    return /cannot connect|refused/i.test(String(opened?.message ?? opened)) ? false : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    socket?.close().catch(() => {});
  }
}
