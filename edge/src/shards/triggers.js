// The user shard's side of event-based campaigns: an event stored by
// addEvents that matches running event campaigns (matched by the worker, see
// campaigns/events.js) becomes a send trigger for its user.
//
// Why a table: the trigger rows are written in the SAME transaction as the
// event, so accepting the event and accepting its triggers is one commit.
// Right after the commit the shard runs them (campaignCandidates of
// shards/sends.js: cohort, fatigue, caps, personalization, ledger + outbox in
// one transaction) and deletes each row when done. A crash in between
// leaves rows that the shard's alarm runs later, with the campaign's
// snapshot of that moment (an ended campaign's leftovers are dropped). The
// trigger id is the event's seq, so a trigger run twice sends once.
//
//   event_triggers(seq, campaign)   seq = events.seq

import { logStoredRuleInvalid } from '../http/errors.js';
import * as sends from './sends.js';
import { workspaceStub } from '../stubs.js';
import { armNoLaterThan } from '../storage/alarm.js';
import { nextTurn } from './turns.js';
import { getEngine } from '../engine.js';

/** A trigger whose run failed is tried again this much later, by the alarm. */
const RETRY_MS = 2_000;

/** Creates the trigger table (idempotent). */
export function createTriggerTables(sql) {
  sql.exec(
    'CREATE TABLE IF NOT EXISTS event_triggers (seq INTEGER NOT NULL, campaign TEXT NOT NULL, PRIMARY KEY (seq, campaign))',
  );
}

/** Records that event `seq` triggers `campaigns` (keys); inside the caller's transaction. */
export function recordTriggers(sql, seq, campaigns) {
  for (const key of campaigns)
    sql.exec('INSERT OR IGNORE INTO event_triggers (seq, campaign) VALUES (?, ?)', seq, key);
}

/** Bound parameters per statement (a Durable Object's SQLite allows 100). */
const MAX_VARS = 90;
/** Triggers decided at once (each awaits the engine and the snapshot before its transaction). */
const CONCURRENCY = 64;

/**
 * Runs the trigger rows of events `seqs` (all leftovers when `seqs` is
 * null), with `snapshots` ({ key: snapshot }, from the caller) or the
 * workspace's current snapshot. Up to CONCURRENCY run at once: each one's
 * check-and-record is its own synchronous transaction; then one forward of
 * the outbox hands every accepted message to the dispatch objects (one RPC
 * per object for many messages instead of one per message). Never throws: a
 * trigger that fails stays in the table and the alarm runs it again soon.
 * Resolves to the number of messages accepted.
 */
export async function runTriggers(shard, seqs, snapshots = {}) {
  const rows = triggerRows(shard.sql, seqs);
  if (rows.length === 0) return 0;
  const known = new Map(Object.entries(snapshots ?? {}));
  const snapshotOf = async (key) => {
    if (!known.has(key)) known.set(key, workspaceStub(shard.env).getSnapshot(key));
    return known.get(key);
  };
  let triggered = 0;
  let failed = 0;
  for (let i = 0; i < rows.length; i += CONCURRENCY) {
    // Other requests are served between groups (turns.js).
    if (i > 0) await nextTurn();
    const results = await Promise.allSettled(
      rows.slice(i, i + CONCURRENCY).map((row) => runOne(shard, row, snapshotOf)),
    );
    for (const r of results) {
      if (r.status === 'fulfilled') triggered += r.value;
      else {
        failed++;
        console.error(
          'hookcast: event trigger failed; the alarm runs it again',
          r.reason?.stack ?? r.reason,
        );
      }
    }
  }
  if (failed > 0) await armNoLaterThan(shard.ctx.storage, Date.now() + RETRY_MS);
  if (triggered > 0) {
    // One hand-off for the whole call, not awaited: the events answer needs
    // the decisions (committed), not the dispatch objects' acknowledgement,
    // and awaiting it made concurrent calls queue behind each other's
    // forwards. The accepted messages are in the outbox: the alarm (armed
    // here as a backstop) forwards whatever this forward does not.
    await armNoLaterThan(shard.ctx.storage, Date.now() + sends.FORWARD_RETRY_MS);
    sends
      .forwardOutbox(shard)
      .catch((e) =>
        console.error('hookcast: outbox forward after event triggers failed', e?.stack ?? e),
      );
  }
  return triggered;
}

/** Trigger rows with their events: of `seqs`, or all of them (null). */
function triggerRows(sql, seqs) {
  const select =
    'SELECT t.seq, t.campaign, e.user_id, e.key, e.properties, e.at FROM event_triggers t LEFT JOIN events e ON e.seq = t.seq';
  if (seqs === null) return sql.exec(`${select} ORDER BY t.seq`).toArray();
  const rows = [];
  for (let i = 0; i < seqs.length; i += MAX_VARS) {
    const part = seqs.slice(i, i + MAX_VARS);
    rows.push(
      ...sql
        .exec(`${select} WHERE t.seq IN (${part.map(() => '?').join(',')}) ORDER BY t.seq`, ...part)
        .toArray(),
    );
  }
  return rows;
}

/** One trigger row: the send decision for its user, then the row is deleted. Resolves to messages accepted (0 or 1). */
async function runOne(shard, row, snapshotOf) {
  const snapshot = await snapshotOf(row.campaign);
  let accepted = 0;
  // The event is gone (user deleted) or the campaign ended meanwhile (its
  // status is final, the engine's word): nothing to send.
  const final = snapshot && (await getEngine()).campaignCapabilities(snapshot.status).final;
  if (row.user_id !== null && snapshot && !final) {
    const event = {
      key: row.key,
      properties: row.properties ? JSON.parse(row.properties) : {},
      at: row.at,
    };
    const answer = await sends.campaignCandidates(shard, {
      forward: false,
      snapshot,
      trigger: {
        kind: 'event',
        id: `ev${row.seq}`,
        sendAtMs: row.at,
        userIds: [row.user_id],
        event,
        rules: snapshot.frequencyRules,
      },
    });
    // A stored rule this engine no longer compiles triggers nobody (docs/openapi.yaml); running again would not help.
    if (answer.code === 'invalid_rule')
      logStoredRuleInvalid(
        `target cohort of campaign ${row.campaign} (event trigger ev${row.seq})`,
        answer.problems,
      );
    else if (!answer.ok)
      throw new Error(
        `event trigger ev${row.seq} of ${row.campaign} refused: ${JSON.stringify(answer).slice(0, 300)}`,
      );
    else accepted = answer.accepted;
  }
  shard.sql.exec(
    'DELETE FROM event_triggers WHERE seq = ? AND campaign = ?',
    row.seq,
    row.campaign,
  );
  return accepted;
}

/** The alarm's part: runs crash leftovers (a failure re-arms the alarm, see runTriggers). */
export async function triggersAlarm(shard) {
  await runTriggers(shard, null);
}

/** Arms the alarm now when a crash left trigger rows (called at start-up). */
export async function armIfTriggers(shard) {
  const [{ n }] = shard.sql.exec('SELECT count(*) AS n FROM event_triggers').toArray();
  if (n > 0) await armNoLaterThan(shard.ctx.storage, Date.now());
}
