// DeliveryBatch: a SQLite-backed Durable Object that owns one batch of
// deliveries (one POST /v1/deliveries): their rendered requests, every
// attempt, and the schedule of the next ones.
//
// Why alarms drive the sends: the batch's state and its scheduler live in
// the same object, so a retry "due at T" is a row with next_at = T plus a
// Durable Object alarm at the earliest T. Alarms are persisted and re-fired
// after a crash, an eviction or a restart (also in miniflare, whose storage
// persists to a folder), so a retry cannot be lost, and they have millisecond
// resolution (Queues' delaySeconds has whole seconds and would need a second
// store for the history anyway). While the object is alive, the running
// alarm handler sleeps through short waits itself (the 1 s / 2 s / 4 s
// backoff) instead of returning and being re-woken; the persisted alarm is
// the backstop. Delivery is at-least-once: an attempt cut off by a crash is
// sent again, with the same webhook-id, so receivers can drop duplicates.
//
// One object per batch (named by the batch id inside each message id) keeps
// any one object's work bounded and lets Cloudflare spread batches over many
// machines; inside a batch at most CONCURRENCY attempts are in flight.

import { DurableObject } from 'cloudflare:workers';
import { sendOnce, DEFAULT_TIMEOUT_MS } from './deliver.js';
import { getEngine, engineOptions, destinationProblems, retryDecisionFor, isDelivered } from './engine.js';
import { importSigningKey } from './signing.js';
import { attemptRecord } from './outcome.js';

