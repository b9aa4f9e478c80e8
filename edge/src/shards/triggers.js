// The user shard's side of event-based campaigns: an event stored by
// addEvents that matches running event campaigns (matched by the worker, see
// campaigns/events.js) becomes a send trigger for its user.
//
// An events call's triggers are decided in batches (sends.eventSender): per
// campaign one prepare, then per chunk of candidates one transaction holding
// the cohort, fatigue, caps, personalization, ledger + outbox, with one
// engine batch; each candidate keeps its own event (render context, instant)
// and its own trigger id `ev<seq>`; a user's second event of the call is in
// a later round, decided after the first committed (resend, once per user,
// caps see it).
//
// Two ways, by size:
//   inline       the triggers fit in INLINE_CHUNKS chunks: decided INSIDE the
//                events transaction (each chunk a savepoint), so accepting
//                the event and deciding its sends is one commit; no trigger
//                row, no decision row (it can never be decided twice)
//   after commit more: recorded as trigger rows in the events transaction,
//                decided right after it with turns between chunks (a call
//                that triggers much work never holds the thread for more
//                than a chunk), each chunk deleting its rows in its own
//                transaction
// A chunk that fails, a campaign whose preparation failed, or a crash
// leaves trigger rows that the shard's alarm runs later, in event order,
// with the campaign's snapshot of that moment (an ended campaign's
// leftovers are dropped). The trigger id is the event's seq and a decision
// row is kept per (trigger, user) on that path, so a trigger run twice
// sends once.
//
// Batching is what makes an event that sends cost a few times what
// ingesting it costs rather than ten: one transaction and one engine call
// per event was 0.08-0.13x of plain ingestion (docs/benchmarks.md,
// "Event-campaign triggers").
//
//   event_triggers(seq, campaign)   seq = events.seq

import { logStoredRuleInvalid } from '../http/errors.js';
import * as sends from './sends.js';
import { workspaceStub } from '../stubs.js';
import { armNoLaterThan } from '../storage/alarm.js';
import { nextTurn } from './turns.js';
import { insertMany } from '../storage/sql_batch.js';
import { getEngine } from '../engine.js';

/** A trigger whose run failed is tried again this much later, by the alarm. */
const RETRY_MS = 2_000;

/** Creates the trigger table (idempotent). */
export function createTriggerTables(sql) {
  sql.exec(
    'CREATE TABLE IF NOT EXISTS event_triggers (seq INTEGER NOT NULL, campaign TEXT NOT NULL, PRIMARY KEY (seq, campaign))',
  );
}

/**
 * Records trigger rows [{ seq, campaign }] (an event `seq` triggers campaign
 * `campaign`), one statement, inside the caller's transaction.
 */
export function recordTriggers(sql, rows) {
  insertMany(
    sql,
    'INSERT OR IGNORE',
    'event_triggers',
    ['seq', 'campaign'],
    rows.map((r) => [r.seq, r.campaign]),
  );
}

/**
 * Chunks decided inside the events transaction at most (a chunk is sized by
 * the webhook's placeholders, turns.js): more go through runTriggers, with
 * turns between chunks, so a call that triggers much work never holds the
 * thread for more than a chunk.
 */
export const INLINE_CHUNKS = 2;

/**
 * Whether trigger rows `rows` ({ campaign, user_id }, in event order) with
 * `senders` are decided in INLINE_CHUNKS chunks at most (rounds and
 * campaigns counted as decideInTransaction splits them).
 */
export function fitsInline(rows, senders) {
  let chunks = 0;
  for (const round of userRounds(rows)) {
    for (const [campaign, list] of byCampaign(round)) {
      const sender = senders.get(campaign);
      if (sender) chunks += Math.ceil(list.length / sender.chunkSize);
      if (chunks > INLINE_CHUNKS) return false;
    }
  }
  return true;
}

/**
 * The senders of the campaigns that trigger rows `rows` name (sends.eventSender:
 * one prepare per campaign and call), with `snapshots` ({ key: snapshot },
 * from the caller) or the workspace's current snapshot: Map campaign →
 * sender, null (its rows send nothing: the campaign ended or is gone, or its
 * stored cohort no longer compiles, logged) or absent (its preparation
 * failed, logged: its rows stay for the alarm). `failures` counts those.
 */
