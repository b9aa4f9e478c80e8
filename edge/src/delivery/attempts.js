// The send-and-retry machinery both delivery objects share: DeliveryBatch
// (one POST /v1/deliveries) and CampaignDispatch (one slice of a campaign).
//
//   attemptOnce()  one attempt: the SSRF guard, sendOnce (signed when a key
//                  is given), the engine's retry decision, the attempt record.
//   AttemptPump    the alarm-driven scheduler of one object: picks due rows
//                  (the object says which), runs at most `concurrency`
//                  attempts at once, writes their results in batches, and
//                  keeps the object's alarm as the crash backstop.
//
// Why alarms drive the sends: an object's state and its scheduler live in
// the same object, so a retry "due at T" is a row with next_at = T plus a
// Durable Object alarm at the earliest T. Alarms are persisted and re-fired
// after a crash, an eviction or a restart (also in miniflare, whose storage
// persists to a folder), so a retry cannot be lost, and they have
// millisecond resolution. While the object is alive, the running pump
// sleeps through short waits itself (the 1 s / 2 s / 4 s backoff, pacing)
// instead of returning and being re-woken; the persisted alarm is the
// backstop. Delivery is at-least-once: an attempt cut off by a crash is sent
// again, with the same webhook-id, so receivers can drop duplicates.

import { sendOnce } from './deliver.js';
import {
  getEngine,
  engineOptions,
  destinationProblems,
  retryDecisionFor,
  isDelivered,
} from '../engine.js';
import { attemptRecord } from './outcome.js';
import { MAX_ATTEMPTS_PER_RUN } from '../constants.js';

/** Attempts in flight at once inside one object. */
export const CONCURRENCY = 32;
/** Waits longer than this end the alarm handler and re-arm the alarm instead. */
const SLEEP_IN_HANDLER_MAX_MS = 30_000;
/** While attempts are in flight, the alarm stays armed at most this far ahead (crash backstop). */
const WATCHDOG_MS = 60_000;
/** The crash-backstop alarm is set at least this far ahead. */
const ALARM_AHEAD_MS = 1_000;
/** Attempt results are written together at most this often. */
const FLUSH_MS = 25;
export { MAX_ATTEMPTS_PER_RUN };

/**
 * Sends attempt number `attempt` (1 = first) of `request` as message `msgId`.
 * `checked`: the destination rule was applied to this very request moments
 * ago (compile/render refuse a bad destination), so the guard is skipped;
 * every other attempt (a retry, any attempt after a restart) is re-checked,
 * so turning HOOKCAST_ALLOW_LOCAL_HTTP off stops pending retries to loopback.
 * `pool`: the object's kept-alive connections (delivery/http1.js).
 *
 * Never throws. Returns { state: 'pending'|'delivered'|'failed', reason,
 * attempts (attempts made so far), record (the attempt's history entry, or
 * absent when nothing was sent), nextAt (pending: when to try again), at }.
 */
export async function attemptOnce({
  env,
  request,
  msgId,
  attempt,
  signingKey = null,
  timeoutMs,
  checked = false,
  pool = null,
}) {
  try {
    const engine = await getEngine();
    const blocked = checked ? [] : destinationProblems(engine, request.url, engineOptions(env));
    if (blocked.length > 0)
      return { state: 'failed', reason: blocked[0].code, attempts: attempt - 1, at: Date.now() };
    const result = await sendOnce({ request, msgId, signingKey, timeoutMs, pool });
    const decision = retryDecisionFor(engine, result, attempt, Date.now());
    const record = attemptRecord(attempt, result, decision);
    const at = Date.now();
    if (decision.retry) {
      return {
        state: 'pending',
        reason: decision.reason,
        attempts: attempt,
        record,
        nextAt: result.startedAt + result.durationMs + decision.delayMs,
        at,
      };
    }
    return {
      state: isDelivered(decision) ? 'delivered' : 'failed',
      reason: decision.reason,
      attempts: attempt,
      record,
      at,
    };
  } catch (e) {
    // Our own failure (not the destination's): record it and stop, rather
    // than retry forever through the alarm.
    console.error('hookcast: delivery attempt failed internally', msgId, e);
    return { state: 'failed', reason: 'internal_error', attempts: attempt - 1, at: Date.now() };
  }
}

/**
 * The scheduler of one delivery object. `source` is the object:
 *   dueRows(now, limit, inflight)  rows ({ idx, … }) to attempt now, not in `inflight`, at most `limit`
 *   nextDueAt(inflight)            when the next row not in flight is due (ms), or null: nothing pending
 *   run(row)                       sends it; resolves to a result ({ idx, … }) to write; never rejects
 *   write(results)                 stores results (called inside one storage transaction)
 *
 * Results are written in batches (every FLUSH_MS) rather than one commit
 * per attempt: a Durable Object holds every outgoing fetch until its last
 * write is durable (the output gate), and one commit per attempt measured
 * ~8 ms of stall for every send. A row stays in `inflight` until its result
 * is written, so it is never picked twice; a crash before the write means
 * the attempt is sent again (at-least-once, same webhook-id).
 */
export class AttemptPump {
  constructor(storage, source, { concurrency = CONCURRENCY, flushMs = FLUSH_MS } = {}) {
    this.storage = storage;
    this.source = source;
    this.concurrency = concurrency;
    this.flushMs = flushMs;
    this.inflight = new Set();
    this.results = [];
    this.alarmAt = null; // what we last set; null = unknown
    this.pumping = false;
    this.wake = null; // resolves the running pump's wait
    this.woken = false; // something happened since the pump last looked
    this.timer = null; // the pump's one pending timer: { at, id }
  }

