// Hands messages that were never sent back to their users' ledgers.
//
// A user shard writes a ledger row ({ user, campaign, at, delivery_id =
// the message's dedupe }) when it accepts a message, atomically with the
// fatigue checks. When a CampaignDispatch slice then ends that message
// without sending it — `end` cancelled it before dispatch, or the render was
// refused at dispatch (an edit while paused) — the message moves out of
// `sent` in the stats, and the ledger row must go too: docs/design.md's
// exposures are "who was sent it", GET /v1/users/:id lists sends, and the
// workspace's caps count messages sent, whichever campaign sent them.
//
// Crash-safe like the shards' outbox the other way: the (dedupe, user) pairs
// are written to `unsent` in the SAME transaction that ends the delivery,
// then forwarded to the shards, and deleted once a shard acknowledged; the
// object's alarm, and its next construction (a stats or deliveries read
// builds every slice), forward leftovers.

import { groupByShard } from '../shards/locate.js';
import { shardStub } from '../stubs.js';

/** Creates the hand-back table (idempotent). */
export function createUnsentTable(sql) {
  sql.exec('CREATE TABLE IF NOT EXISTS unsent (dedupe TEXT PRIMARY KEY, user_id TEXT NOT NULL)');
}

/**
 * Notes the deliveries matched by `where` (a condition on the deliveries
 * table, with `args`) as never sent; inside the caller's transaction,
 * BEFORE the statement that changes their state.
 */
export function noteUnsent(sql, where, ...args) {
  sql.exec(
    `INSERT OR IGNORE INTO unsent (dedupe, user_id) SELECT dedupe, user_id FROM deliveries WHERE ${where}`,
    ...args,
  );
}

/** Whether any pair waits to be handed back. */
export function hasUnsent(sql) {
  return sql.exec('SELECT 1 FROM unsent LIMIT 1').toArray().length > 0;
}

/**
 * Forwards every waiting pair of campaign `key` to its user shard (one call
 * per shard, in parallel) and forgets the acknowledged ones. A shard that
 * fails keeps its pairs for the next try. Never rejects.
 */
export async function forwardUnsent(sql, env, key) {
  if (!key) return;
  const rows = sql.exec('SELECT dedupe, user_id FROM unsent').toArray();
  if (rows.length === 0) return;
  await Promise.all(
    [...groupByShard(rows, (r) => r.user_id)].map(async ([i, part]) => {
      try {
        await shardStub(env, i).forgetSends(
          key,
          part.map((r) => ({ userId: r.user_id, dedupe: r.dedupe })),
        );
        for (const r of part) sql.exec('DELETE FROM unsent WHERE dedupe = ?', r.dedupe);
      } catch (e) {
        console.error(
          'hookcast: handing unsent messages back to shard',
          i,
          'failed; the alarm tries again',
          e?.stack ?? e,
        );
      }
    }),
  );
}
