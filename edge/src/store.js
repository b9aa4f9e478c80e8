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
/** While a pump runs, the alarm stays armed this far ahead as a crash backstop. */
const WATCHDOG_MS = 60_000;
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
    this.pumping = false;
    this.wake = null;
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
    await this.ctx.storage.setAlarm(now);
    if (!wait) return { ok: true, deliveries: deliveries.map((d) => ({ id: d.id, status: 'pending' })) };
    await this.waitUntilDone(MAX_WAIT_MS);
    return { ok: true, deliveries: this.allDeliveries() };
  }

  /** One delivery with its attempts, or null. */
  async get(idx) {
    return this.delivery(idx);
  }

  /** Every delivery of the batch, in context order. */
  async list() {
    return this.allDeliveries();
  }

  async alarm() {
    await this.pump();
  }

  // ---- the scheduler ------------------------------------------------------

  /**
   * Sends every due attempt, at most CONCURRENCY at once, sleeping through
   * short backoffs, until nothing is pending or the next attempt is far off
   * (then the alarm is re-armed for it). Only one pump runs per object.
   */
  async pump() {
    if (this.pumping) {
      this.wake?.();
      return;
    }
    this.pumping = true;
    const active = new Map();
    let watchdogAt = 0;
    try {
      for (;;) {
        const now = Date.now();
        if (now >= watchdogAt - WATCHDOG_MS / 2) {
          watchdogAt = now + WATCHDOG_MS;
          await this.ctx.storage.setAlarm(watchdogAt);
        }
        for (const row of this.dueRows(now, CONCURRENCY - active.size)) {
          this.inflight.add(row.idx);
          const p = this.runAttempt(row).finally(() => {
            this.inflight.delete(row.idx);
            active.delete(row.idx);
          });
          active.set(row.idx, p);
        }
        const nextAt = this.nextDueAt();
        if (active.size === 0) {
          if (nextAt === null) {
            await this.ctx.storage.deleteAlarm();
            return;
          }
          if (nextAt - now > SLEEP_IN_HANDLER_MAX_MS) {
            await this.ctx.storage.setAlarm(nextAt);
            return;
          }
        }
        const waits = [...active.values()];
        let timer;
        if (nextAt !== null && active.size < CONCURRENCY) {
          waits.push(new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, nextAt - now)))));
        }
        waits.push(new Promise((resolve) => (this.wake = resolve)));
        await Promise.race(waits);
        clearTimeout(timer);
        this.wake = null;
      }
    } finally {
      this.pumping = false;
    }
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

  async runAttempt(row) {
    const attempt = row.attempts + 1;
    const request = JSON.parse(row.request);
    try {
      const engine = await getEngine();
      // The SSRF guard runs before every attempt, not only at render time.
      const blocked = destinationProblems(engine, request.url, engineOptions(this.env));
      if (blocked.length > 0) {
        this.finish(row.idx, 'failed', blocked[0].code, row.attempts);
        return;
      }
      const timeoutMs = Number(this.meta('timeoutMs') ?? DEFAULT_TIMEOUT_MS);
      const signingKey = await this.signingKey();
      const result = await sendOnce({ request, msgId: row.id, signingKey, timeoutMs });
      const decision = retryDecisionFor(engine, result, attempt, Date.now());
      const record = attemptRecord(attempt, result, decision);
      this.ctx.storage.transactionSync(() => {
        this.sql.exec('INSERT OR REPLACE INTO attempts (idx, attempt, record) VALUES (?, ?, ?)', row.idx, attempt, JSON.stringify(record));
        if (decision.retry) {
          this.sql.exec(
            'UPDATE deliveries SET attempts = ?, next_at = ?, reason = ? WHERE idx = ?',
            attempt, result.startedAt + result.durationMs + decision.delayMs, decision.reason, row.idx,
          );
        } else {
          this.finish(row.idx, isDelivered(decision) ? 'delivered' : 'failed', decision.reason, attempt);
        }
      });
    } catch (e) {
      // Our own failure (not the destination's): record it and stop, rather
      // than retry forever through the alarm.
      console.error('hookcast: delivery attempt failed internally', row.id, e);
      this.finish(row.idx, 'failed', 'internal_error', row.attempts);
    }
  }

  finish(idx, state, reason, attempts) {
    this.sql.exec(
      'UPDATE deliveries SET state = ?, reason = ?, attempts = ?, next_at = NULL, finished_at = ? WHERE idx = ?',
      state, reason, attempts, Date.now(), idx,
    );
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
    const rows = this.sql.exec('SELECT value FROM meta WHERE key = ?', key).toArray();
    return rows.length ? rows[0].value : null;
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
