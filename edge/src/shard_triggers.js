// The user shard's side of event-based campaigns: an event stored by
// addEvents that matches running event campaigns (matched by the worker, see
// campaign_events.js) becomes a send trigger for its user.
//
// Why a table: the trigger rows are written in the SAME transaction as the
// event, so accepting the event and accepting its triggers is one commit.
// Right after the commit the shard runs them (campaignCandidates of
// shard_sends.js: cohort, fatigue, caps, personalization, ledger + outbox in
// one transaction) and deletes each row when done. A crash in between
// leaves rows that the shard's alarm runs later, with the campaign's
// snapshot of that moment (an ended campaign's leftovers are dropped). The
// trigger id is the event's seq, so a trigger run twice sends once.
//
//   event_triggers(seq, campaign)   seq = events.seq

import * as sends from './shard_sends.js';
import { workspaceStub } from './workspace.js';

/** A crash leftover is retried this much later when its run fails. */
const RETRY_MS = 2_000;

/** Creates the trigger table (idempotent). */
export function createTriggerTables(sql) {
  sql.exec('CREATE TABLE IF NOT EXISTS event_triggers (seq INTEGER NOT NULL, campaign TEXT NOT NULL, PRIMARY KEY (seq, campaign))');
}

/** Records that event `seq` triggers `campaigns` (keys); inside the caller's transaction. */
export function recordTriggers(sql, seq, campaigns) {
  for (const key of campaigns) sql.exec('INSERT OR IGNORE INTO event_triggers (seq, campaign) VALUES (?, ?)', seq, key);
}

/**
 * Runs the trigger rows of events `seqs` (all leftovers when `seqs` is
 * null), with `snapshots` ({ key: snapshot }, from the caller) or the
 * workspace's current snapshot. Resolves to the number of messages accepted.
 */
export async function runTriggers(shard, seqs, snapshots = {}) {
  const { sql } = shard;
  let rows;
  if (seqs === null) {
    rows = sql.exec('SELECT t.seq, t.campaign, e.user_id, e.key, e.properties, e.at FROM event_triggers t LEFT JOIN events e ON e.seq = t.seq ORDER BY t.seq').toArray();
  } else {
    if (seqs.length === 0) return 0;
    rows = [];
    for (let i = 0; i < seqs.length; i += 500) {
      const part = seqs.slice(i, i + 500);
      rows.push(
        ...sql
          .exec(
            `SELECT t.seq, t.campaign, e.user_id, e.key, e.properties, e.at FROM event_triggers t LEFT JOIN events e ON e.seq = t.seq
             WHERE t.seq IN (${part.map(() => '?').join(',')}) ORDER BY t.seq`,
            ...part,
          )
          .toArray(),
      );
    }
  }
  let triggered = 0;
  const known = new Map(Object.entries(snapshots ?? {}));
  for (const row of rows) {
    let snapshot = known.get(row.campaign);
    if (snapshot === undefined) {
      snapshot = await workspaceStub(shard.env).getSnapshot(row.campaign);
      known.set(row.campaign, snapshot);
    }
    // The event is gone (user deleted) or the campaign ended meanwhile: nothing to send.
    if (row.user_id !== null && snapshot && snapshot.status !== 'ended') {
      const event = { key: row.key, properties: row.properties ? JSON.parse(row.properties) : {}, at: row.at };
      const answer = await sends.campaignCandidates(shard, {
        snapshot,
        trigger: { kind: 'event', id: `ev${row.seq}`, sendAtMs: row.at, userIds: [row.user_id], event, rules: snapshot.frequencyRules },
      });
      if (!answer.ok) throw new Error(`event trigger ev${row.seq} of ${row.campaign} refused: ${JSON.stringify(answer).slice(0, 300)}`);
      triggered += answer.accepted;
    }
    sql.exec('DELETE FROM event_triggers WHERE seq = ? AND campaign = ?', row.seq, row.campaign);
  }
  return triggered;
}

/** The alarm's part: runs crash leftovers; asks for another alarm soon if that failed. */
export async function triggersAlarm(shard) {
  try {
    await runTriggers(shard, null);
  } catch (e) {
    console.error('hookcast: event trigger leftovers failed; retrying', e?.stack ?? e);
    const at = Date.now() + RETRY_MS;
    const cur = await shard.ctx.storage.getAlarm();
    if (cur === null || cur > at) await shard.ctx.storage.setAlarm(at);
  }
}

/** Arms the alarm now when a crash left trigger rows (called at start-up). */
export async function armIfTriggers(shard) {
  const [{ n }] = shard.sql.exec('SELECT count(*) AS n FROM event_triggers').toArray();
  if (n === 0) return;
  const cur = await shard.ctx.storage.getAlarm();
  if (cur === null || cur > Date.now()) await shard.ctx.storage.setAlarm(Date.now());
}