export async function prepareSenders(shard, rows, snapshots = {}) {
  const recipients = new Map();
  for (const r of rows) recipients.set(r.campaign, (recipients.get(r.campaign) ?? 0) + 1);
  const senders = new Map();
  let failures = 0;
  for (const campaign of recipients.keys()) {
    try {
      let snapshot = snapshots?.[campaign];
      if (snapshot === undefined) snapshot = await workspaceStub(shard.env).getSnapshot(campaign);
      // The campaign ended meanwhile (its status is final, the engine's
      // word) or is gone: its triggers send nothing.
      if (!snapshot || (await getEngine()).campaignCapabilities(snapshot.status).final) {
        senders.set(campaign, null);
        continue;
      }
      const sender = await sends.eventSender(shard, snapshot, recipients.get(campaign));
      if (sender.ok) senders.set(campaign, sender);
      else if (sender.code === 'invalid_rule') {
        // A stored rule this engine no longer compiles triggers nobody (docs/openapi.yaml); running again would not help.
        logStoredRuleInvalid(
          `target cohort of campaign ${campaign} (event triggers ${describeSeqs(rows, campaign)})`,
          sender.problems,
        );
        senders.set(campaign, null);
      } else
        throw new Error(
          `event triggers of ${campaign} refused: ${JSON.stringify(sender).slice(0, 300)}`,
        );
    } catch (e) {
      failures++;
      logFailure(`event triggers of ${campaign}`, e);
    }
  }
  return { senders, failures };
}

/** Frees what prepareSenders compiled. */
export function disposeSenders(senders) {
  for (const sender of senders.values()) sender?.dispose();
}

/**
 * Decides the triggers of events just inserted, INSIDE the caller's events
 * transaction: accepting an event and deciding its sends is then one
 * commit, and no trigger row is written nor deleted. `rows` as runTriggers
 * takes them, `senders` from prepareSenders (before the transaction).
 * Each chunk runs in a nested transaction (a savepoint): a chunk that
 * throws is rolled back alone, and its rows, with every later round's and
 * those of a campaign whose preparation failed, are recorded as trigger
 * rows for the alarm. Returns { triggered, failures }.
 */
export function decideInTransaction(shard, rows, senders) {
  let triggered = 0;
  let failures = 0;
  const left = [];
  let stopped = false;
  for (const round of userRounds(rows.filter((r) => senders.get(r.campaign) !== null))) {
    for (const [campaign, list] of byCampaign(round)) {
      const sender = senders.get(campaign);
      if (!sender || stopped) {
        left.push(...list);
        continue;
      }
      for (let i = 0; i < list.length; i += sender.chunkSize) {
        const part = list.slice(i, i + sender.chunkSize);
        if (stopped) {
          left.push(...part);
          continue;
        }
        try {
          // Fresh events: no decision of theirs can be stored yet.
          triggered += sender.decide(part.map(candidateOf), null, { fresh: true }).accepted;
        } catch (e) {
          failures++;
          logFailure(`event triggers of ${campaign} (${describeSeqs(part, campaign)})`, e);
          // Later rounds wait for this one: the alarm runs them all, in order.
          stopped = true;
          left.push(...part);
        }
      }
    }
  }
  recordTriggers(shard.sql, left);
  return { triggered, failures };
}

/**
 * After trigger decisions committed: the alarm re-armed for failures, and
 * one forward of the outbox for the accepted messages.
 */
export async function afterDecisions(shard, { triggered, failures }) {
  if (failures > 0) await armNoLaterThan(shard.ctx.storage, Date.now() + RETRY_MS);
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
}

/**
 * Runs trigger rows: `given` [{ seq, campaign, user_id, key, properties
 * (JSON text or null), at }] (just recorded with their events, more than
 * INLINE_CHUNKS to decide: nothing is read back), or every
 * row of the table (null: crash leftovers and failed chunks), with
 * `snapshots` as prepareSenders (or the caller's `prepared`, which it
 * frees), in batches: each chunk of a campaign ONE
 * transaction (checks, record, deletion of its trigger rows) and one
 * engine batch, other requests served between chunks. A user's triggers
 * are decided in event order: round k holds each user's k-th trigger row,
 * and a round is decided only after the previous one committed, so a
 * second event sees the first one's ledger row (resend, once per user,
 * caps). Then one forward of the outbox. Never throws: a chunk that fails
 * stays in the table (with every later round) and the alarm runs it again
 * soon. Resolves to the number of messages accepted.
 */
