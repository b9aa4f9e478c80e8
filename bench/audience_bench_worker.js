// The edge worker plus the audience benchmark's baselines, in the same
// workerd (bench/audience_bench.mjs drives it):
//   POST /bench/bare-events { events }  the same rows POST /v1/events stores, inserted by one
//                                       bare Durable Object with no checks (one transaction)
//   POST /bench/bare-events-16 { events } the same, spread over 16 bare objects as the user
//                                       shards spread them (same hash): the cost of the fan-out
//   POST /bench/check-events { events } POST /v1/events's body read and checks alone, nothing stored
//   POST /bench/bare-users  { users }   profiles into the same bare object (for the SQL baseline)
//   POST /bench/estimate-stage { rule, stage }  the estimate's loop over every shard, cut after
//                                       a stage (UserShard.estimateStage below)
//   POST /bench/sql-estimate { plan, key, sinceMs, min }
//                                       "plan = X AND at least `min` `key` events since sinceMs",
//                                       answered by one hand-written SQL query in that object
// Everything else is the real worker.

import { DurableObject } from 'cloudflare:workers';
import worker, { DeliveryBatch, UserShard as RealUserShard, Workspace } from '../edge/src/index.js';
import { getEngine } from '../edge/src/engine.js';
import { readMembers, readMemberTexts, readMemberTextsOf } from '../edge/src/shards/members.js';
import { forEachShard } from '../edge/src/shards/locate.js';
import { readJsonBody } from '../edge/src/http/plumbing.js';
import { MAX_AUDIENCE_BODY_BYTES } from '../edge/src/audiences/bounds.js';
import { groupByShard } from '../edge/src/shards/locate.js';

export { DeliveryBatch, Workspace };

/**
 * The real user shard plus one bench-only method: the estimate's loop cut
 * after a stage, to show where its time goes. The estimate's path: "rows"
 * reads the users only; "text": SQLite assembles each member's JSON text
 * from the stored columns (readMemberTexts); "textMatch": + matchBatchJson
 * (= the estimate). The object path it replaced: "members": read the rows
 * and build member objects (JSON.parse); "json": + the JSON.stringify
 * matchBatch starts with; "match": the whole matchBatch. The two-phase
 * estimate: "propText" members without events (ids, properties); "triage":
 * + triageBatchJson; "openText": + the undecided members' text with events;
 * "twoPhase": + matchBatchJson on them (= the estimate's loop).
 */
export class UserShard extends RealUserShard {
  async estimateStage(rule, nowMs, stage) {
    const cohort = (await getEngine()).compileCohort(rule).cohort;
    const needs = cohort.needs(nowMs);
    let after = '';
    let n = 0;
    if (
      stage === 'propText' ||
      stage === 'triage' ||
      stage === 'openText' ||
      stage === 'twoPhase'
    ) {
      for (;;) {
        const from = after;
        const chunk = readMemberTexts(this.sql, from, 500, needs, nowMs, {
          events: false,
          ordered: false,
        });
        if (chunk.n === 0) break;
        after = chunk.last;
        if (stage === 'propText') continue;
        const decided = cohort.triageBatchJson(chunk.members, nowMs);
        if (stage === 'triage' || !decided.includes('e')) continue;
        const ids = JSON.parse(chunk.ids);
        const open = ids.filter((_, i) => decided.charCodeAt(i) === 0x65);
        const text = readMemberTextsOf(this.sql, JSON.stringify(open), needs, nowMs).members;
        n +=
          stage === 'openText'
            ? text.length
            : cohort.matchBatchJson(text, nowMs).filter(Boolean).length;
      }
      cohort.dispose();
      return n;
    }
    if (stage === 'text' || stage === 'textMatch') {
      for (;;) {
        const chunk = readMemberTexts(this.sql, after, 1000, needs, nowMs);
        if (chunk.n === 0) break;
        after = chunk.last;
        n +=
          stage === 'text'
            ? chunk.members.length
            : cohort.matchBatchJson(chunk.members, nowMs).filter(Boolean).length;
      }
      cohort.dispose();
      return n;
    }
    for (;;) {
      const rows = this.sql
        .exec('SELECT id, properties FROM users WHERE id > ? ORDER BY id LIMIT 1000', after)
        .toArray();
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      if (stage === 'rows') continue;
      const members = readMembers(this.sql, rows, needs, nowMs, { range: true });
      if (stage === 'json') n += JSON.stringify(members).length;
      if (stage === 'match') n += cohort.matchBatch(members, nowMs).filter(Boolean).length;
    }
    cohort.dispose();
    return n;
  }
}

