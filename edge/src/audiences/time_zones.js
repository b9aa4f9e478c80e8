// GET /v1/time-zones?cohort=&fallbackTimeZone=
//   -> { users, zones: [{ zone, users }], otherUsers, withoutZone, cohort, fallbackTimeZone, at }
// How many users (a cohort's members now, or every user) fall in each time
// zone, as a schedule with `timeZone: "user"` places them: the zone of
// their `timezone` property when the time-zone module knows it, else the
// fallback (shards/zone_counts.js). Every user shard counts in parallel;
// the answer lists the ZONES_LISTED largest zones and sums the rest.

import { json } from '../http/json.js';
import { badRequest, notFound, problem, storedRuleInvalid } from '../http/errors.js';
import { isTimeZone } from '../../../src/js/timezone.js';
import { forEachShard } from '../shards/locate.js';
import { rankZones } from '../shards/zone_counts.js';
import { workspaceStub } from '../stubs.js';
import { isoTime as iso } from '../http/iso_time.js';

/** Zones an answer lists at most (the most users first); the rest are summed into `otherUsers`. */
export const ZONES_LISTED = 20;

/**
 * Sums the shards' counts (ZoneTally.toPlain() each). With `fallback`, the
 * users without a zone count in the fallback zone's entry.
 */
export function mergeZoneCounts(parts, fallback) {
  const zones = new Map();
  let users = 0;
  let withoutZone = 0;
  let otherUsers = 0;
  for (const p of parts) {
    users += p.users;
    withoutZone += p.withoutZone;
    otherUsers += p.otherUsers;
    for (const z of p.zones) zones.set(z.zone, (zones.get(z.zone) ?? 0) + z.users);
  }
  if (fallback !== null && withoutZone > 0)
    zones.set(fallback, (zones.get(fallback) ?? 0) + withoutZone);
  const ranked = rankZones(zones);
  for (const z of ranked.slice(ZONES_LISTED)) otherUsers += z.users;
  return { users, zones: ranked.slice(0, ZONES_LISTED), otherUsers, withoutZone };
}

/** GET /v1/time-zones */
export async function countTimeZones(env, url) {
  const cohortId = url.searchParams.get('cohort');
  const fallback = url.searchParams.get('fallbackTimeZone');
  if (fallback !== null && !isTimeZone(fallback))
    throw badRequest([
      problem(
        'fallbackTimeZone',
        'unknown_time_zone',
        'fallbackTimeZone is an IANA time zone such as "Asia/Seoul".',
      ),
    ]);
  let rule = null;
  if (cohortId !== null) {
    const cohort = await workspaceStub(env).getCohort(cohortId);
    if (!cohort) throw notFound('cohort', `No cohort ${JSON.stringify(cohortId.slice(0, 300))}.`);
    rule = cohort.rule;
  }
  const now = Date.now();
  const parts = await forEachShard(env, (stub) => stub.timeZones(rule, now));
  const refused = parts.find((p) => !p.ok);
  // A stored rule was valid when saved; one this engine no longer compiles is 409 (docs/openapi.yaml).
  if (refused) throw storedRuleInvalid(`rule of cohort ${cohortId}`, 'cohort', refused.problems);
  return json({
    ...mergeZoneCounts(parts, fallback),
    cohort: cohortId,
    fallbackTimeZone: fallback,
    at: iso(now),
  });
}
