// Workspace: the one SQLite-backed Durable Object (binding WORKSPACE, name
// "workspace") holding what is shared by the whole deployment: cohorts now;
// campaigns and settings are added by their own files (workspace_*.js).
//
//   cohorts(id, name, rule JSON, created_at, updated_at)   times: ms
//
// Rules arrive validated by the engine (the route calls
// engine.validateCohort before storing), so what is stored always compiles.

import { DurableObject } from 'cloudflare:workers';
import { randomBase32 } from '../base32.js';
import * as campaigns from './campaigns.js';
import { getEngine } from '../engine.js';

/** A stored cohort row as the RPC methods answer it (times in ms). */
function cohortOf(row) {
  return {
    id: row.id,
    name: row.name,
    rule: JSON.parse(row.rule),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class Workspace extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS cohorts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        rule TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `);
    campaigns.createCampaignTables(this.sql);
    // Hosts the circuit breaker has counted a failure for (destinations/): what GET /v1/destinations lists.
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS destinations (host TEXT PRIMARY KEY, noted_at INTEGER NOT NULL)',
    );
  }

  // ---- destinations (destinations/destination_health.js) ----------------------------

  /** Lists `host` among the destinations (once; later calls change nothing). */
  async noteDestination(host) {
    this.sql.exec(
      'INSERT OR IGNORE INTO destinations (host, noted_at) VALUES (?, ?)',
      host,
      Date.now(),
    );
  }

  /** Every listed host, in the order they were first noted. */
  async listDestinations() {
    return this.sql
      .exec('SELECT host FROM destinations ORDER BY noted_at, host')
      .toArray()
      .map((r) => r.host);
  }

  // ---- cohorts ------------------------------------------------------------------

  /** Stores a new cohort { name, rule } and answers it; its id is `coh_` + 20 random base32 characters. */
  async createCohort({ name, rule }, nowMs) {
    const id = `coh_${randomBase32(20)}`;
    this.sql.exec(
      'INSERT INTO cohorts (id, name, rule, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
      id,
      name,
      JSON.stringify(rule),
      nowMs,
      nowMs,
    );
    return this.getCohort(id);
  }

  /** Every cohort, oldest first. */
  async listCohorts() {
    return this.sql.exec('SELECT * FROM cohorts ORDER BY created_at, id').toArray().map(cohortOf);
  }

  /** One cohort, or null. */
  async getCohort(id) {
    const [row] = this.sql.exec('SELECT * FROM cohorts WHERE id = ?', id).toArray();
    return row ? cohortOf(row) : null;
  }

  /** Replaces the given fields ({ name?, rule? }) of a cohort; answers it, or null when unknown. */
  async updateCohort(id, { name, rule }, nowMs) {
    const cur = await this.getCohort(id);
    if (!cur) return null;
    this.sql.exec(
      'UPDATE cohorts SET name = ?, rule = ?, updated_at = ? WHERE id = ?',
      name ?? cur.name,
      JSON.stringify(rule ?? cur.rule),
      nowMs,
      id,
    );
    if (rule !== undefined) campaigns.cohortChanged(this, id);
    return this.getCohort(id);
  }

  /**
   * Deletes a cohort unless a campaign that is not ended targets it.
   * Returns { ok: true } or { ok: false, code: 'not_found' | 'cohort_in_use' }.
   */
  async deleteCohort(id) {
    const engine = await getEngine();
    return this.ctx.storage.transactionSync(() => {
      const [row] = this.sql.exec('SELECT id FROM cohorts WHERE id = ?', id).toArray();
      if (!row) return { ok: false, code: 'not_found' };
      if (campaigns.cohortInUse(this, engine, id)) return { ok: false, code: 'cohort_in_use' };
      this.sql.exec('DELETE FROM cohorts WHERE id = ?', id);
      return { ok: true };
    });
  }

  // ---- campaigns (workspace/campaigns.js) ------------------------------------------
  // Thin RPC methods; the work and its why are in workspace/campaigns.js.

  async createCampaign(fields, nowMs) {
    return campaigns.createCampaign(this, fields, nowMs);
  }
  async listCampaigns() {
    return campaigns.listCampaigns(this);
  }
  async getCampaign(key) {
    return campaigns.getCampaign(this, key);
  }
  async updateCampaign(key, fields, nowMs) {
    return campaigns.updateCampaign(this, key, fields, nowMs);
  }
  async transitionCampaign(key, action, nowMs) {
    return campaigns.transitionCampaign(this, key, action, nowMs);
  }
  async launchCheck(key, nowMs) {
    return campaigns.launchCheck(this, key, nowMs);
  }
  async getSnapshot(key) {
    return campaigns.getSnapshot(this, key);
  }
  async runningEventCampaigns(knownVersion) {
    return campaigns.runningEventCampaigns(this, knownVersion);
  }
  async noteSlice(key, slice) {
    return campaigns.noteSlice(this, key, slice);
  }
  async campaignSlices(key) {
    return campaigns.campaignSlices(this, key);
  }
  async frequencyRules() {
    return campaigns.frequencyCapping(this).rules;
  }
  async getFrequencyCapping() {
    return campaigns.frequencyCapping(this);
  }
  async setFrequencyCapping(settings) {
    return campaigns.setFrequencyCapping(this, settings);
  }
  async getQuietHours() {
    return campaigns.quietHours(this);
  }
  async setQuietHours(settings) {
    return campaigns.setQuietHours(this, settings);
  }
  async beginApiSend(key, idemKey, bodyHash, dispatchId, nowMs) {
    return campaigns.beginApiSend(this, key, idemKey, bodyHash, dispatchId, nowMs);
  }
  async finishApiSend(key, idemKey, answer) {
    return campaigns.finishApiSend(this, key, idemKey, answer);
  }

  /** The workspace alarm drives schedule runs (miniflare fires no cron; alarms persist). */
  async alarm() {
    await campaigns.runSchedules(this);
  }
}
