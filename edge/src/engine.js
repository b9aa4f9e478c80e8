// The hookcast engine (the C++ core compiled to wasm) as the worker uses it.
// Every decision goes through here: validation, rendering, the SSRF check of
// a destination URL, and the retry decision. Nothing below re-implements a
// rule; it only translates between the engine's values and the worker's.

import { createEngine } from '../../src/js/workerd.js';

let enginePromise = null;

/** The engine for this isolate, created once (a failed start is retried). */
export function getEngine() {
  if (!enginePromise) {
    enginePromise = createEngine().catch((e) => {
      enginePromise = null;
      throw e;
    });
  }
  return enginePromise;
}

/**
 * The campaign statuses in which `capability` (a flag of
 * engine.campaignCapabilities, e.g. 'triggersOnEvents') is `value` (true
 * unless told) for send type `sendType`: for a storage query, so "only while
 * running" or "not ended" (`'final', null, false`) is the engine's word, not
 * a literal here.
 */
export function statusesWhere(engine, capability, sendType = null, value = true) {
  return engine
    .vocabulary()
    .campaignStatuses.filter((s) => engine.campaignCapabilities(s, sendType)[capability] === value);
}

/** The capabilities of a stored campaign's status; a send type that is not one (never stored) counts as none. */
export function capabilitiesOf(engine, status, sendType) {
  const type = engine.vocabulary().sendTypes.includes(sendType) ? sendType : null;
  return engine.campaignCapabilities(status, type);
}

/** True when HOOKCAST_ALLOW_LOCAL_HTTP is "1" (http:// to loopback only). */
export function allowLocalHttp(env) {
  return String(env?.HOOKCAST_ALLOW_LOCAL_HTTP ?? '').trim() === '1';
}

/** Engine options for this deployment: `{ allowLocalHttp }`. */
export function engineOptions(env) {
  return { allowLocalHttp: allowLocalHttp(env) };
}

/**
 * Re-checks a rendered URL right before a send, through the engine's own URL
 * rules (https, no loopback/private/link-local/metadata address in any
 * spelling, loopback http only with allowLocalHttp). Returns the error
 * problems about the URL; empty means the destination may be contacted.
 *
 * A Worker cannot see DNS answers, so a public name that resolves to a
 * private address (DNS rebinding) is not caught here: on Cloudflare the
 * platform's egress never reaches private networks, and locally workerd's
 * outbound allow list (edge/miniflare.mjs) refuses it at connect time.
 */
export function destinationProblems(engine, url, options) {
  return engine.checkDestination(url, options).problems;
}

/** Retry decisions without a Retry-After, by engine, then `${status or error}/${attempt}`. */
const decisionMemo = new WeakMap();

/** The Retry-After header of a captured response, if any. */
function retryAfterOf(headers) {
  for (const [name, value] of headers) if (name.toLowerCase() === 'retry-after') return value;
  return undefined;
}

/**
 * Asks the engine what to do after attempt number `attempt` (1 = first send)
 * ended with `result` (from sendOnce). The engine knows two transport error
 * classes: a timeout, and everything else ("network").
 * Returns { retry, delayMs, reason, verdict }.
 */
export function retryDecisionFor(engine, result, attempt, nowMs = Date.now()) {
  let outcome;
  if (result.status !== null) {
    outcome = { status: result.status };
    const retryAfter = retryAfterOf(result.headers);
    if (retryAfter !== undefined) outcome.retryAfter = retryAfter;
  } else {
    outcome = { error: result.error === 'timeout' ? 'timeout' : 'network' };
  }
  // Without a Retry-After the engine's answer depends only on the outcome
  // and the attempt number (never on the clock): asked once per pair.
  const key =
    outcome.retryAfter === undefined ? `${outcome.status ?? outcome.error}/${attempt}` : null;
  let memo = decisionMemo.get(engine);
  if (!memo) decisionMemo.set(engine, (memo = new Map()));
  let decision = key === null ? undefined : memo.get(key);
  if (decision === undefined) {
    try {
      decision = engine.retryDecision(outcome, attempt, nowMs);
    } catch {
      decision = null;
    }
    if (key !== null && memo.size < 4096) memo.set(key, decision);
  }
  if (!decision || typeof decision.retry !== 'boolean') {
    return { retry: false, delayMs: 0, reason: 'invalid_outcome', verdict: 'failed' };
  }
  return {
    retry: decision.retry,
    delayMs: decision.delayMs,
    reason: decision.reason,
    verdict: decision.verdict,
  };
}

/** True when the engine's verdict on the attempt is "delivered". */
export function isDelivered(decision) {
  return decision.verdict === 'delivered';
}
