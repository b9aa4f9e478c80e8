// What both delivery objects are: DeliveryBatch (one POST /v1/deliveries)
// and CampaignDispatch (one slice of a campaign). Each is a SQLite-backed
// Durable Object with a `meta` table of settings beside its own tables, a
// `deliveries` table whose rows an AttemptPump sends and retries, and a
// Standard Webhooks signing key imported once per secret. Both hold their
// messages to a host the circuit breaker calls unhealthy (the gate,
// destinations/gate.js) and make the breaker's probes (probeHeld).

import { DurableObject } from 'cloudflare:workers';
import { AttemptPump } from './attempts.js';
import { importSigningKey } from './signing.js';
import { ConnectionPool } from './http1.js';
import { DestinationGate, errorText, healthOutcome } from '../destinations/gate.js';

export class DeliveryObject extends DurableObject {
  /**
   * `schema`: the object's own CREATE statements, run after the shared
   * `meta` table's; `pump`: AttemptPump options ({ concurrency, flushMs }).
   * The subclass is the pump's source (dueRows, nextDueAt, run, write).
   */
  constructor(ctx, env, { schema, pump = {} }) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n${schema}`,
    );
    this.metaCache = new Map();
    this.signing = null; // { secret, key }
    /** Kept-alive connections to the destinations (a socket belongs to the object that opened it). */
    this.connections = new ConnectionPool();
    this.pump = new AttemptPump(ctx.storage, this, pump);
    this.gate = new DestinationGate(
      this,
      () => this.holderId(),
      (host) => this.released(host),
    );
  }

  /** RPC from a DestinationHealth object: `host` is healthy again, send what was held for it. */
  async destinationHealthy(host) {
    this.gate.release(host);
    return { ok: true };
  }

  /**
   * RPC from a DestinationHealth object: attempt one held message to `host`
   * now (the probe). Answers { attempted: true, outcome, lastError } or
   * { attempted: false } when nothing to that host is pending here.
   */
  async probeHeld(host) {
    if (!this.gate.isHeld(host)) return { attempted: false };
    for (const row of this.probeCandidates(host)) {
      if (this.pump.inflight.has(row.idx)) continue;
      this.pump.inflight.add(row.idx);
      let result;
      try {
        result = await this.run(row, { probe: true });
        this.ctx.storage.transactionSync(() => this.write([result]));
      } finally {
        this.pump.inflight.delete(row.idx);
      }
      const outcome = healthOutcome(result);
      // Nothing was sent (the destination guard refused it): that message
      // is over; try the next one.
      if (outcome === null) continue;
      return { attempted: true, outcome, lastError: errorText(result.record) };
    }
    return { attempted: false };
  }

  /** A setting (text) or null. Only this object writes its meta, so a value read once is kept in memory. */
  meta(key) {
    if (this.metaCache.has(key)) return this.metaCache.get(key);
    const rows = this.sql.exec('SELECT value FROM meta WHERE key = ?', key).toArray();
    const value = rows.length ? rows[0].value : null;
    this.metaCache.set(key, value);
    return value;
  }

  setMeta(key, value) {
    this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value);
    this.metaCache.set(key, value);
  }

  /** The imported key of a `whsec_…` secret, or null without one; imported again only when the secret changes. */
  async signingKey(secret) {
    if (!secret) return null;
    if (this.signing?.secret !== secret)
      this.signing = { secret, key: await importSigningKey(secret) };
    return this.signing.key;
  }

  /** Sets the object's persisted alarm to `at` (ms) and tells the pump what it is. */
  async armAlarm(at) {
    await this.ctx.storage.setAlarm(at);
    this.pump.alarmAt = at;
  }

  /** One delivery with its attempts, as the subclass's shape() answers it, or null. */
  delivery(idx) {
    const rows = this.sql.exec('SELECT * FROM deliveries WHERE idx = ?', idx).toArray();
    return rows.length ? this.shape(rows[0]) : null;
  }

  /** RPC: one delivery with its attempts, or null. */
  async get(idx) {
    return this.delivery(idx);
  }
}
