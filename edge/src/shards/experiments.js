// The user shard's side of experiments (campaign.experiment): the control
// group's place in the ledger, the conversions, and the per-campaign counts
// GET /v1/campaigns/:key/results sums over the shards.
//
// Control users: shards/sends.js asks the engine which accepted candidates
// are in the control group (a stable hash of campaign key and user id) and
// records each in the ledger with `control = 1`, in the same transaction
// as the checks: the engine's duplicate rule counts such a row (the user is
// never drawn again, and with a resend period waits like a sent user),
// its frequency caps do not (no message reached the user).
//
// Conversions: an event the worker matched to a campaign's goal
// (campaigns/events.js) is decided here, in the transaction that stores it:
// the user's latest ledger row of that campaign at or before the event (the
// send start, or the would-be send start of a control user) and the
// engine's window rule. One conversion per user per send of a campaign
// (the primary key), so a repeated goal event counts once.
//
// Tables (schema version 2 of the shard, see migrate()):
//   ledger.control            1: a control-group record, 0: a send
//   experiment_counts(campaign, grp, users, converted)   grp 'sent' | 'control'
//       users: ledger rows recorded (sends, or control records); converted: of those
//   experiment_conversions(campaign, user_id, send_at, grp, at)
//       one row per converted send; at = the goal event's time

/** The shard schema this file brings the tables to. */
export const SHARD_SCHEMA = 2;

/**
 * Creates this file's tables and migrates an older shard (idempotent;
 * called by the shard's constructor after the base tables exist). The
 * version lives in shard_meta; each step runs once, in one transaction
 * with the version it reaches, so a crash leaves the shard at the old
 * version or the new one, never in between.
 */
export function createExperimentTables(sql, storage) {
  sql.exec('CREATE TABLE IF NOT EXISTS shard_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
  const [row] = sql.exec("SELECT value FROM shard_meta WHERE name = 'schema'").toArray();
  const version = row ? row.value : 1;
  if (version >= SHARD_SCHEMA) return;
  storage.transactionSync(() => {
    // v2: control-group records in the ledger (older rows are sends);
    // conversions and the counts per campaign and group, the sent groups
    // of earlier campaigns counted from their ledger rows.
    sql.exec('ALTER TABLE ledger ADD COLUMN control INTEGER NOT NULL DEFAULT 0');
    sql.exec(`
      CREATE TABLE experiment_counts (
        campaign TEXT NOT NULL, grp TEXT NOT NULL, users INTEGER NOT NULL, converted INTEGER NOT NULL,
        PRIMARY KEY (campaign, grp)
      );
      CREATE TABLE experiment_conversions (
        campaign TEXT NOT NULL, user_id TEXT NOT NULL, send_at INTEGER NOT NULL, grp TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (campaign, user_id, send_at)
      );
      CREATE INDEX ledger_control ON ledger (campaign, control, at);
      INSERT INTO experiment_counts (campaign, grp, users, converted)
        SELECT campaign, 'sent', count(*), 0 FROM ledger GROUP BY campaign;
    `);
    sql.exec(
      "INSERT INTO shard_meta (name, value) VALUES ('schema', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      SHARD_SCHEMA,
    );
  });
}

/** The group name of a ledger row's control flag. */
export const groupOf = (control) => (control ? 'control' : 'sent');

/** Adds `users` and `converted` to campaign `key`'s group `grp` (inside the caller's transaction). */
export function bumpGroup(sql, key, grp, users, converted = 0) {
  if (users === 0 && converted === 0) return;
  sql.exec(
    `INSERT INTO experiment_counts (campaign, grp, users, converted) VALUES (?, ?, ?, ?)
     ON CONFLICT (campaign, grp) DO UPDATE SET users = users + excluded.users, converted = converted + excluded.converted`,
    key,
    grp,
    users,
    converted,
  );
}

/**
 * Decides the conversions of stored events (inside the caller's
 * transaction): `events` [{ userId, at, goals: [campaign key] }], `goalOf`
 * { key: goal } (the goal's `within` is what the engine needs). For each
 * (event, campaign): the user's latest ledger row of the campaign at or
 * before the event; a conversion when the engine says the event is within
 * the window, and this send has not converted yet. Returns the number of
 * conversions recorded.
 */
export function recordConversions(sql, engine, events, goalOf) {
  let recorded = 0;
  for (const e of events) {
    for (const key of e.goals ?? []) {
      const goal = goalOf[key];
      if (!goal) continue;
      const [send] = sql
        .exec(
          'SELECT at, control FROM ledger INDEXED BY ledger_user_at WHERE user_id = ? AND at <= ? AND campaign = ? ORDER BY at DESC LIMIT 1',
          e.userId,
          e.at,
          key,
        )
        .toArray();
      if (!send || !engine.convertsWithin(send.at, e.at, goal.within)) continue;
      const grp = groupOf(send.control);
      const written = sql.exec(
        'INSERT OR IGNORE INTO experiment_conversions (campaign, user_id, send_at, grp, at) VALUES (?, ?, ?, ?, ?)',
        key,
        e.userId,
        send.at,
        grp,
        e.at,
      ).rowsWritten;
      if (written > 0) {
        bumpGroup(sql, key, grp, 0, 1);
        recorded++;
      }
    }
  }
  return recorded;
}

/**
 * A send of campaign `key` to `userId` at `sendAt` no longer counts (ended
 * unsent: shards/sends.js forgetSends): out of the sent group, and its
 * conversion with it. Inside the caller's transaction.
 */
export function forgetSend(sql, key, userId, sendAt) {
  const converted = sql.exec(
    'DELETE FROM experiment_conversions WHERE campaign = ? AND user_id = ? AND send_at = ?',
    key,
    userId,
    sendAt,
  ).rowsWritten;
  bumpGroup(sql, key, 'sent', -1, -converted);
}

/**
 * Control records of campaign `key` after position `after` ({ at, idx }:
 * would-be send start, then row; null from the start), in that order, at
 * most `limit`: [{ userId, at (ms), idx }]. Exposures merge them with the
 * dispatch slices' sent messages (campaigns/results.js).
 */
export function controlExposures(sql, key, after, limit) {
  const at = after?.at ?? Number.MIN_SAFE_INTEGER;
  const idx = after?.idx ?? -1;
  return sql
    .exec(
      `SELECT rowid, user_id, at FROM ledger INDEXED BY ledger_control
       WHERE campaign = ?1 AND control = 1 AND (at > ?2 OR (at = ?2 AND rowid > ?3))
       ORDER BY at, rowid LIMIT ?4`,
      key,
      at,
      idx,
      limit,
    )
    .toArray()
    .map((r) => ({ userId: r.user_id, at: r.at, idx: r.rowid }));
}

/** Forgets a user's conversions (DELETE /v1/users/:id); the counts keep what was measured. */
export function forgetUser(sql, userId) {
  sql.exec('DELETE FROM experiment_conversions WHERE user_id = ?', userId);
}

/** { sent: { users, converted }, control: { users, converted } } of campaign `key` in this shard. */
export function experimentCounts(sql, key) {
  const out = { sent: { users: 0, converted: 0 }, control: { users: 0, converted: 0 } };
  for (const r of sql.exec(
    'SELECT grp, users, converted FROM experiment_counts WHERE campaign = ?',
    key,
  )) {
    if (out[r.grp]) out[r.grp] = { users: r.users, converted: r.converted };
  }
  return out;
}
