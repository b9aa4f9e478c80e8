// DestinationGate: a delivery object's side of the circuit breaker
// (destinations/destination_health.js), shared by DeliveryBatch and
// CampaignDispatch through DeliveryObject.
//
// It keeps, per host, what the object knows of the host's health:
//   held       hosts the object holds messages for (unhealthy when last
//              heard). Persisted in the object's meta, so a restart keeps
//              holding without asking anyone.
//   checkedAt  when the object last asked the host's object. A batch
//              awaits its first ask (per host, per object lifetime), so it
//              holds before its first attempt to an unhealthy host; a
//              campaign slice asks when it first stores messages and never
//              lets an attempt wait for an answer (paced sends bunched up
//              behind one RPC). Later asks, after CHECK_TTL_MS, run beside
//              the attempts. The healthy path costs one round trip per host
//              per object per CHECK_TTL_MS, never one per attempt.
//   counted    hosts whose object counts failures (the last answer said
//              failures > 0): the next success is reported to reset them.
//
// After an attempt (before its result is written): a retryable failure is
// reported at once (so a host trips within the attempts already in
// flight), a success is reported only when the host is `counted`.

import { destinationStub } from '../stubs.js';

/** How long a "healthy" answer is trusted before the host's object is asked again. */
export const CHECK_TTL_MS = 5_000;

/** The host (with port) of a URL, lowercase; null when it does not parse. */
export function hostOf(url) {
  try {
    return new URL(url).host.toLowerCase() || null;
  } catch {
    return null;
  }
}

/**
 * What an attempt result says of its host: 'success' (delivered),
 * 'failure' (a retryable outcome: the engine's verdict was retry, or its
 * retries ran out), 'answered' (any other answer: the host is up), or null
 * (nothing was sent: refused by the destination guard, internal error).
 */
export function healthOutcome(result) {
  const record = result?.record;
  if (!record) return null;
  if (result.state === 'delivered') return 'success';
  if (record.retry || record.reason === 'retries_exhausted') return 'failure';
  return 'answered';
}

/** A short text for the destinations page: "HTTP 503", "timeout", "network_error: …". */
export function errorText(record) {
  if (!record) return null;
  if (record.status !== null && record.status !== undefined) return `HTTP ${record.status}`;
  return record.errorMessage
    ? `${record.error}: ${record.errorMessage}`.slice(0, 200)
    : String(record.error ?? 'error');
}

export class DestinationGate {
  /**
   * `owner`: the delivery object (env, meta/setMeta) and `holder`: how the
   * host's object reaches it again ({ kind: 'dispatch' | 'batch', name }), a
   * function because the name is known only once the object was created.
   * `onRelease(host)`: called when a held host is healthy again.
   */
  constructor(owner, holder, onRelease) {
    this.owner = owner;
    this.holder = holder;
    this.onRelease = onRelease;
    this.held = new Set(JSON.parse(owner.meta('heldHosts') ?? '[]'));
    this.checkedAt = new Map();
    this.checking = new Map();
    this.counted = new Set();
  }

  /** True while messages to `host` are held. */
  isHeld(host) {
    return host !== null && this.held.has(host);
  }

  /**
   * Asks the host's object when the last answer is older than CHECK_TTL_MS.
   * With `wait`, the first time, resolves once the answer is known; else at
   * once (the ask goes on beside). Never rejects.
   */
  async ready(host, { wait = true } = {}) {
    if (host === null || this.held.has(host)) return;
    const at = this.checkedAt.get(host);
    if (at !== undefined && Date.now() - at < CHECK_TTL_MS) return;
    if (!this.checking.has(host)) {
      const p = destinationStub(this.owner.env, host)
        .check(host, this.holder())
        .then((answer) => this.learn(host, answer))
        .catch((e) => console.error('hookcast: destination check failed', host, e))
        .finally(() => this.checking.delete(host));
      this.checking.set(host, p);
    }
    if (at === undefined && wait) await this.checking.get(host);
  }

  /** After an attempt to `host` with `result` (attemptOnce's). Reports what the breaker must hear. Never rejects. */
  async after(host, result) {
    if (host === null) return;
    const outcome = healthOutcome(result);
    if (outcome === null) return;
    let report = null;
    if (outcome === 'failure') report = { failures: 1, lastError: errorText(result.record) };
    else if (this.counted.has(host)) report = { reset: true };
    if (!report) return;
    try {
      this.learn(
        host,
        await destinationStub(this.owner.env, host).report(host, this.holder(), report),
      );
    } catch (e) {
      console.error('hookcast: destination report failed', host, e);
    }
  }

  /** Takes an answer ({ state, failures }) of the host's object. */
  learn(host, { state, failures }) {
    this.checkedAt.set(host, Date.now());
    if (failures > 0) this.counted.add(host);
    else this.counted.delete(host);
    if (state === 'unhealthy' && !this.held.has(host)) {
      this.held.add(host);
      this.persist();
    }
  }

  /** RPC path: the host is healthy again; stop holding and let the owner send. */
  release(host) {
    this.checkedAt.set(host, Date.now());
    this.counted.delete(host);
    if (!this.held.delete(host)) return false;
    this.persist();
    this.onRelease(host);
    return true;
  }

  persist() {
    this.owner.setMeta('heldHosts', JSON.stringify([...this.held]));
  }
}
