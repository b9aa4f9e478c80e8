// Which running event-based campaigns an incoming event triggers (the
// worker's side of POST /v1/events; the user shard records and runs the
// triggers, see shards/triggers.js).
//
// A campaign `{ type: "event", event, where? }` is triggered by an event
// whose key is `event` and whose properties satisfy `where`. The `where`
// conditions are exactly those of a cohort's event rule, so the engine
// decides them: the rule `{ event, op: "did", where }` evaluated on a member
// whose only event is the incoming one. Compiled once per campaign version.
//
// The running event campaigns are cached per isolate and revalidated with
// the workspace on every call (one small RPC answering "unchanged" while the
// workspace version is the same), so a campaign started a moment ago
// triggers on the next event.

import { logStoredRuleInvalid } from '../http/errors.js';
import { getEngine } from '../engine.js';
import { workspaceStub } from '../stubs.js';

let cache = { version: null, campaigns: [] };
/** `${key}@${version}` → compiled cohort of the campaign's event rule (or null: no `where`). */
const compiled = new Map();

/** The running event campaigns' snapshots, current. */
async function runningEventCampaigns(env) {
  const answer = await workspaceStub(env).runningEventCampaigns(cache.version);
  if (answer.campaigns !== null) {
    cache = { version: answer.version, campaigns: answer.campaigns };
    const live = new Set(cache.campaigns.map((c) => `${c.key}@${c.version}`));
    for (const [id, cohort] of compiled) {
      if (!live.has(id)) {
        cohort?.dispose?.();
        compiled.delete(id);
      }
    }
  }
  return cache.campaigns;
}

function matcherOf(engine, snapshot) {
  const id = `${snapshot.key}@${snapshot.version}`;
  if (compiled.has(id)) return compiled.get(id);
  const where = snapshot.send.where;
  let cohort = null;
  if (Array.isArray(where) && where.length > 0) {
    const result = engine.compileCohort({ event: snapshot.send.event, op: 'did', where });
    // Stored conditions were checked at save time; one the engine no longer
    // takes triggers nothing rather than everything.
    cohort = result.ok ? result.cohort : false;
    if (!result.ok) logStoredRuleInvalid(`send.where of campaign ${snapshot.key}`, result.problems);
  }
  compiled.set(id, cohort);
  return cohort;
}

/**
 * For events [{ userId, key, properties (parsed object or undefined), at }]:
 * { matches: per event, the keys of the campaigns it triggers;
 *   snapshots: { key: snapshot } of those campaigns }.
 */
export async function eventTriggers(env, events) {
  const campaigns = await runningEventCampaigns(env);
  const matches = events.map(() => []);
  const snapshots = {};
  if (campaigns.length === 0) return { matches, snapshots };
  const engine = await getEngine();
  for (const c of campaigns) {
    const cohort = matcherOf(engine, c);
    if (cohort === false) continue;
    const candidates = [];
    events.forEach((e, i) => {
      if (e.key === c.send.event) candidates.push(i);
    });
    if (candidates.length === 0) continue;
    let matched = null;
    if (cohort !== null) {
      // One engine call for every candidate event of this campaign; "did"
      // without `within` reads no clock, so any now works: the latest `at`.
      const members = candidates.map((i) => ({ id: events[i].userId, properties: {}, events: [{ key: events[i].key, at: events[i].at, properties: events[i].properties ?? {} }] }));
      matched = cohort.matchBatch(members, Math.max(...candidates.map((i) => events[i].at)));
    }
    candidates.forEach((i, k) => {
      if (matched !== null && !matched[k]) return;
      matches[i].push(c.key);
      snapshots[c.key] = c;
    });
  }
  return { matches, snapshots };
}
