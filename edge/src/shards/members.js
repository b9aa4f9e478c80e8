// Reads cohort members (the engine's CohortMember: id, properties, events)
// out of a user shard's SQLite, fetching only what a compiled cohort says it
// needs (CompiledCohort.needs): user properties only when the rule reads
// them, only the event rows of the keys and time windows it reads, and
// event properties only for keys a `where` reads. The membership decision
// itself is always the engine's (matchBatch, or matchBatchJson on member
// text SQLite assembles from the stored JSON; for a two-phase estimate,
// triageBatchJson on members without events, then matchBatchJson on the
// undecided ones read again with their events).

/** Events are kept (and visible to cohorts) exactly this long after their `at`. */
export const EVENT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * The event windows to read: one per key (several conditions on one key are
 * read once, from the earliest time any of them needs), never older than
 * the retention (so whether an event counts does not depend on when the
 * pruning alarm last ran). Returns [{ key, since, properties }], where
 * `properties` says whether some condition on the key reads the event's
 * properties (needs' per-key flag; an engine without it: true).
 */
export function eventWindows(needs, nowMs) {
  const oldest = nowMs - EVENT_RETENTION_MS;
  const byKey = new Map();
  for (const { key, sinceMs, properties = true } of needs.events ?? []) {
    const since = Math.max(oldest, sinceMs ?? oldest);
    const known = byKey.get(key);
    byKey.set(key, {
      key,
      since: Math.min(known?.since ?? Infinity, since),
      properties: properties || (known?.properties ?? false),
    });
  }
  return [...byKey.values()];
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
  // An event's properties are parsed only when a condition on its key reads them.
  const push = (row, key, properties) => {
    byId.get(row.user_id)?.events.push({
      key,
      at: row.at,
      properties: properties && row.properties ? JSON.parse(row.properties) : {},
    });
  };
  for (const { key, since, properties } of windows) {
    if (range) {
      const lo = members[0].id;
      const hi = members[members.length - 1].id;
      // The (user_id, key, at) index: a range over user_id, key and at checked
      // in the index. Named, because the planner otherwise picks the (at)
      // index for `at >= ?` and scans every event of the window once per
      // chunk (measured: 2.2x slower at 30k users, worse as they grow).
      const rows = sql.exec(
        'SELECT user_id, at, properties FROM events INDEXED BY events_user_key_at WHERE user_id >= ? AND user_id <= ? AND key = ? AND at >= ?',
        lo,
        hi,
        key,
        since,
      );
      for (const row of rows) push(row, key, properties);
    } else {
      for (const m of members) {
        const rows = sql.exec(
          'SELECT user_id, at, properties FROM events INDEXED BY events_user_key_at WHERE user_id = ? AND key = ? AND at >= ?',
          m.id,
          key,
          since,
        );
        for (const row of rows) push(row, key, properties);
      }
    }
  }
  return members;
}

/** Event keys one member-text query reads at most (2 bound parameters each; Cloudflare allows 100 per query). */
export const MAX_TEXT_KEYS = 40;

/**
 * The SQL expression of a member's JSON text for a user row `u`, reading the
 * events of `windows` (their bound parameters are pushed on `params`): one
 * correlated, index-ordered lookup per user and key on (user_id, key, at).
 * An event is written without its properties when no condition on its key
 * reads them: the lookup then stays in the index (no row fetched).
 */
function memberTextSql(windows, withProperties, params) {
  const perKey = windows.map(({ key, since, properties }) => {
    params.push(key, since);
    const k = params.length - 1; // ?k is the key, ?(k+1) the window's start
    const event = properties
      ? `'{"key":' || json_quote(?${k}) || ',"at":' || e.at || ',"properties":' || coalesce(e.properties, '{}') || '}'`
      : `'{"key":' || json_quote(?${k}) || ',"at":' || e.at || '}'`;
    return `(SELECT group_concat(${event}, ',')
               FROM events e INDEXED BY events_user_key_at WHERE e.user_id = u.id AND e.key = ?${k} AND e.at >= ?${k + 1})`;
  });
  const events =
    perKey.length === 0
      ? "''"
      : perKey.length === 1
        ? `coalesce(${perKey[0]}, '')`
        : `concat_ws(',', ${perKey.join(', ')})`;
  const properties = withProperties ? 'u.properties' : "'{}'";
  return `'{"id":' || json_quote(u.id) || ',"properties":' || ${properties} || ',"events":[' || ${events} || ']}'`;
}

/**
 * The next `limit` users after `afterId` (null: from the first) in id order
 * as one row: { n, last (the last id), members, ids }, where `members` is
 * the JSON text of their CohortMember array, assembled by SQLite from the
 * stored JSON columns (nothing is parsed in JS; the engine's matchBatchJson
 * reads it): `[{"id":…,"properties":…,"events":[…]}, …]`, and `ids` the JSON
 * array of their ids in the same order (null with `ids: false`). n = 0 when
 * no user is left. Options:
 *   events: false   the members carry no event ("events":[]): the first
 *                   phase of an estimate, for the engine's triageBatchJson,
 *                   which does not read them;
 *   ordered: false  members and ids are in one same order (both lists are
 *                   built in one pass over the rows) that SQLite does not
 *                   promise to be id order: it saves the aggregates' sorts
 *                   (30 ms of 170 over 100k users), for callers that match
 *                   members to ids but need no order.
 * Needs at most MAX_TEXT_KEYS event keys (readMembers has no such limit).
 */
export function readMemberTexts(
  sql,
  afterId,
  limit,
  needs,
  nowMs,
  { events = true, ids = true, ordered = true } = {},
) {
  const windows = events ? eventWindows(needs, nowMs) : [];
  if (windows.length > MAX_TEXT_KEYS)
    throw new RangeError(`readMemberTexts: at most ${MAX_TEXT_KEYS} event keys`);
  const params = [];
  const member = memberTextSql(windows, needs.properties, params);
  const where = afterId === null ? '' : `WHERE id > ?${params.push(afterId)}`;
  const order = ordered ? ' ORDER BY u.id' : '';
  const idList = ids ? `'[' || group_concat(json_quote(u.id), ','${order}) || ']'` : 'NULL';
  // One row per chunk: no per-user value crosses from SQLite into JS.
  const [row] = sql
    .exec(
      `SELECT count(*) AS n, max(u.id) AS last,
              '[' || group_concat(${member}, ','${order}) || ']' AS members,
              ${idList} AS ids
         FROM (SELECT id, properties FROM users ${where} ORDER BY id LIMIT ?${params.push(limit)}) u`,
      ...params,
    )
    .toArray();
  return row;
}

/**
 * The members (with the events `needs` names) of the users whose ids the
 * JSON array text `idsJson` lists, as one row { n, members, ids }: the JSON
 * text of their CohortMember array and of their ids, in one same order that
 * SQLite does not promise (readMemberTexts' `ordered: false`; ids not stored
 * are left out): the second phase of an estimate, for the members its
 * triage left undecided. (Measured against re-reading the chunk and
 * numbering its rows to pick those users: 20-50 ms less over 100k users.)
 */
export function readMemberTextsOf(sql, idsJson, needs, nowMs) {
  const windows = eventWindows(needs, nowMs);
  if (windows.length > MAX_TEXT_KEYS)
    throw new RangeError(`readMemberTextsOf: at most ${MAX_TEXT_KEYS} event keys`);
  const params = [];
  const member = memberTextSql(windows, needs.properties, params);
  const [row] = sql
    .exec(
      `SELECT count(*) AS n, '[' || coalesce(group_concat(${member}, ','), '') || ']' AS members,
              '[' || coalesce(group_concat(json_quote(u.id), ','), '') || ']' AS ids
         FROM users u WHERE u.id IN (SELECT value FROM json_each(?${params.push(idsJson)}))`,
      ...params,
    )
    .toArray();
  return row;
}