/** Attempts in flight at once inside one batch. */
export const CONCURRENCY = 32;
/** Waits longer than this end the alarm handler and re-arm the alarm instead. */
const SLEEP_IN_HANDLER_MAX_MS = 30_000;
/** While attempts are in flight, the alarm stays armed at most this far ahead (crash backstop). */
const WATCHDOG_MS = 60_000;
/** The crash-backstop alarm is set at least this far ahead. */
const ALARM_AHEAD_MS = 1_000;
/** Attempt results are written together at most this often. */
const FLUSH_MS = 25;
/** How long `?wait=1` waits for a batch before answering with what it has. */
export const MAX_WAIT_MS = 300_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export class DeliveryBatch extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS deliveries (
        idx INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        request TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER,
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
      CREATE TABLE IF NOT EXISTS attempts (
        idx INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (idx, attempt)
      );
    `);
    this.inflight = new Set();
    this.results = [];
    this.alarmAt = null; // what we last set; null = unknown
    this.pumping = false;
    this.wake = null;
    // Deliveries stored by create() in this object's lifetime and not yet
    // attempted. POST /v1/deliveries compiled and rendered them moments
    // before, and compile applied the destination rule under this same
    // deployment's options (a rendered URL's scheme, host and port are the
    // compiled spec's: the engine refuses placeholders there), so their first
    // attempt skips a second identical check. Every other attempt (a retry,
    // or any attempt after an eviction or restart, when this set starts
    // empty) is re-checked.
    this.checkedAtRender = new Set();
  }

  /**
   * Stores a batch and arms the alarm that sends it.
   * `deliveries`: [{ id, request }] in context order. Returns the summaries,
   * or, with `wait`, the full deliveries once all are final (or MAX_WAIT_MS).
   */
  async create({ batch, deliveries, timeoutMs, signingSecret, wait }) {
    const now = Date.now();
    if (this.meta('batch') !== null) return { ok: false, code: 'batch_exists' };
    this.ctx.storage.transactionSync(() => {
      this.setMeta('batch', batch);
      this.setMeta('timeoutMs', String(timeoutMs ?? DEFAULT_TIMEOUT_MS));
      if (signingSecret) this.setMeta('signingSecret', signingSecret);
      this.setMeta('createdAt', String(now));
      deliveries.forEach((d, idx) => {
        this.sql.exec(
          'INSERT INTO deliveries (idx, id, request, state, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          idx, d.id, JSON.stringify(d.request), 'pending', now, now,
        );
      });
    });
    for (let idx = 0; idx < deliveries.length; idx++) this.checkedAtRender.add(idx);
    await this.ctx.storage.setAlarm(now);
    this.alarmAt = now;
    if (!wait) return { ok: true, deliveries: deliveries.map((d) => ({ id: d.id, status: 'pending' })) };
    await this.waitUntilDone(MAX_WAIT_MS);
    return { ok: true, deliveries: this.allDeliveries() };
  }

  /** One delivery with its attempts, or null. */
  async get(idx) {
    return this.delivery(idx);
  }

  /** The batch: counts by state and every delivery in context order; null if unknown. */
  async list() {
    const batch = this.meta('batch');
    if (batch === null) return null;
    const deliveries = this.allDeliveries();
    const counts = { pending: 0, delivered: 0, failed: 0 };
    for (const d of deliveries) counts[d.status]++;
    return { batch, createdAt: Number(this.meta('createdAt')), counts, deliveries };
  }

  async alarm() {
    await this.pump();
  }

  // ---- the scheduler ------------------------------------------------------

  /**
   * Sends every due attempt, at most CONCURRENCY at once, sleeping through
   * short backoffs, until nothing is pending or the next attempt is far off
   * (then the alarm is re-armed for it). Only one pump runs per object.
   *
   * Results are written in batches (every FLUSH_MS) rather than one commit
   * per attempt: a Durable Object holds every outgoing fetch until its last
   * write is durable (the output gate), and one commit per attempt measured
   * ~8 ms of stall for every send. A row stays "in flight" until its result
   * is written, so it is never picked twice; a crash before the write means
   * the attempt is sent again (at-least-once, same webhook-id).
   */
  async pump() {
    if (this.pumping) {
      this.wake?.();
      return;
    }
    this.pumping = true;
    const active = new Map();
    let lastFlush = Date.now();
    try {
      for (;;) {
        let now = Date.now();
        if (this.results.length > 0 && (active.size === 0 || now - lastFlush >= FLUSH_MS)) {
          this.flush();
          lastFlush = now;
        }
        for (const row of this.dueRows(now, CONCURRENCY - active.size)) {
          this.inflight.add(row.idx);
          const p = this.runAttempt(row).finally(() => active.delete(row.idx));
          active.set(row.idx, p);
        }
        const nextAt = this.nextDueAt();
        if (active.size === 0 && this.results.length === 0) {
          if (nextAt === null) {
            await this.ctx.storage.deleteAlarm();
            this.alarmAt = null;
            return;
          }
          if (nextAt - now > SLEEP_IN_HANDLER_MAX_MS) {
            await this.ctx.storage.setAlarm(nextAt);
            this.alarmAt = nextAt;
            return;
          }
        }
        // Keep the persisted alarm no later than the next due attempt (or a
        // watchdog while attempts are in flight), so a crash mid-pump resumes
        // on time. An alarm that fires while we run only wakes this loop.
        // Never less than ALARM_AHEAD_MS ahead: rows already due but waiting
        // for a free slot must not cost a storage write per loop turn.
        const backstop = Math.max(now + ALARM_AHEAD_MS, nextAt !== null ? Math.min(nextAt, now + WATCHDOG_MS) : now + WATCHDOG_MS);
        if (this.alarmAt === null || this.alarmAt <= now || backstop < this.alarmAt) {
          await this.ctx.storage.setAlarm(backstop);
          this.alarmAt = backstop;
          now = Date.now();
        }
        const waits = [...active.values()];
        let wakeAt = Infinity;
        if (nextAt !== null && active.size < CONCURRENCY) wakeAt = nextAt;
        if (this.results.length > 0) wakeAt = Math.min(wakeAt, lastFlush + FLUSH_MS);
        let timer;
        if (wakeAt !== Infinity) waits.push(new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, wakeAt - now)))));
        waits.push(new Promise((resolve) => (this.wake = resolve)));
        await Promise.race(waits);
        clearTimeout(timer);
        this.wake = null;
      }
    } finally {
      if (this.results.length > 0) this.flush();
      this.pumping = false;
    }
  }

  /** Writes the buffered attempt results in one transaction. */
  flush() {
    const results = this.results;
    this.results = [];
    this.ctx.storage.transactionSync(() => {
      for (const r of results) {
        if (r.record) {
          this.sql.exec('INSERT OR REPLACE INTO attempts (idx, attempt, record) VALUES (?, ?, ?)', r.idx, r.attempt, JSON.stringify(r.record));
        }
        if (r.state === 'pending') {
          this.sql.exec('UPDATE deliveries SET attempts = ?, next_at = ?, reason = ? WHERE idx = ?', r.attempts, r.nextAt, r.reason, r.idx);
        } else {
          this.sql.exec(
            'UPDATE deliveries SET state = ?, reason = ?, attempts = ?, next_at = NULL, finished_at = ? WHERE idx = ?',
            r.state, r.reason, r.attempts, r.at, r.idx,
          );
        }
      }
    });
    for (const r of results) this.inflight.delete(r.idx);
  }

  /** Pending rows due by `now` that are not in flight, oldest first. */
  dueRows(now, limit) {
    if (limit <= 0) return [];
    const rows = this.sql
      .exec(
        "SELECT idx, id, request, attempts FROM deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, idx LIMIT ?",
        now, limit + this.inflight.size,
      )
      .toArray();
    return rows.filter((r) => !this.inflight.has(r.idx)).slice(0, limit);
  }

  /** The earliest next_at of a pending row not in flight, or null. */
  nextDueAt() {
    const rows = this.sql
      .exec("SELECT idx, next_at FROM deliveries WHERE state = 'pending' ORDER BY next_at LIMIT ?", this.inflight.size + 1)
      .toArray();
    const row = rows.find((r) => !this.inflight.has(r.idx));
    return row ? row.next_at : null;
  }

  /** Sends one attempt and buffers its result for the next flush. Never throws. */
  async runAttempt(row) {
    const attempt = row.attempts + 1;
    const done = (state, reason, attempts, extra = {}) =>
      this.results.push({ idx: row.idx, attempt, state, reason, attempts, at: Date.now(), ...extra });
    try {
      const request = JSON.parse(row.request);
      const engine = await getEngine();
      // The SSRF guard runs before every attempt, not only at render time
      // (see checkedAtRender for the one attempt it was just run for).
      const fresh = attempt === 1 && this.checkedAtRender.delete(row.idx);
      const blocked = fresh ? [] : destinationProblems(engine, request.url, engineOptions(this.env));
      if (blocked.length > 0) {
        done('failed', blocked[0].code, row.attempts);
        return;
      }
      const timeoutMs = Number(this.meta('timeoutMs') ?? DEFAULT_TIMEOUT_MS);
      const signingKey = await this.signingKey();
      const result = await sendOnce({ request, msgId: row.id, signingKey, timeoutMs });
      const decision = retryDecisionFor(engine, result, attempt, Date.now());
      const record = attemptRecord(attempt, result, decision);
      if (decision.retry) {
        done('pending', decision.reason, attempt, { record, nextAt: result.startedAt + result.durationMs + decision.delayMs });
      } else {
        done(isDelivered(decision) ? 'delivered' : 'failed', decision.reason, attempt, { record });
      }
    } catch (e) {
      // Our own failure (not the destination's): record it and stop, rather
      // than retry forever through the alarm.
      console.error('hookcast: delivery attempt failed internally', row.id, e);
      done('failed', 'internal_error', row.attempts);
    } finally {
      this.wake?.();
    }
  }

  async signingKey() {
    const secret = this.meta('signingSecret');
    if (!secret) return null;
    this.key ??= await importSigningKey(secret);
    return this.key;
  }

  async waitUntilDone(maxMs) {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline) {
      const [{ n }] = this.sql.exec("SELECT count(*) AS n FROM deliveries WHERE state = 'pending'").toArray();
      if (n === 0) return;
      await sleep(50);
    }
  }

  // ---- reads ----------------------------------------------------------------

  meta(key) {
    // Batch settings never change once written: cache them.
    this.metaCache ??= new Map();
    if (this.metaCache.has(key)) return this.metaCache.get(key);
    const rows = this.sql.exec('SELECT value FROM meta WHERE key = ?', key).toArray();
    const value = rows.length ? rows[0].value : null;
    if (value !== null) this.metaCache.set(key, value);
    return value;
  }

  setMeta(key, value) {
    this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value);
  }

  delivery(idx) {
    const rows = this.sql.exec('SELECT * FROM deliveries WHERE idx = ?', idx).toArray();
    return rows.length ? this.shape(rows[0]) : null;
  }

  allDeliveries() {
    return this.sql.exec('SELECT * FROM deliveries ORDER BY idx').toArray().map((row) => this.shape(row));
  }

  shape(row) {
    const attempts = this.sql
      .exec('SELECT record FROM attempts WHERE idx = ? ORDER BY attempt', row.idx)
      .toArray()
      .map((a) => JSON.parse(a.record));
    return {
      id: row.id,
      batch: this.meta('batch'),
      index: row.idx,
      status: row.state,
      reason: row.reason,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      nextAttemptAt: row.state === 'pending' ? row.next_at : null,
      timeoutMs: Number(this.meta('timeoutMs')),
      signed: this.meta('signingSecret') !== null,
      request: JSON.parse(row.request),
      attempts,
    };
  }
}