export async function runTriggers(shard, given, snapshots = {}, prepared = null) {
  const rows = given ?? leftoverRows(shard.sql);
  if (rows.length === 0) return 0;
  let triggered = 0;
  const { senders, failures: unprepared } =
    prepared ?? (await prepareSenders(shard, rows, snapshots));
  let failures = unprepared;
  try {
    // Nothing to decide: the event is gone (user deleted) or the campaign's rows are dropped.
    const dropped = rows.filter((r) => r.user_id === null || senders.get(r.campaign) === null);
    if (dropped.length > 0)
      shard.ctx.storage.transactionSync(() => {
        for (const [campaign, list] of byCampaign(dropped))
          deleteTriggers(shard.sql, campaign, list);
      });
    let first = true;
    rounds: for (const round of userRounds(
      rows.filter((r) => r.user_id !== null && senders.get(r.campaign)),
    )) {
      for (const [campaign, list] of byCampaign(round)) {
        const sender = senders.get(campaign);
        for (let i = 0; i < list.length; i += sender.chunkSize) {
          // Other requests are served between chunks (turns.js).
          if (!first) await nextTurn();
          first = false;
          const part = list.slice(i, i + sender.chunkSize);
          try {
            triggered += sender.decide(part.map(candidateOf), () =>
              deleteTriggers(shard.sql, campaign, part),
            ).accepted;
          } catch (e) {
            failures++;
            logFailure(`event triggers of ${campaign} (${describeSeqs(part, campaign)})`, e);
            // Later rounds wait for this one: the alarm runs them all, in order.
            break rounds;
          }
        }
      }
    }
  } finally {
    // Senders the caller prepared are the caller's to free.
    if (prepared === null) disposeSenders(senders);
  }
  await afterDecisions(shard, { triggered, failures });
  return triggered;
}

function logFailure(what, e) {
  console.error(`hookcast: ${what} failed; the alarm runs it again`, e?.stack ?? e);
}

/** Every trigger row with its event (user_id null: the event is gone, its user deleted), in event order. */
function leftoverRows(sql) {
  return sql
    .exec(
      'SELECT t.seq, t.campaign, e.user_id, e.key, e.properties, e.at FROM event_triggers t LEFT JOIN events e ON e.seq = t.seq ORDER BY t.seq, t.campaign',
    )
    .toArray();
}

/** Rows (in event order) as rounds: round k holds the k-th row of each user. */
function userRounds(rows) {
  const rounds = [];
  const seen = new Map();
  for (const r of rows) {
    const k = seen.get(r.user_id) ?? 0;
    seen.set(r.user_id, k + 1);
    (rounds[k] ??= []).push(r);
  }
  return rounds;
}

/** Rows grouped by campaign, in order of first appearance: Map campaign → rows. */
function byCampaign(rows) {
  const out = new Map();
  for (const r of rows) {
    if (!out.has(r.campaign)) out.set(r.campaign, []);
    out.get(r.campaign).push(r);
  }
  return out;
}

/** The candidate of one trigger row: its user, its own event, its trigger id (the event's seq). */
function candidateOf(row) {
  return {
    triggerKey: `ev${row.seq}`,
    userId: row.user_id,
    // The stored properties text goes into the render context as is.
    event: { key: row.key, propertiesJson: row.properties, at: row.at },
  };
}

/** Deletes campaign `campaign`'s trigger rows `rows` (inside the caller's transaction). */
function deleteTriggers(sql, campaign, rows) {
  sql.exec(
    'DELETE FROM event_triggers WHERE campaign = ? AND seq IN (SELECT value FROM json_each(?))',
    campaign,
    JSON.stringify(rows.map((r) => r.seq)),
  );
}

/** The trigger ids of `campaign` among `rows`, for a log line (the first few). */
function describeSeqs(rows, campaign) {
  const mine = rows.filter((r) => r.campaign === campaign);
  // Before the events are stored (prepareSenders of the inline path) they have no seq yet.
  if (mine.some((r) => r.seq === undefined)) return `of ${mine.length} events of this call`;
  const ids = mine.map((r) => `ev${r.seq}`);
  return ids.length > 5
    ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more`
    : ids.join(', ');
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
