// Which running event-based campaigns an incoming event triggers (the
// worker's side of POST /v1/events; the user shard records and runs the
// triggers, see shard_triggers.js).
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

import { getEngine } from './engine.js';
import { workspaceStub } from './workspace.js';

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
    if (!result.ok) console.error('hookcast: event campaign conditions no longer compile', snapshot.key, JSON.stringify(result.problems).slice(0, 300));
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
  events.forEach((e, i) => {
    for (const c of campaigns) {
      if (c.send.event !== e.key) continue;
      const cohort = matcherOf(engine, c);
      if (cohort === false) continue;
      if (cohort !== null) {
        const member = { id: e.userId, properties: {}, events: [{ key: e.key, at: e.at, properties: e.properties ?? {} }] };
        if (!cohort.matches(member, e.at)) continue;
      }
      matches[i].push(c.key);
      snapshots[c.key] = c;
    }
  });
  return { matches, snapshots };
}
