// UserShard: a SQLite-backed Durable Object holding one shard of the users
// (see shards/locate.js for which): their profiles, their events and their send
// ledger, so a per-user check-and-record is one transaction in one object.
//
// Tables (a contract with the campaign code, see docs/design.md):
//   users(id, properties JSON, created_at, updated_at, last_seen_at)   times: ms
//     last_seen_at: the latest `at` among the user's PRUNED events (kept
//     events are read live: lastSeenAt = max of both). Not written per event:
//     ingestion stays one insert per event (bench/audience_bench.mjs).
//   events(seq, user_id, key, properties JSON|null, at)   + (user_id, key, at), (at)
//   ledger(user_id, campaign, at, delivery_id, control)   + (user_id, at); written by the campaign code
//     (control: a control-group record, schema v2: shards/experiments.js)
// and the summary GET /v1/properties reads, kept up to date at ingestion so
// that listing never scans the rows:
//   summary_user_names(name, type, example)        one row per (name, JSON type) seen
//   summary_event_keys(key, count)                 count = events kept now
//   summary_event_names(key, name, type, example)
//
// Events are kept EVENT_RETENTION_MS (90 days) after their `at`; the
// object's alarm deletes older rows once a day (PRUNE_EVERY_MS), and cohort
// reads ignore them before then.
//
// Every RPC method takes and returns plain values; times are ms since the
// epoch. Input has been checked by the route (audiences/routes.js) before it gets
// here: ids, keys, sizes, types.

import { DurableObject } from 'cloudflare:workers';
import { getEngine } from '../engine.js';
import { foldProperties } from '../audiences/property_summary.js';
import {
  EVENT_RETENTION_MS,
  MAX_TEXT_KEYS,
  eventWindows,
  readMembers,
  readMemberTexts,
  readMemberTextsOf,
} from './members.js';
import * as sends from './sends.js';
import * as triggers from './triggers.js';
import * as experiments from './experiments.js';
import { insertMany } from '../storage/sql_batch.js';
import { nextTurn } from './turns.js';
import { ZoneTally } from './zone_counts.js';

/** How often the pruning alarm runs. */
export const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;
/** Rows deleted per pruning transaction (bounded work per step). */
const PRUNE_CHUNK = 5000;
/** Rows one alarm run deletes at most before re-arming itself a second later. */
const PRUNE_PER_ALARM = 100_000;
/** Most user ids (and, apart, summary rows) a shard remembers as stored (about 100 bytes each). */
const KNOWN_USERS_MAX = 50_000;
/**
 * Users evaluated per engine call during an estimate: fewer calls vs the
 * memory one chunk's member text takes (profiles are ≤ 32 KiB: ≤ 16 MiB
 * plus the needed events).
 */
const ESTIMATE_CHUNK = 500;
/**
 * A two-phase estimate's answers for one chunk (true/false per user):
 * `decided` is the core's triage ('1' / '0' / 'e') of the users `ids`,
 * `full` the core's answers for the 'e' users by id.
 */
function merge(decided, ids, full) {
  const matched = new Array(decided.length);
  for (let i = 0; i < decided.length; i++) {
    const c = decided.charCodeAt(i);
    matched[i] = c === 0x31 /* '1' */ || (c === 0x65 /* 'e' */ && full.get(ids[i]) === true);
  }
  return matched;
}

/** Sends GET /v1/users/:id lists (the most recent). */
export const MAX_LISTED_SENDS = 1000;

