// Route handlers for users, events and properties:
//   POST   /v1/users       { users: [{ id, properties? }] }       upsert, properties merge, null removes
//   GET    /v1/users?q=&limit=  -> { users: [{ id, properties }] }   id prefix or any property value holds q
//   GET    /v1/users/:id   -> { id, properties, createdAt, updatedAt, lastSeenAt, sends: [{ campaign, at }] }
//   DELETE /v1/users/:id   forgets the user: profile, events, ledger
//   POST   /v1/events      { events: [{ userId, key, properties?, at? }] }  -> { ok, accepted, triggered }
//   GET    /v1/properties  -> { user: [{ name, type, example }], events: [{ key, count, properties: [...] }] }
// Input is checked whole first (one bad item refuses the call, nothing
// stored), then each user shard gets its slice, in parallel.

import { readJsonBody } from '../http/plumbing.js';
import { json } from '../http/json.js';
import { badRequest, notFound, problem } from '../http/errors.js';
import { getEngine } from '../engine.js';
import { MAX_AUDIENCE_BODY_BYTES } from './bounds.js';
import { foldProperties, mergeNamed } from './property_summary.js';
import { forEachShard, groupByShard, shardIndexFor } from '../shards/locate.js';
import { shardStub } from '../stubs.js';
import { eventTriggers } from '../campaigns/events.js';
import { isoTime as iso } from '../http/iso_time.js';

/** POST /v1/users */
export async function upsertUsers(request, env) {
  const body = await readJsonBody(request, { maxBytes: MAX_AUDIENCE_BODY_BYTES });
  // Ids, property names, sizes and nesting: the engine's checks (every bad item named).
  const checked = (await getEngine()).checkUsers(body);
  if (!checked.ok) throw badRequest(checked.problems);
  const users = body.users.map((item, index) => ({
    index,
    id: item.id,
    properties: item.properties ?? {},
  }));

  const now = Date.now();
  const groups = [...groupByShard(users, (u) => u.id)];
  // A merge can push a stored profile over the bounds. With more than one
  // shard involved, every shard checks first, so a refusal stores nothing
  // anywhere (a shard checks again when it writes; only a racing call
  // between the two steps could still be refused there).
  if (groups.length > 1) {
    const checks = await Promise.all(
      groups.map(([i, slice]) => shardStub(env, i).upsertUsers(slice, now, { dryRun: true })),
    );
    const refused = checks.flatMap((c) => (c.ok ? [] : c.problems));
    if (refused.length) throw badRequest(sortByItem(refused));
  }
  const results = await Promise.all(
    groups.map(([i, slice]) => shardStub(env, i).upsertUsers(slice, now)),
  );
  const refused = results.flatMap((r) => (r.ok ? [] : r.problems));
  if (refused.length) throw badRequest(sortByItem(refused));
  let created = 0;
  for (const r of results) created += r.created;
  return json({ ok: true, accepted: users.length, created, updated: users.length - created });
}

/** Problems in item order (users[2] before users[10]). */
function sortByItem(problems) {
  const n = (p) => Number(/\[(\d+)\]/.exec(p.field)?.[1] ?? 0);
  return problems.sort((a, b) => n(a) - n(b));
}

/** The user id in a /v1/users/:id path: one that no body could store names no user (404). */
async function pathUserId(id) {
  if ((await getEngine()).checkInput('userId', id, 'id').length)
    throw notFound('id', `No user ${JSON.stringify(id.slice(0, 300))}.`);
  return id;
}

/** The longest `q` GET /v1/users takes; the most users one search answers. */
export const MAX_QUERY_CHARS = 200;
export const MAX_FOUND = 50;

/**
 * GET /v1/users?q=&limit=: users whose id starts with q, or one of whose
 * property values holds it (case-insensitive), in id order; every shard
 * asked, the first `limit` (default 10, at most MAX_FOUND) answered.
 */
export async function findUsers(env, url) {
  const q = url.searchParams.get('q') ?? '';
  const problems = [];
  if (q.length > MAX_QUERY_CHARS)
    problems.push(
      problem(
        'q',
        'too_long',
        `q holds at most ${MAX_QUERY_CHARS} characters; it has ${q.length}.`,
      ),
    );
  const raw = url.searchParams.get('limit');
  const limit = raw === null || raw === '' ? 10 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FOUND) {
    problems.push(
      problem(
        'limit',
        'invalid_limit',
        `limit must be a whole number from 1 to ${MAX_FOUND}; it is ${JSON.stringify(raw)}.`,
      ),
    );
  }
  if (problems.length) throw badRequest(problems);
  const parts = await forEachShard(env, (stub) => stub.findUsers(q, limit));
  const users = parts
    .flat()
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
  return json({ users });
}

