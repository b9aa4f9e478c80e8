// Which running event-based campaigns an incoming event triggers, and which
// campaigns' experiment goals it matches (the worker's side of POST
// /v1/events; the user shard records and runs the triggers, see
// shards/triggers.js, and decides the conversions, see shards/experiments.js).
//
// A campaign `{ type: "event", event, where? }` is triggered by an event
// whose key is `event` and whose properties satisfy `where`. The `where`
// conditions are exactly those of a cohort's event rule, so the engine
// decides them: the rule `{ event, op: "did", where }` evaluated on a member
// whose only event is the incoming one. Compiled once per campaign version.
//
// A goal `{ event, where? }` (campaign.experiment.goal) is matched the same
// way: by key, then its `where` by the engine.
//
// The running event campaigns and the goals are cached per isolate and revalidated with
// the workspace on every call (one small RPC answering "unchanged" while the
// workspace version is the same), so a campaign started a moment ago
// triggers on the next event.

import { logStoredRuleInvalid } from '../http/errors.js';
import { getEngine } from '../engine.js';
import { workspaceStub } from '../stubs.js';

let cache = { version: null, campaigns: [], goals: [] };
/** `${key}@${version}` → compiled cohort of the campaign's event rule (or null: no `where`). */
const compiled = new Map();

/** The running event campaigns' snapshots, current. */
async function runningEventCampaigns(env) {
  const answer = await workspaceStub(env).runningEventCampaigns(cache.version);
  if (answer.campaigns !== null) {
    cache = { version: answer.version, campaigns: answer.campaigns, goals: answer.goals ?? [] };
    const live = new Set([
      ...cache.campaigns.map((c) => `${c.key}@${c.version}`),
      ...cache.goals.map((g) => `goal:${g.key}@${g.version}`),
    ]);
    for (const [id, cohort] of compiled) {
      if (!live.has(id)) {
        cohort?.dispose?.();
        compiled.delete(id);
      }
    }
  }
  return cache;
}

/** The compiled `where` of event `event` (null: none; false: no longer compiles), cached under `id`. */
function matcherOf(engine, id, event, where) {
  if (compiled.has(id)) return compiled.get(id);
  let cohort = null;
  if (Array.isArray(where) && where.length > 0) {
    const result = engine.compileCohort({ event, op: 'did', where });
    // Stored conditions were checked at save time; one the engine no longer
    // takes matches nothing rather than everything.
    cohort = result.ok ? result.cohort : false;
    if (!result.ok) logStoredRuleInvalid(`the where of ${id}`, result.problems);
  }
  compiled.set(id, cohort);
  return cohort;
}

/** Indexes of `events` with key `key` whose properties satisfy `cohort` (null: any). */
function matching(cohort, key, events) {
  const candidates = [];
  events.forEach((e, i) => {
    if (e.key === key) candidates.push(i);
  });
  if (candidates.length === 0 || cohort === null) return candidates;
  // One engine call for every candidate event; "did" without `within`
  // reads no clock, so any now works: the latest `at`.
  const members = candidates.map((i) => ({
    id: events[i].userId,
    properties: {},
    events: [{ key: events[i].key, at: events[i].at, properties: events[i].properties ?? {} }],
  }));
  const matched = cohort.matchBatch(members, Math.max(...candidates.map((i) => events[i].at)));
  return candidates.filter((_, k) => matched[k]);
}

/**
 * For events [{ userId, key, properties (parsed object or undefined), at }]:
 * { matches: per event, the keys of the campaigns it triggers;
 *   snapshots: { key: snapshot } of those campaigns;
 *   goals: per event, the keys of the campaigns whose goal it matches;
 *   goalOf: { key: goal } of those campaigns }.
 */
export async function eventTriggers(env, events) {
  const { campaigns, goals } = await runningEventCampaigns(env);
  const matches = events.map(() => []);
  const goalMatches = events.map(() => []);
  const snapshots = {};
  const goalOf = {};
  if (campaigns.length === 0 && goals.length === 0)
    return { matches, snapshots, goals: goalMatches, goalOf };
  const engine = await getEngine();
  for (const c of campaigns) {
    const cohort = matcherOf(engine, `${c.key}@${c.version}`, c.send.event, c.send.where);
    if (cohort === false) continue;
    for (const i of matching(cohort, c.send.event, events)) {
      matches[i].push(c.key);
      snapshots[c.key] = c;
    }
  }
  for (const g of goals) {
    const cohort = matcherOf(engine, `goal:${g.key}@${g.version}`, g.goal.event, g.goal.where);
    if (cohort === false) continue;
    for (const i of matching(cohort, g.goal.event, events)) {
      goalMatches[i].push(g.key);
      goalOf[g.key] = g.goal;
    }
  }
  return { matches, snapshots, goals: goalMatches, goalOf };
}