export class BareEvents extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // The user shard's tables and indexes (edge/src/shards/user_shard.js), nothing else.
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, properties TEXT NOT NULL, created_at INTEGER, updated_at INTEGER, last_seen_at INTEGER);
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, user_id TEXT, key TEXT, properties TEXT, at INTEGER);
      CREATE INDEX IF NOT EXISTS events_user_key_at ON events (user_id, key, at);
      CREATE INDEX IF NOT EXISTS events_at ON events (at);
    `);
  }

  async insertEvents(rows) {
    this.ctx.storage.transactionSync(() => {
      for (const [userId, key, properties, at] of rows) {
        this.sql.exec(
          'INSERT INTO events (user_id, key, properties, at) VALUES (?, ?, ?, ?)',
          userId,
          key,
          properties,
          at,
        );
      }
    });
    return rows.length;
  }

  async insertUsers(rows) {
    this.ctx.storage.transactionSync(() => {
      for (const [id, properties] of rows)
        this.sql.exec(
          'INSERT OR REPLACE INTO users (id, properties) VALUES (?, ?)',
          id,
          properties,
        );
    });
    return rows.length;
  }

  async sqlEstimate({ plan, key, sinceMs, min }) {
    const [row] = this.sql
      .exec(
        `SELECT count(*) AS n FROM users u
          WHERE json_extract(u.properties, '$.plan') = ?
            AND (SELECT count(*) FROM events e WHERE e.user_id = u.id AND e.key = ? AND e.at >= ?) >= ?`,
        plan,
        key,
        sinceMs,
        min,
      )
      .toArray();
    return row.n;
  }
}

const bare = (env) => env.BARE.get(env.BARE.idFromName('bare'));

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/bench/bare-events') {
      const { events } = await request.json();
      const now = Date.now();
      const rows = events.map((e) => [
        e.userId,
        e.key,
        e.properties === undefined ? null : JSON.stringify(e.properties),
        e.at === undefined ? now : Date.parse(e.at),
      ]);
      return Response.json({ accepted: await bare(env).insertEvents(rows) });
    }
    if (url.pathname === '/bench/bare-events-16') {
      const { events } = await request.json();
      const now = Date.now();
      const groups = groupByShard(events, (e) => e.userId);
      const counts = await Promise.all(
        [...groups].map(([i, slice]) =>
          env.BARE.get(env.BARE.idFromName(`bare-${i}`)).insertEvents(
            slice.map((e) => [
              e.userId,
              e.key,
              e.properties === undefined ? null : JSON.stringify(e.properties),
              e.at === undefined ? now : Date.parse(e.at),
            ]),
          ),
        ),
      );
      return Response.json({ accepted: counts.reduce((a, b) => a + b, 0) });
    }
    if (url.pathname === '/bench/check-events') {
      // POST /v1/events up to its checks (body read, parse, every check), nothing stored.
      const body = await readJsonBody(request, { maxBytes: MAX_AUDIENCE_BODY_BYTES });
      const checked = (await getEngine()).checkEvents(body);
      return Response.json({ accepted: checked.ok ? body.events.length : 0 });
    }
    if (url.pathname === '/bench/bare-users') {
      const { users } = await request.json();
      return Response.json({
        accepted: await bare(env).insertUsers(
          users.map((u) => [u.id, JSON.stringify(u.properties ?? {})]),
        ),
      });
    }
    if (url.pathname === '/bench/estimate-stage') {
      const { rule, stage } = await request.json();
      const now = Date.now();
      return Response.json({
        n: (await forEachShard(env, (stub) => stub.estimateStage(rule, now, stage))).reduce(
          (a, b) => a + b,
          0,
        ),
      });
    }
    if (url.pathname === '/bench/sql-estimate') {
      return Response.json({ users: await bare(env).sqlEstimate(await request.json()) });
    }
    return worker.fetch(request, env, ctx);
  },
};