  /** Starts the pump, or wakes the running one to look again (new rows, a resume). */
  poke() {
    if (this.pumping) {
      this.wakeUp();
      return Promise.resolve();
    }
    return this.pump();
  }

  /**
   * Makes the running pump look again (an attempt ended, new rows, a
   * resume). The flag keeps a wake-up that comes while the pump is busy
   * (awaiting setAlarm) from being lost.
   */
  wakeUp() {
    this.woken = true;
    this.wake?.();
  }

  /** Wakes the pump at `at` (ms): one timer kept across loop turns, replaced only by an earlier one. */
  wakeAt(at) {
    if (this.timer !== null) {
      if (this.timer.at <= at) return;
      clearTimeout(this.timer.id);
    }
    const timer = { at, id: 0 };
    timer.id = setTimeout(
      () => {
        if (this.timer === timer) this.timer = null;
        this.wakeUp();
      },
      Math.max(0, at - Date.now()),
    );
    this.timer = timer;
  }

  /** Arms the alarm for `at` unless one is already set no later. */
  async armAt(at) {
    if (this.alarmAt !== null && this.alarmAt <= at && this.alarmAt > Date.now()) return;
    await this.storage.setAlarm(at);
    this.alarmAt = at;
  }

  /**
   * Sends every due attempt, at most `concurrency` at once, sleeping through
   * short waits, until nothing is pending or the next attempt is far off
   * (then the alarm is re-armed for it). Only one pump runs per object.
   */
  async pump() {
    if (this.pumping) {
      this.wakeUp();
      return;
    }
    this.pumping = true;
    const active = new Map();
    let lastFlush = Date.now();
    let started = 0;
    try {
      for (;;) {
        this.woken = false;
        let now = Date.now();
        if (this.results.length > 0 && (active.size === 0 || now - lastFlush >= this.flushMs)) {
          this.flush();
          lastFlush = now;
        }
        if (started >= MAX_ATTEMPTS_PER_RUN) {
          if (active.size === 0 && this.results.length === 0) {
            // Continue in a new invocation (the alarm fires at once).
            await this.storage.setAlarm(Date.now());
            this.alarmAt = Date.now();
            return;
          }
        }
        const room =
          started >= MAX_ATTEMPTS_PER_RUN
            ? 0
            : Math.min(this.concurrency - active.size, MAX_ATTEMPTS_PER_RUN - started);
        for (const row of this.source.dueRows(now, room, this.inflight)) {
          started++;
          this.inflight.add(row.idx);
          const p = this.source
            .run(row)
            .then((result) => this.results.push(result))
            .finally(() => {
              active.delete(row.idx);
              this.wakeUp();
            });
          active.set(row.idx, p);
        }
        const nextAt = this.source.nextDueAt(this.inflight);
        if (active.size === 0 && this.results.length === 0) {
          if (nextAt === null) {
            await this.storage.deleteAlarm();
            this.alarmAt = null;
            return;
          }
          if (nextAt - now > SLEEP_IN_HANDLER_MAX_MS) {
            await this.storage.setAlarm(nextAt);
            this.alarmAt = nextAt;
            return;
          }
        }
        // Keep the persisted alarm no later than the next due attempt (or a
        // watchdog while attempts are in flight), so a crash mid-pump resumes
        // on time. An alarm that fires while we run only wakes this loop.
        // Never less than ALARM_AHEAD_MS ahead: rows already due but waiting
        // for a free slot must not cost a storage write per loop turn.
        const backstop = Math.max(
          now + ALARM_AHEAD_MS,
          nextAt !== null ? Math.min(nextAt, now + WATCHDOG_MS) : now + WATCHDOG_MS,
        );
        if (this.alarmAt === null || this.alarmAt <= now || backstop < this.alarmAt) {
          await this.storage.setAlarm(backstop);
          this.alarmAt = backstop;
          now = Date.now();
        }
        // Sleep until an attempt ends, a poke, or the next due time / flush.
        // Attempts wake the pump themselves (wakeUp in their `finally`), so
        // the wait does not subscribe to every active attempt on every turn
        // (a Promise.race over 32 attempts per turn was measurable), and the
        // timer is kept across turns unless an earlier one is needed.
        let wakeAt = Infinity;
        if (nextAt !== null && active.size < this.concurrency && started < MAX_ATTEMPTS_PER_RUN)
          wakeAt = nextAt;
        if (this.results.length > 0) wakeAt = Math.min(wakeAt, lastFlush + this.flushMs);
        if (wakeAt !== Infinity) this.wakeAt(wakeAt);
        if (!this.woken) await new Promise((resolve) => (this.wake = resolve));
        this.wake = null;
      }
    } finally {
      if (this.timer !== null) {
        clearTimeout(this.timer.id);
        this.timer = null;
      }
      this.wake = null;
      if (this.results.length > 0) this.flush();
      this.pumping = false;
    }
  }

  /** Writes the buffered attempt results in one transaction. */
  flush() {
    const results = this.results;
    this.results = [];
    this.storage.transactionSync(() => this.source.write(results));
    for (const r of results) this.inflight.delete(r.idx);
  }
}