/** Sets an own enumerable property, even one named "__proto__". */
function setOwn(object, name, value) {
  Object.defineProperty(object, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

export class UserShard extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        properties TEXT NOT NULL,
        created_at INTEGER,
        updated_at INTEGER,
        last_seen_at INTEGER
      );
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY,
        user_id TEXT,
        key TEXT,
        properties TEXT,
        at INTEGER
      );
      CREATE INDEX IF NOT EXISTS events_user_key_at ON events (user_id, key, at);
      CREATE INDEX IF NOT EXISTS events_at ON events (at);
      CREATE TABLE IF NOT EXISTS ledger (user_id TEXT, campaign TEXT, at INTEGER, delivery_id TEXT);
      CREATE INDEX IF NOT EXISTS ledger_user_at ON ledger (user_id, at);
      CREATE TABLE IF NOT EXISTS summary_user_names (
        name TEXT NOT NULL, type TEXT NOT NULL, example TEXT, PRIMARY KEY (name, type)
      );
      CREATE TABLE IF NOT EXISTS summary_event_keys (key TEXT PRIMARY KEY, count INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS summary_event_names (
        key TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, example TEXT, PRIMARY KEY (key, name, type)
      );
    `);
    this.pruneArmed = false;
    // Experiments (shards/experiments.js): the versioned schema change of the
    // ledger (control records) and the conversion tables.
    experiments.createExperimentTables(this.sql, ctx.storage);
    // Campaign sends (shards/sends.js): its tables, and an alarm soon when a
    // crash left accepted messages in the outbox.
    sends.createSendTables(this.sql);
    ctx.blockConcurrencyWhile(() => sends.armIfOutbox(this));
    // Event-campaign triggers (shards/triggers.js): crash leftovers run soon.
    triggers.createTriggerTables(this.sql);
    ctx.blockConcurrencyWhile(() => triggers.armIfTriggers(this));
    /** Ids this object has seen stored (a cache; deleteUser removes from it). */
    this.knownUsers = new Set();
    /** Summary rows this object has stored (`u|e \0 [key \0] name \0 type`): they are never removed. */
    this.knownNames = new Set();
  }

  // ---- ingestion ------------------------------------------------------------

  /**
   * Upserts profiles: `users` is [{ index, id, properties }] (index: the
   * item's position in the caller's list, for problem fields). Properties
   * merge into the stored ones name by name; a name set to null is removed.
   * A merged profile over the bounds refuses the whole call (nothing is
   * written) with problems naming `users[<index>].properties`.
   * With `dryRun`, only checks. Returns { ok: true, created, updated } or { ok: false, problems }.
   */
  async upsertUsers(users, nowMs, { dryRun = false } = {}) {
    const engine = await getEngine();
    const result = this.transaction(() => {
      const merged = new Map();
      const problems = [];
      for (const u of users) {
        let cur = merged.get(u.id);
        if (!cur) {
          const [row] = this.sql.exec('SELECT properties FROM users WHERE id = ?', u.id).toArray();
          cur = { exists: row !== undefined, properties: row ? JSON.parse(row.properties) : {} };
          merged.set(u.id, cur);
        }
        for (const name in u.properties ?? {}) {
          const value = u.properties[name];
          if (value === null) delete cur.properties[name];
          else setOwn(cur.properties, name, value);
        }
        cur.text = JSON.stringify(cur.properties);
        // The merged profile within the engine's bounds (names, size).
        problems.push(
          ...engine.checkInputJson('properties', cur.text, `users[${u.index}].properties`),
        );
      }
      if (problems.length) return { ok: false, problems };
      if (dryRun) return { ok: true, created: 0, updated: 0 };
      let created = 0;
      for (const [id, cur] of merged) {
        if (!cur.exists) created++;
        this.sql.exec(
          `INSERT INTO users (id, properties, created_at, updated_at, last_seen_at) VALUES (?, ?, ?, ?, NULL)
           ON CONFLICT (id) DO UPDATE SET properties = excluded.properties, updated_at = excluded.updated_at`,
          id,
          cur.text,
          nowMs,
          nowMs,
        );
      }
      const names = new Map();
      for (const u of users) {
        const set = {};
        for (const name in u.properties ?? {})
          if (u.properties[name] !== null) setOwn(set, name, u.properties[name]);
        foldProperties(set, names);
      }
      for (const e of names.values()) {
        this.storeName(
          `u\u0000${e.name}\u0000${e.type}`,
          'INSERT OR IGNORE INTO summary_user_names (name, type, example) VALUES (?, ?, ?)',
          e.name,
          e.type,
          e.example,
        );
      }
      return { ok: true, created, updated: merged.size - created };
    });
    if (result.ok && !dryRun) for (const u of users) this.rememberUser(u.id);
    return result;
  }

  /**
   * Stores events: `events` is [{ userId, key, properties (JSON text or
   * null), at (ms) }]; `summary` is the batch's fold for GET /v1/properties
   * ({ keys: [[key, count]], names: [[key, name, type, example]] }).
   * An unknown user is created with no properties. One transaction.
   * Returns { accepted, triggered }. An event may carry `campaigns`: the
   * keys of running event campaigns it triggers (`snapshots` holds theirs);
   * the triggers are decided in the same transaction when they fit in
   * INLINE_CHUNKS chunks, else recorded in it and decided right after it
   * (shards/triggers.js); `triggered` counts the messages they accepted.
   * An event may carry `goals`: the keys of campaigns whose experiment goal
   * it matches (`goalOf` holds their goals); its conversions are decided in
   * the same transaction (shards/experiments.js).
   */
  async addEvents(events, summary, nowMs, snapshots = null, goalOf = null) {
    await this.armPruning(nowMs);
    const withGoals = events.filter((e) => e.goals?.length);
    const engine = withGoals.length ? await getEngine() : null;
    const triggerRows = [];
    const created = [];
    // Triggers that fit in INLINE_CHUNKS chunks are decided inside the
    // events transaction (shards/triggers.js): their senders are prepared
    // before it. More are recorded with the events and decided after.
    const planned = events.flatMap((e) =>
      (e.campaigns ?? []).map((campaign) => ({ campaign, user_id: e.userId })),
    );
    const prepared = planned.length
      ? await triggers.prepareSenders(this, planned, snapshots ?? {})
      : null;
    const inline = prepared !== null && triggers.fitsInline(planned, prepared.senders);
    let decided = null;
    let result;
    try {
      result = this.transaction(() => {
        // Users known to exist are skipped without a statement: an insert
        // probe per event was a fifth of the ingestion's CPU (bench/audience_bench.mjs).
        const fresh = new Set();
        for (const e of events) if (!this.knownUsers.has(e.userId)) fresh.add(e.userId);
        const rows = [];
        for (const id of fresh) rows.push([id, '{}', nowMs, nowMs]);
        insertMany(
          this.sql,
          'INSERT OR IGNORE',
          'users',
          ['id', 'properties', 'created_at', 'updated_at'],
          rows,
        );
        created.push(...fresh);
        for (const e of events) {
          if (e.campaigns?.length) {
            const { seq } = this.sql
              .exec(
                'INSERT INTO events (user_id, key, properties, at) VALUES (?, ?, ?, ?) RETURNING seq',
                e.userId,
                e.key,
                e.properties,
                e.at,
              )
              .one();
            for (const campaign of e.campaigns)
              triggerRows.push({
                seq,
                campaign,
                user_id: e.userId,
                key: e.key,
                properties: e.properties,
                at: e.at,
              });
          } else {
            this.sql.exec(
              'INSERT INTO events (user_id, key, properties, at) VALUES (?, ?, ?, ?)',
              e.userId,
              e.key,
              e.properties,
              e.at,
            );
          }
        }
        if (withGoals.length)
          experiments.recordConversions(this.sql, engine, withGoals, goalOf ?? {});
        // After the conversions: an event that is a campaign's goal and
        // triggers it does not convert the send it triggers itself.
        if (inline) decided = triggers.decideInTransaction(this, triggerRows, prepared.senders);
        else triggers.recordTriggers(this.sql, triggerRows);
        for (const [key, count] of summary.keys) {
          this.sql.exec(
            'INSERT INTO summary_event_keys (key, count) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET count = count + excluded.count',
            key,
            count,
          );
        }
        for (const [key, name, type, example] of summary.names) {
          this.storeName(
            `e\u0000${key}\u0000${name}\u0000${type}`,
            'INSERT OR IGNORE INTO summary_event_names (key, name, type, example) VALUES (?, ?, ?, ?)',
            key,
            name,
            type,
            example,
          );
        }
        return { accepted: events.length };
      });
      // Only once committed: a rolled-back insert must not be remembered.
      for (const id of created) this.rememberUser(id);
      let triggered = 0;
      if (inline) {
        triggered = decided.triggered;
        await triggers.afterDecisions(this, {
          triggered,
          failures: decided.failures + prepared.failures,
        });
      } else if (prepared)
        triggered = await triggers.runTriggers(this, triggerRows, snapshots ?? {}, prepared);
      return { ...result, triggered };
    } finally {
      if (prepared) triggers.disposeSenders(prepared.senders);
    }
  }

  /** transactionSync(fn), then the summary rows it stored are remembered (only once committed). */
  transaction(fn) {
    this.pendingNames = [];
    const result = this.ctx.storage.transactionSync(fn);
    for (const memo of this.pendingNames) this.knownNames.add(memo);
    this.pendingNames = [];
    return result;
  }

  /**
   * Stores a summary row unless this object already has it. The statement
   * is skipped for a known row; the memo grows only once the transaction
   * committed (see transaction()).
   */
  storeName(memo, statement, ...params) {
    if (this.knownNames.has(memo)) return;
    if (this.knownNames.size >= KNOWN_USERS_MAX) this.knownNames.clear();
    this.sql.exec(statement, ...params);
    this.pendingNames.push(memo);
  }

  /** Adds an id to the bounded set of users known to exist (cleared when full). */
  rememberUser(id) {
    if (this.knownUsers.size >= KNOWN_USERS_MAX) this.knownUsers.clear();
    this.knownUsers.add(id);
  }

  // ---- reads ------------------------------------------------------------------

  /**
   * One user: { id, properties, createdAt, updatedAt, lastSeenAt, sends:
   * [{ campaign, at }] } (the latest MAX_LISTED_SENDS sends, oldest first),
   * or null when the user is unknown.
   */
  async getUser(id) {
    // The user's own index entries, not a walk down the (at) index until one is theirs.
    const [row] = this.sql
      .exec(
        'SELECT *, (SELECT max(at) FROM events INDEXED BY events_user_key_at WHERE user_id = users.id) AS latest_event FROM users WHERE id = ?',
        id,
      )
      .toArray();
    if (!row) return null;
    const lastSeenAt =
      row.last_seen_at === null
        ? row.latest_event
        : row.latest_event === null
          ? row.last_seen_at
          : Math.max(row.last_seen_at, row.latest_event);
    const sends = this.sql
      .exec(
        'SELECT campaign, at FROM ledger WHERE user_id = ? AND control = 0 ORDER BY at DESC LIMIT ?',
        id,
        MAX_LISTED_SENDS,
      )
      .toArray()
      .reverse()
      .map((s) => ({ campaign: s.campaign, at: s.at }));
    return {
      id: row.id,
      properties: JSON.parse(row.properties),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      lastSeenAt,
      sends,
    };
  }

  /**
   * Users whose id starts with `query` or one of whose property values
   * holds it (case-insensitive; '' matches everyone), in id order, at most
   * `limit`: [{ id, properties }]. Walks the users in id order and stops at
   * `limit` matches (a console search, not a report).
   */
  async findUsers(query, limit) {
    const q = String(query).toLowerCase();
    return this.sql
      .exec(
        `SELECT id, properties FROM users
         WHERE ?1 = '' OR substr(lower(id), 1, length(?1)) = ?1
            OR EXISTS (SELECT 1 FROM json_each(users.properties) j WHERE instr(lower(CAST(j.value AS TEXT)), ?1) > 0)
         ORDER BY id LIMIT ?2`,
        q,
        limit,
      )
      .toArray()
      .map((r) => ({ id: r.id, properties: JSON.parse(r.properties) }));
  }

  /**
   * Forgets a user: profile, events and ledger rows, in one transaction
   * (the event counts of GET /v1/properties drop with them). Returns true
   * when the user existed.
   */
  async deleteUser(id) {
    return this.ctx.storage.transactionSync(() => {
      const [row] = this.sql.exec('SELECT id FROM users WHERE id = ?', id).toArray();
      if (!row) return false;
      const counts = this.sql
        .exec('SELECT key, count(*) AS n FROM events WHERE user_id = ? GROUP BY key', id)
        .toArray();
      this.dropEventCounts(counts);
      this.sql.exec('DELETE FROM events WHERE user_id = ?', id);
      this.sql.exec('DELETE FROM ledger WHERE user_id = ?', id);
      experiments.forgetUser(this.sql, id);
      this.sql.exec('DELETE FROM users WHERE id = ?', id);
      this.knownUsers.delete(id);
      return true;
    });
  }

  /**
   * This shard's part of GET /v1/properties:
   * { user: [{ name, type, example }], events: [{ key, count, properties: [{ name, type, example }] }] }
   * (examples as JSON text, or null).
   */
  async propertySummary() {
    const user = this.sql
      .exec('SELECT name, type, example FROM summary_user_names')
      .toArray()
      .map((u) => ({ ...u }));
    const events = new Map();
    for (const { key, count } of this.sql.exec('SELECT key, count FROM summary_event_keys'))
      events.set(key, { key, count, properties: [] });
    for (const p of this.sql.exec('SELECT key, name, type, example FROM summary_event_names')) {
      events.get(p.key)?.properties.push({ name: p.name, type: p.type, example: p.example });
    }
    return { user, events: [...events.values()] };
  }

  /**
   * This shard's members of `rule` at `nowMs`, decided by the engine's
   * compiled cohort on members read in chunks of ESTIMATE_CHUNK users (only
   * the event rows the rule needs). Returns { ok: true, users, sample: the
   * first `sampleSize` matching ids in id order } or { ok: false, problems }.
   *
   * Two phases when the rule reads properties and events: the core triages
   * each chunk from ids and properties alone (triageBatchJson: in, out, or
   * "the events decide"), and only the undecided members' events are read
   * and evaluated in full (matchBatchJson). Both answers are the core's, so
   * the count equals a single-phase evaluation (tests/js/cohort_triage.test.mjs).
   */
  async estimate(rule, nowMs, sampleSize = 10) {
    return this.scanCohort(rule, nowMs, sampleSize, null);
  }

  /**
   * This shard's part of GET /v1/time-zones: how many users (of `rule`'s
   * members at `nowMs`, or every user when `rule` is null) fall in each
   * time zone (zone_counts.js). Answers ZoneTally.toPlain(), or
   * { ok: false, problems } when the rule does not compile.
   */
  async timeZones(rule, nowMs) {
    const tally = new ZoneTally();
    if (rule === null) {
      for (let turn = 0, after = null; ; turn++) {
        if (turn > 0) await nextTurn();
        after = tally.addChunk(this.sql, after);
        if (after === null) break;
      }
      return tally.toPlain();
    }
    const scanned = await this.scanCohort(rule, nowMs, 0, (ids, matched) => {
      const members = ids.filter((_, i) => matched[i]);
      if (members.length) tally.addIds(this.sql, JSON.stringify(members));
    });
    return scanned.ok ? tally.toPlain() : scanned;
  }

  /**
   * The members of `rule` chunk by chunk, as estimate() describes; `visit`
   * (or null) is called with each chunk's ids and matched flags in the same
   * synchronous turn as the chunk's read.
   */
  async scanCohort(rule, nowMs, sampleSize, visit) {
    const engine = await getEngine();
    const compiled = engine.compileCohort(rule);
    if (!compiled.ok) return { ok: false, problems: compiled.problems };
    const cohort = compiled.cohort;
    try {
      const needs = cohort.needs(nowMs);
      // Member text assembled by SQLite for the engine's JSON entries (no
      // JSON parsed or written in JS); readMembers + matchBatch for a rule
      // naming more keys.
      const asText = eventWindows(needs, nowMs).length <= MAX_TEXT_KEYS;
      // A rule that reads no property leaves every member to its events:
      // the triage would decide nobody.
      const triage = asText && needs.properties && needs.events.length > 0;
      const columns = needs.properties ? 'id, properties' : 'id';
      let users = 0;
      const sample = [];
      let after = null;
      for (let turn = 0; ; turn++) {
        // Other requests are served between chunks (turns.js).
        if (turn > 0) await nextTurn();
        let ids;
        let matched;
        if (triage) {
          // In id order (sorted by SQLite) only while the sample is not full.
          const chunk = readMemberTexts(this.sql, after, ESTIMATE_CHUNK, needs, nowMs, {
            events: false,
            ordered: sample.length < sampleSize,
          });
          if (chunk.n === 0) break;
          const decided = cohort.triageBatchJson(chunk.members, nowMs);
          ids = JSON.parse(chunk.ids);
          // The second phase: the undecided users, with their events, in full.
          const open = [];
          for (let i = 0; i < decided.length; i++)
            if (decided.charCodeAt(i) === 0x65 /* 'e' */) open.push(ids[i]);
          const full = new Map();
          if (open.length > 0) {
            const rows = readMemberTextsOf(this.sql, JSON.stringify(open), needs, nowMs);
            // Both reads run in one synchronous turn: no user can come or go between them.
            if (rows.n !== open.length)
              throw new Error(`estimate: ${open.length} undecided users, ${rows.n} read back`);
            const answers = cohort.matchBatchJson(rows.members, nowMs);
            JSON.parse(rows.ids).forEach((id, i) => full.set(id, answers[i]));
          }
          matched = merge(decided, ids, full);
          after = chunk.last;
        } else if (asText) {
          const chunk = readMemberTexts(this.sql, after, ESTIMATE_CHUNK, needs, nowMs);
          if (chunk.n === 0) break;
          matched = cohort.matchBatchJson(chunk.members, nowMs);
          // Ids are only read while the sample is not full or a visitor wants them.
          ids = visit || sample.length < sampleSize ? JSON.parse(chunk.ids) : null;
          after = chunk.last;
        } else {
          const rows =
            after === null
              ? this.sql
                  .exec(`SELECT ${columns} FROM users ORDER BY id LIMIT ?`, ESTIMATE_CHUNK)
                  .toArray()
              : this.sql
                  .exec(
                    `SELECT ${columns} FROM users WHERE id > ? ORDER BY id LIMIT ?`,
                    after,
                    ESTIMATE_CHUNK,
                  )
                  .toArray();
          const members = readMembers(this.sql, rows, needs, nowMs, { range: true });
          if (members.length === 0) break;
          ids = members.map((m) => m.id);
          matched = cohort.matchBatch(members, nowMs);
          after = ids[ids.length - 1];
        }
        visit?.(ids, matched);
        for (let i = 0; i < matched.length; i++) {
          if (!matched[i]) continue;
          users++;
          if (sample.length < sampleSize) sample.push(ids[i]);
        }
      }
      return { ok: true, users, sample };
    } finally {
      cohort.dispose?.();
    }
  }

  // ---- retention --------------------------------------------------------------

  /** Makes sure the pruning alarm is set (once per object lifetime it checks storage). */
  async armPruning(nowMs) {
    if (this.pruneArmed) return;
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(nowMs + PRUNE_EVERY_MS);
    this.pruneArmed = true;
  }

  /**
   * The daily alarm: prunes, then re-arms: in a day, or in a second when it
   * stopped at PRUNE_PER_ALARM rows (a backlog is worked off in bounded steps).
   */
  async alarm() {
    await triggers.triggersAlarm(this);
    await sends.sendsAlarm(this);
    const deleted = await this.prune(Date.now(), PRUNE_PER_ALARM);
    const next = Date.now() + (deleted >= PRUNE_PER_ALARM ? 1000 : PRUNE_EVERY_MS);
    const cur = await this.ctx.storage.getAlarm();
    // triggersAlarm / sendsAlarm may have asked for an earlier wake (leftovers).
    if (cur === null || cur <= Date.now() || cur > next) await this.ctx.storage.setAlarm(next);
    this.pruneArmed = true;
  }

  /**
   * Deletes the events older than the retention at `nowMs`, PRUNE_CHUNK rows
   * per transaction (at most about `maxRows` in all), keeping each user's
   * last-seen time and the summary's counts right. Returns the number of
   * events deleted.
   */
  async prune(nowMs, maxRows = Infinity) {
    const cutoff = nowMs - EVENT_RETENTION_MS;
    let total = 0;
    for (;;) {
      const deleted = this.ctx.storage.transactionSync(() => {
        const pick = 'SELECT seq FROM events WHERE at < ? ORDER BY at, seq LIMIT ?';
        const rows = this.sql
          .exec(`SELECT user_id, key, at FROM events WHERE seq IN (${pick})`, cutoff, PRUNE_CHUNK)
          .toArray();
        const counts = new Map();
        const latest = new Map();
        for (const { user_id: user, key, at } of rows) {
          counts.set(key, (counts.get(key) ?? 0) + 1);
          latest.set(user, Math.max(latest.get(user) ?? at, at));
        }
        this.dropEventCounts([...counts].map(([key, n]) => ({ key, n })));
        // A user's last-seen time outlives the events it came from.
        for (const [user, at] of latest) {
          this.sql.exec(
            'UPDATE users SET last_seen_at = max(coalesce(last_seen_at, ?), ?) WHERE id = ?',
            at,
            at,
            user,
          );
        }
        this.sql.exec(`DELETE FROM events WHERE seq IN (${pick})`, cutoff, PRUNE_CHUNK);
        return rows.length;
      });
      total += deleted;
      if (deleted < PRUNE_CHUNK || total >= maxRows) return total;
    }
  }

  /** Lowers the kept-event counts by [{ key, n }]. */
  dropEventCounts(counts) {
    for (const { key, n } of counts)
      this.sql.exec(
        'UPDATE summary_event_keys SET count = max(0, count - ?) WHERE key = ?',
        n,
        key,
      );
  }

  // ---- campaign sends (edge-dispatch: shards/sends.js) -------------------------

  /** Check-and-record of a trigger's candidates; see shards/sends.js. */
  async campaignCandidates(args) {
    return sends.campaignCandidates(this, args);
  }

  /** { targeted, accepted, suppressed: { reason: count } } of campaign `key` in this shard. */
  async campaignCounts(key) {
    return sends.campaignCounts(this, key);
  }

  /** { sent: { users, converted }, control: { users, converted } } of campaign `key` in this shard. */
  async experimentCounts(key) {
    return experiments.experimentCounts(this.sql, key);
  }

  /** Control records of campaign `key` after `after` ({ at, idx }), in that order (shards/experiments.js). */
  async controlExposures(key, after = null, limit = 100) {
    return experiments.controlExposures(this.sql, key, after, limit);
  }

  /** Forgets the ledger rows of campaign `key`'s messages ended unsent (delivery/dispatch_unsent.js). */
  async forgetSends(key, items) {
    return sends.forgetSends(this, key, items);
  }
}
