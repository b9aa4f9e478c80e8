// Reads cohort members (the engine's CohortMember: id, properties, events)
// out of a user shard's SQLite, fetching only what a compiled cohort says it
// needs (CompiledCohort.needs): user properties only when the rule reads
// them, and only the event rows of the keys and time windows it reads.
// The membership decision itself is always the engine's (matchBatch).

/** Events are kept (and visible to cohorts) exactly this long after their `at`. */
export const EVENT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * The event windows to read: one per key (several conditions on one key are
 * read once, from the earliest time any of them needs), never older than
 * the retention (so whether an event counts does not depend on when the
 * pruning alarm last ran). Returns [{ key, since }].
 */
export function eventWindows(needs, nowMs) {
  const oldest = nowMs - EVENT_RETENTION_MS;
  const byKey = new Map();
  for (const { key, sinceMs } of needs.events ?? []) {
    const since = Math.max(oldest, sinceMs ?? oldest);
    byKey.set(key, Math.min(byKey.get(key) ?? Infinity, since));
  }
  return [...byKey].map(([key, since]) => ({ key, since }));
}

/**
 * Members for user rows `users` ([{ id, properties? }], properties as the
 * stored JSON text). With `range` (the rows are a contiguous run of ids in
 * id order) the events of all of them are read by one index range scan per
 * key; otherwise one indexed lookup per user and key.
 */
export function readMembers(sql, users, needs, nowMs, { range = false } = {}) {
  const members = users.map((u) => ({
    id: u.id,
    properties: needs.properties && u.properties ? JSON.parse(u.properties) : {},
    events: [],
  }));
  const windows = eventWindows(needs, nowMs);
  if (windows.length === 0 || members.length === 0) return members;
  const byId = new Map(members.map((m) => [m.id, m]));
  const push = (row, key) => {
    byId.get(row.user_id)?.events.push({ key, at: row.at, properties: row.properties ? JSON.parse(row.properties) : {} });
  };
  for (const { key, since } of windows) {
    if (range) {
      const lo = members[0].id;
      const hi = members[members.length - 1].id;
      // Uses the (user_id, key, at) index: a range over user_id, key and at checked in the index.
      const rows = sql.exec(
        'SELECT user_id, at, properties FROM events WHERE user_id >= ? AND user_id <= ? AND key = ? AND at >= ?',
        lo, hi, key, since,
      );
      for (const row of rows) push(row, key);
    } else {
      for (const m of members) {
        const rows = sql.exec('SELECT user_id, at, properties FROM events WHERE user_id = ? AND key = ? AND at >= ?', m.id, key, since);
        for (const row of rows) push(row, key);
      }
    }
  }
  return members;
}