/** GET /v1/users/:id */
export async function getUser(id, env) {
  await pathUserId(id);
  const user = await shardStub(env, shardIndexFor(id)).getUser(id);
  if (!user) throw notFound('id', `No user ${JSON.stringify(id)}.`);
  return json({
    id: user.id,
    properties: user.properties,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
    lastSeenAt: iso(user.lastSeenAt),
    sends: user.sends.map((s) => ({ campaign: s.campaign, at: iso(s.at) })),
  });
}

/** DELETE /v1/users/:id */
export async function deleteUser(id, env) {
  await pathUserId(id);
  const existed = await shardStub(env, shardIndexFor(id)).deleteUser(id);
  if (!existed) throw notFound('id', `No user ${JSON.stringify(id)}.`);
  return json({ ok: true, id, deleted: true });
}

/** One shard's part of GET /v1/properties, folded from its events. */
function eventSummary(events) {
  const keys = new Map();
  const props = new Map();
  for (const e of events) {
    keys.set(e.key, (keys.get(e.key) ?? 0) + 1);
    if (!e.parsed) continue;
    let perKey = props.get(e.key);
    if (!perKey) props.set(e.key, (perKey = new Map()));
    foldProperties(e.parsed, perKey);
  }
  const out = [];
  for (const [key, perKey] of props)
    for (const p of perKey.values()) out.push([key, p.name, p.type, p.example]);
  return { keys: [...keys], names: out };
}

/** POST /v1/events */
export async function addEvents(request, env) {
  const body = await readJsonBody(request, { maxBytes: MAX_AUDIENCE_BODY_BYTES });
  const now = Date.now();
  // Ids, keys, properties and `at` times: the engine's checks; it answers each event's time.
  const checked = (await getEngine()).checkEvents(body);
  if (!checked.ok) throw badRequest(checked.problems);
  const events = body.events.map((item, i) => ({
    userId: item.userId,
    key: item.key,
    properties: item.properties === undefined ? null : JSON.stringify(item.properties),
    parsed: item.properties,
    at: checked.at[i] ?? now,
  }));

  // Running event campaigns this call triggers and experiment goals it
  // matches (campaigns/events.js); each shard records the triggers with the
  // events and runs them, and decides the conversions in the same commit.
  const { matches, snapshots, goals, goalOf } = await eventTriggers(
    env,
    events.map((e) => ({ userId: e.userId, key: e.key, properties: e.parsed, at: e.at })),
  );
  events.forEach((e, i) => {
    e.campaigns = matches[i];
    e.goals = goals[i];
  });
  const groups = [...groupByShard(events, (e) => e.userId)];
  const results = await Promise.all(
    groups.map(([i, slice]) => {
      const rows = slice.map((e) => ({
        userId: e.userId,
        key: e.key,
        properties: e.properties,
        at: e.at,
        campaigns: e.campaigns,
        goals: e.goals,
      }));
      const used = {};
      const usedGoals = {};
      for (const e of slice) {
        for (const key of e.campaigns) used[key] = snapshots[key];
        for (const key of e.goals) usedGoals[key] = goalOf[key];
      }
      return shardStub(env, i).addEvents(rows, eventSummary(slice), now, used, usedGoals);
    }),
  );
  let triggered = 0;
  for (const r of results) triggered += r.triggered ?? 0;
  return json({ ok: true, accepted: events.length, triggered });
}

/** GET /v1/properties */
export async function listProperties(env) {
  const parts = await forEachShard(env, (stub) => stub.propertySummary());
  const keys = new Map();
  for (const part of parts) {
    for (const e of part.events) {
      let k = keys.get(e.key);
      if (!k) keys.set(e.key, (k = { count: 0, lists: [] }));
      k.count += e.count;
      k.lists.push(e.properties);
    }
  }
  const events = [...keys]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, k]) => ({ key, count: k.count, properties: mergeNamed(k.lists) }));
  return json({ user: mergeNamed(parts.map((p) => p.user)), events });
}
