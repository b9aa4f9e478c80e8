// DeliveryBatch: a SQLite-backed Durable Object that owns one batch of
// deliveries (one POST /v1/deliveries): their rendered requests, every
// attempt, and the schedule of the next ones.
//
// The sends, retries, alarms and batched result writes are the AttemptPump
// of delivery/attempts.js, and the settings table, signing key and alarm
// are DeliveryObject's (delivery/delivery_object.js), both shared with
// CampaignDispatch; this file says which rows are due and how their
// results are stored.
//
// One object per batch (named by the batch id inside each message id) keeps
// any one object's work bounded and lets Cloudflare spread batches over many
// machines; inside a batch at most CONCURRENCY attempts are in flight.

import { DEFAULT_TIMEOUT_MS } from './deliver.js';
import { attemptOnce, CONCURRENCY } from './attempts.js';
import { DeliveryObject } from './delivery_object.js';
import { hostOf } from '../destinations/gate.js';
import { isoTime as iso } from '../http/iso_time.js';

export { CONCURRENCY };
/** How long `?wait=1` waits for a batch before answering with what it has. */
export const MAX_WAIT_MS = 300_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const SCHEMA = `
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
  CREATE TABLE IF NOT EXISTS earlier_attempts (
    idx INTEGER NOT NULL,
    run INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (idx, run, attempt)
  );
`;

