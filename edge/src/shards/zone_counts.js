// How many users of one shard fall in each time zone (GET /v1/time-zones):
// the `timezone` property is read by SQLite (no profile parsed in JS) and
// judged by the time-zone module's isTimeZone, the check a "user" schedule
// places users by (user_zones.js). A zone counts as itself; anything else
// (no property, not text, not a zone this runtime knows) counts as
// `withoutZone`: those users get the fallback zone.

import { isTimeZone } from '../../../src/js/timezone.js';

/** Zones one shard answers at most (the most users first); the rest are summed into `otherUsers`. */
export const SHARD_ZONES_MAX = 1000;
/** Users read per SQLite statement when counting every user of the shard. */
export const ZONE_CHUNK = 5000;

/** The `timezone` property as text, NULL when it is missing or not a string. */
const ZONE_SQL = `CASE WHEN json_type(properties, '$.timezone') = 'text'
  THEN json_extract(properties, '$.timezone') END`;

/** Counts users by zone: { users, zones: Map zone → users, withoutZone }. */
export class ZoneTally {
  users = 0;
  withoutZone = 0;
  zones = new Map();

  /** Counts one user whose `timezone` property is `value` (null: none). */
  add(value) {
    this.users++;
    if (isTimeZone(value)) this.zones.set(value, (this.zones.get(value) ?? 0) + 1);
    else this.withoutZone++;
  }

  /** Counts the users `ids` (a JSON array of ids stored in this shard). */
  addIds(sql, idsJson) {
    for (const row of sql.exec(
      `SELECT ${ZONE_SQL} AS zone FROM users WHERE id IN (SELECT value FROM json_each(?))`,
      idsJson,
    ))
      this.add(row.zone);
  }

  /**
   * Counts up to ZONE_CHUNK users after the id `after` (null: from the
   * first) in id order; answers the last id counted, or null when none was.
   */
  addChunk(sql, after) {
    const rows =
      after === null
        ? sql.exec(`SELECT id, ${ZONE_SQL} AS zone FROM users ORDER BY id LIMIT ?`, ZONE_CHUNK)
        : sql.exec(
            `SELECT id, ${ZONE_SQL} AS zone FROM users WHERE id > ? ORDER BY id LIMIT ?`,
            after,
            ZONE_CHUNK,
          );
    let last = null;
    for (const row of rows) {
      this.add(row.zone);
      last = row.id;
    }
    return last;
  }

  /** The plain value a shard answers: its SHARD_ZONES_MAX largest zones, the rest summed. */
  toPlain() {
    const ranked = rankZones(this.zones);
    const listed = ranked.slice(0, SHARD_ZONES_MAX);
    let otherUsers = 0;
    for (const z of ranked.slice(SHARD_ZONES_MAX)) otherUsers += z.users;
    return {
      ok: true,
      users: this.users,
      withoutZone: this.withoutZone,
      zones: listed,
      otherUsers,
    };
  }
}

/** [{ zone, users }] from a Map zone → users: the most users first, then by name. */
export function rankZones(zones) {
  return [...zones]
    .map(([zone, users]) => ({ zone, users }))
    .sort((a, b) => b.users - a.users || (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
}
