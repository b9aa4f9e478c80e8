// What both delivery objects are: DeliveryBatch (one POST /v1/deliveries)
// and CampaignDispatch (one slice of a campaign). Each is a SQLite-backed
// Durable Object with a `meta` table of settings beside its own tables, a
// `deliveries` table whose rows an AttemptPump sends and retries, and a
// Standard Webhooks signing key imported once per secret.

import { DurableObject } from 'cloudflare:workers';
import { AttemptPump } from './attempts.js';
import { importSigningKey } from './signing.js';

export class DeliveryObject extends DurableObject {
  /**
   * `schema`: the object's own CREATE statements, run after the shared
   * `meta` table's; `pump`: AttemptPump options ({ concurrency, flushMs }).
   * The subclass is the pump's source (dueRows, nextDueAt, run, write).
   */
  constructor(ctx, env, { schema, pump = {} }) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n${schema}`);
    this.metaCache = new Map();
    this.signing = null; // { secret, key }
    this.pump = new AttemptPump(ctx.storage, this, pump);
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
    if (this.signing?.secret !== secret) this.signing = { secret, key: await importSigningKey(secret) };
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