export class DeliveryBatch extends DeliveryObject {
  constructor(ctx, env) {
    super(ctx, env, { schema: SCHEMA });
    // `run` counts replays (POST /v1/deliveries/:id/retry); added after v1.
    if (
      !this.sql.exec("SELECT 1 FROM pragma_table_info('deliveries') WHERE name = 'run'").toArray()
        .length
    ) {
      this.sql.exec('ALTER TABLE deliveries ADD COLUMN run INTEGER NOT NULL DEFAULT 0');
    }
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
      // One spec per batch, and the engine keeps placeholders out of a
      // URL's host: every delivery of the batch goes to this host.
      if (deliveries.length > 0) this.setMeta('host', hostOf(deliveries[0].request.url) ?? '');
      deliveries.forEach((d, idx) => {
        this.sql.exec(
          'INSERT INTO deliveries (idx, id, request, state, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          idx,
          d.id,
          JSON.stringify(d.request),
          'pending',
          now,
          now,
        );
      });
    });
    for (let idx = 0; idx < deliveries.length; idx++) this.checkedAtRender.add(idx);
    await this.armAlarm(now);
    if (!wait)
      return { ok: true, deliveries: deliveries.map((d) => ({ id: d.id, status: 'pending' })) };
    await this.waitUntilDone(MAX_WAIT_MS);
    return { ok: true, deliveries: this.allDeliveries() };
  }

  /** The batch: counts by state and every delivery in context order; null if unknown. */
  async list() {
    const batch = this.meta('batch');
    if (batch === null) return null;
    const deliveries = this.allDeliveries();
    const counts = { pending: 0, delivered: 0, failed: 0 };
    for (const d of deliveries) counts[d.status]++;
    return { batch, createdAt: iso(Number(this.meta('createdAt'))), counts, deliveries };
  }

  /**
   * Replays a failed delivery: same stored request and webhook-id, a new
   * attempt history (the earlier one moves to `earlierRuns`). Answers
   * { ok, delivery } or { ok: false, code: 'not_found' | 'not_failed', status }.
   */
  async retry(idx) {
    const [row] = this.sql.exec('SELECT state, run FROM deliveries WHERE idx = ?', idx).toArray();
    if (!row) return { ok: false, code: 'not_found' };
    if (row.state !== 'failed') return { ok: false, code: 'not_failed', status: row.state };
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        'INSERT INTO earlier_attempts (idx, run, attempt, record) SELECT idx, ?, attempt, record FROM attempts WHERE idx = ?',
        row.run,
        idx,
      );
      this.sql.exec('DELETE FROM attempts WHERE idx = ?', idx);
      this.sql.exec(
        "UPDATE deliveries SET state = 'pending', reason = NULL, attempts = 0, run = run + 1, next_at = ?, finished_at = NULL WHERE idx = ?",
        now,
        idx,
      );
    });
    if (this.pump.pumping) this.pump.wakeUp();
    else await this.armAlarm(now);
    return { ok: true, delivery: this.delivery(idx) };
  }

  async alarm() {
    await this.pump.poke();
  }

  // ---- the scheduler (AttemptPump, shared with CampaignDispatch) ----------

  /** Pending rows due by `now` that are not in flight, oldest first; none while the batch's host is held. */
  dueRows(now, limit, inflight) {
    if (limit <= 0 || this.gate.isHeld(this.meta('host'))) return [];
    const rows = this.sql
      .exec(
        "SELECT idx, id, request, attempts FROM deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, idx LIMIT ?",
        now,
        limit + inflight.size,
      )
      .toArray();
    return rows.filter((r) => !inflight.has(r.idx)).slice(0, limit);
  }

  /** The earliest next_at of a pending row not in flight, or null (also while the host is held: the breaker wakes us). */
  nextDueAt(inflight) {
    if (this.gate.isHeld(this.meta('host'))) return null;
    const rows = this.sql
      .exec(
        "SELECT idx, next_at FROM deliveries WHERE state = 'pending' ORDER BY next_at LIMIT ?",
        inflight.size + 1,
      )
      .toArray();
    const row = rows.find((r) => !inflight.has(r.idx));
    return row ? row.next_at : null;
  }

  /**
   * Sends one attempt of a row; resolves to its result ({ idx, held: true }
   * when its host turned out to be held). Never rejects. `probe`: the
   * breaker's probe, made while the host is held and reported by the probe.
   */
  async run(row, { probe = false } = {}) {
    const attempt = row.attempts + 1;
    let result;
    try {
      const request = JSON.parse(row.request);
      const host = hostOf(request.url);
      if (!probe) {
        await this.gate.ready(host);
        if (this.gate.isHeld(host)) return { idx: row.idx, held: true };
      }
      // See checkedAtRender for the one attempt the guard was just run for.
      const checked = attempt === 1 && this.checkedAtRender.delete(row.idx);
      result = await attemptOnce({
        env: this.env,
        request,
        msgId: row.id,
        attempt,
        signingKey: await this.signingKey(this.meta('signingSecret')),
        timeoutMs: Number(this.meta('timeoutMs') ?? DEFAULT_TIMEOUT_MS),
        checked,
        pool: this.connections,
      });
      if (!probe) await this.gate.after(host, result);
    } catch (e) {
      console.error('hookcast: delivery attempt failed internally', row.id, e);
      result = {
        state: 'failed',
        reason: 'internal_error',
        attempts: row.attempts,
        at: Date.now(),
      };
    }
    return { idx: row.idx, attempt, ...result };
  }

  /** Stores attempt results (inside the pump's transaction); a held row keeps what it had. */
  write(results) {
    for (const r of results) {
      if (r.held) continue;
      if (r.record) {
        this.sql.exec(
          'INSERT OR REPLACE INTO attempts (idx, attempt, record) VALUES (?, ?, ?)',
          r.idx,
          r.attempt,
          JSON.stringify(r.record),
        );
      }
      if (r.state === 'pending') {
        this.sql.exec(
          'UPDATE deliveries SET attempts = ?, next_at = ?, reason = ? WHERE idx = ?',
          r.attempts,
          r.nextAt,
          r.reason,
          r.idx,
        );
      } else {
        this.sql.exec(
          'UPDATE deliveries SET state = ?, reason = ?, attempts = ?, next_at = NULL, finished_at = ? WHERE idx = ?',
          r.state,
          r.reason,
          r.attempts,
          r.at,
          r.idx,
        );
      }
    }
  }

  /** { kind, name } the breaker reaches this object by. */
  holderId() {
    return { kind: 'batch', name: this.meta('batch') };
  }

  /** Pending rows a probe may attempt (a batch has one host), the most retry budget left first: a probe is a real attempt. */
  probeCandidates() {
    return this.sql
      .exec(
        "SELECT idx, id, request, attempts FROM deliveries WHERE state = 'pending' ORDER BY attempts, next_at, idx LIMIT 4",
      )
      .toArray();
  }

  /** The host is healthy again: send what is pending now. */
  released() {
    this.sql.exec(
      "UPDATE deliveries SET next_at = ? WHERE state = 'pending' AND next_at > ?",
      Date.now(),
      Date.now(),
    );
    if (this.pump.pumping) this.pump.wakeUp();
    else {
      this.armAlarm(Date.now()).catch((e) =>
        console.error('hookcast: could not arm the batch alarm', e),
      );
      this.pump.poke().catch((e) => console.error('hookcast: batch pump stopped', e));
    }
  }

  async waitUntilDone(maxMs) {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline) {
      const [{ n }] = this.sql
        .exec("SELECT count(*) AS n FROM deliveries WHERE state = 'pending'")
        .toArray();
      if (n === 0) return;
      await sleep(50);
    }
  }

  // ---- reads ----------------------------------------------------------------

  allDeliveries() {
    return this.sql
      .exec('SELECT * FROM deliveries ORDER BY idx')
      .toArray()
      .map((row) => this.shape(row));
  }

  shape(row) {
    // Stored as the sender's record (epoch ms); answered in ISO 8601 as every time is.
    const attemptOf = (text) => {
      const record = JSON.parse(text);
      return { ...record, startedAt: iso(record.startedAt) };
    };
    const attempts = this.sql
      .exec('SELECT record FROM attempts WHERE idx = ? ORDER BY attempt', row.idx)
      .toArray()
      .map((a) => attemptOf(a.record));
    const earlier = new Map();
    if (row.run > 0) {
      for (const a of this.sql.exec(
        'SELECT run, record FROM earlier_attempts WHERE idx = ? ORDER BY run, attempt',
        row.idx,
      )) {
        if (!earlier.has(a.run)) earlier.set(a.run, []);
        earlier.get(a.run).push(attemptOf(a.record));
      }
    }
    return {
      id: row.id,
      batch: this.meta('batch'),
      index: row.idx,
      status: row.state,
      reason: row.reason,
      createdAt: iso(row.created_at),
      finishedAt: iso(row.finished_at),
      nextAttemptAt: row.state === 'pending' ? iso(row.next_at) : null,
      timeoutMs: Number(this.meta('timeoutMs')),
      signed: this.meta('signingSecret') !== null,
      request: JSON.parse(row.request),
      attempts,
      ...(row.run > 0
        ? {
            earlierRuns: Array.from({ length: row.run }, (_, r) => ({
              attempts: earlier.get(r) ?? [],
            })),
          }
        : {}),
    };
  }
}
