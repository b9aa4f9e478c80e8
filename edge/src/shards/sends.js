// The user shard's side of a campaign send: which of this shard's users
// get a message, recorded atomically with the checks, and the hand-off of
// the accepted messages to the campaign's CampaignDispatch objects.
//
// For each candidate, in the order of docs/design.md, every decision the engine's:
//   not_in_cohort      CompiledCohort.matchBatch on the members read here
//   already_sent /     engine.fatigueBatch over each user's ledger rows
//   resend_period /
//   frequency_cap
//   personalization    CompiledWebhook.renderBatch refused this user
//   control            engine.controlGroups: the campaign's experiment holds
//                      this user back (shards/experiments.js)
// A candidate that passes gets, in the SAME SQLite transaction as its
// checks, a ledger row (so the next check, of any campaign, sees it: two
// campaigns racing for a user's last cap slot never both get it), an outbox
// row and its decision row; the per-campaign counts grow in that
// transaction too. The shard is one Durable Object, so calls never
// interleave inside a transaction.
//
// Tables (besides users/events/ledger, see shards/user_shard.js):
//   campaign_counts(campaign, reason, count)  reason: targeted, accepted, or a suppression reason
//   campaign_decisions(campaign, trigger, user_id, outcome, at)
//       idempotency: a trigger (run, event, API dispatch) repeated after a
//       crash answers the stored outcome and sends nothing more; kept
//       DECISIONS_KEPT_MS (longer than the API's 24 h idempotency window);
//       an event trigger decided in its event's own transaction has none
//       (it cannot be repeated), one decided from a trigger row has one
//   campaign_outbox(seq, campaign, slice, status, version, item JSON)
//       accepted messages not yet acknowledged by their CampaignDispatch;
//       forwarded after the commit, and by the shard's alarm after a crash
//
// Candidates are processed CANDIDATE_CHUNK users per transaction (memory
// stays bounded for a big shard); idempotency per (trigger, user) makes the
// chunks as safe as one transaction: a crash between two re-runs only the
// users not yet decided. Event triggers (shards/triggers.js) go through
// eventSender: many events of one campaign per chunk, each candidate with
// its own event and trigger id, one transaction and one engine batch per
// chunk instead of per event.

import { isUserZoneRun, placeUser } from './user_zones.js';
import { getEngine, engineOptions } from '../engine.js';
import { readMembers } from './members.js';
import { audienceOf, sliceCount, sliceFor, sliceSettings } from '../delivery/slices.js';
import { dispatchStub, workspaceStub } from '../stubs.js';
import { PACED_SLICE } from '../constants.js';
import { insertMany, deleteIn, MAX_VARS } from '../storage/sql_batch.js';
import { armNoLaterThan } from '../storage/alarm.js';
import { isObject } from '../values.js';
import { chunkSize, nextTurn } from './turns.js';
import { bumpGroup, forgetSend } from './experiments.js';

/** Users decided per transaction. */
export const CANDIDATE_CHUNK = 1000;
/** Messages per enqueue call to a CampaignDispatch. */
export const OUTBOX_CHUNK = 500;
/** How long decision rows (the idempotency record) are kept. */
export const DECISIONS_KEPT_MS = 48 * 60 * 60 * 1000;
/** When a forward fails, the alarm tries again this much later. */
export const FORWARD_RETRY_MS = 2_000;
/** Sample user ids kept per refusal code in an audience check. */
const SAMPLE_SIZE = 10;

/** Creates this file's tables (idempotent; called by the shard's constructor). */
export function createSendTables(sql) {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS campaign_counts (
      campaign TEXT NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL,
      PRIMARY KEY (campaign, reason)
    );
    CREATE TABLE IF NOT EXISTS campaign_decisions (
      campaign TEXT NOT NULL, trigger TEXT NOT NULL, user_id TEXT NOT NULL, outcome TEXT NOT NULL, at INTEGER NOT NULL,
      PRIMARY KEY (campaign, trigger, user_id)
    );
    CREATE INDEX IF NOT EXISTS campaign_decisions_at ON campaign_decisions (at);
    CREATE TABLE IF NOT EXISTS campaign_outbox (
      seq INTEGER PRIMARY KEY, campaign TEXT NOT NULL, slice TEXT NOT NULL,
      status TEXT NOT NULL, version INTEGER NOT NULL, item TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ledger_campaign ON ledger (campaign);
  `);
}

/** The delay of an event send ({ value, unit }) applied by the engine's calendar. */
function notBeforeOf(engine, snapshot, trigger) {
  if (Number.isFinite(trigger.notBeforeMs)) return trigger.notBeforeMs;
  const delay = snapshot.send?.type === 'event' ? snapshot.send.delay : null;
  if (delay && Number(delay.value) > 0)
    return engine.addPeriod(trigger.sendAtMs, delay.value, delay.unit);
  return trigger.sendAtMs;
}

/**
 * The candidates of a trigger as rounds of [{ userId, properties? }]: round k
 * holds the k-th occurrence of each user id (an API call may name a user
 * twice; the second is judged after the first is recorded, by the engine's
 * duplicate rule). Schedules have no list: null (every user of the shard).
 */
function candidateRounds(trigger) {
  let list = null;
  if (Array.isArray(trigger.recipients))
    list = trigger.recipients.map((r) => ({ userId: r.userId, properties: r.properties }));
  else if (Array.isArray(trigger.userIds)) list = trigger.userIds.map((userId) => ({ userId }));
  if (list === null) return null;
  const rounds = [];
  const seen = new Map();
  for (const c of list) {
    const k = seen.get(c.userId) ?? 0;
    seen.set(c.userId, k + 1);
    (rounds[k] ??= []).push(c);
  }
  return rounds;
}

/**
 * Compiled webhooks by campaign snapshot (`<key>@<version>`; a version is
 * never reused for other content), the most recently used last. An events
 * call that triggers one campaign for 1000 events compiled its webhook 1000
 * times (~35 ms each for a 240 KiB body at the placeholder limit, at load
 * average 13: half a minute of one thread); now once per isolate and
 * version. An entry pushed out is not disposed (a call may still hold it):
 * the garbage collector frees it (FinalizationRegistry).
 */
const compiledWebhooks = new Map();
const COMPILED_WEBHOOKS_KEPT = 32;

function compiledWebhookOf(engine, snapshot, env) {
  if (!Number.isFinite(snapshot.version))
    return engine.compile(snapshot.webhook, engineOptions(env));
  const id = `${snapshot.key}@${snapshot.version}`;
  let compiled = compiledWebhooks.get(id);
  if (compiled) compiledWebhooks.delete(id);
  else compiled = engine.compile(snapshot.webhook, engineOptions(env));
  compiledWebhooks.set(id, compiled);
  if (compiledWebhooks.size > COMPILED_WEBHOOKS_KEPT)
    compiledWebhooks.delete(compiledWebhooks.keys().next().value);
  return compiled;
}

/**
 * What a shard needs for one call: engine, compiled cohort and webhook
 * (shared: compiledWebhookOf), fatigue policy. `dispose()` frees the
 * compiled cohort.
 */
async function prepare(shard, snapshot, trigger) {
  const engine = await getEngine();
  let cohort = null;
  if (snapshot.cohortRule) {
    const c = engine.compileCohort(snapshot.cohortRule);
    if (!c.ok) return { error: { ok: false, code: 'invalid_rule', problems: c.problems } };
    cohort = c.cohort;
  }
  const compiled = compiledWebhookOf(engine, snapshot, shard.env);
  const frequencyCapping = snapshot.fatigue?.frequencyCapping === true;
  let rules = [];
  if (frequencyCapping) {
    const given =
      trigger.rules ?? snapshot.frequencyRules ?? (await workspaceStub(shard.env).frequencyRules());
    rules = Array.isArray(given) ? given : (given?.rules ?? []);
  }
  return {
    engine,
    cohort,
    needs: cohort ? cohort.needs(trigger.sendAtMs) : { properties: true, events: [] },
    // A webhook that does not compile refuses every user (personalization).
    webhook: compiled.ok ? compiled.webhook : null,
    compileProblems: compiled.ok ? [] : compiled.problems,
    policy: {
      campaign: snapshot.key,
      resend: snapshot.fatigue?.resend ?? null,
      frequencyCapping,
      rules,
    },
    dispose() {
      cohort?.dispose?.();
    },
  };
}

/**
 * Decides one chunk of users (rows: [{ id, properties (JSON text) }] plus
 * `override` properties and `round`), inside the caller's transaction.
 * `scheduled`: users not in the cohort are not candidates (a schedule's
 * candidates ARE the cohort); otherwise they count as not_in_cohort.
 * Returns [{ id, outcome, request?, contextJson?, problems?, warnings? }] for the candidates.
 */
function decideChunk(shard, prep, snapshot, trigger, rows, { scheduled }) {
  const { sql } = shard;
  const at = trigger.sendAtMs;
  // allUsers: no members to read (their properties were parsed for nothing).
  const inCohort = prep.cohort
    ? prep.cohort.matchBatch(readMembers(sql, rows, prep.needs, at, { range: scheduled }), at)
    : rows.map(() => true);
  const out = [];
  const judged = [];
  const userZones = isUserZoneRun(snapshot, trigger);
  rows.forEach((row, i) => {
    if (!inCohort[i]) {
      if (!scheduled) out.push({ id: row.id, outcome: 'not_in_cohort' });
      return;
    }
    // A schedule in each user's zone: their own instant (shards/user_zones.js).
    const placed = userZones ? placeUser(snapshot, trigger, row.properties) : null;
    if (placed?.passed) {
      if (!snapshot.send.repeat) out.push({ id: row.id, outcome: 'schedule_passed' });
      return;
    }
    const entry = { id: row.id, row, notBefore: placed?.notBefore };
    out.push(entry);
    judged.push(entry);
  });
  if (judged.length === 0) return out;
  const byUser = ledgerRows(
    sql,
    judged.map((e) => e.id),
    scheduled,
  );
  const ledgers = judged.map((e) => byUser.get(e.id) ?? []);
  const reasons = prep.engine.fatigueBatch(prep.policy, ledgers, at);
  const toRender = [];
  judged.forEach((e, i) => {
    if (reasons[i] !== 'ok') {
      e.outcome = reasons[i];
      return;
    }
    toRender.push(e);
    // An event trigger's candidates each carry their own event (eventSender).
    const event = e.row.event ?? trigger.event;
    if (!isObject(e.row.override) && (!event || event.propertiesJson !== undefined)) {
      // The stored properties text as is (a schedule's usual case, and an
      // event trigger's event): no parse here, no stringify for the engine
      // nor for the outbox.
      const eventPart = event
        ? `,"event":{"key":${JSON.stringify(event.key)},"properties":${event.propertiesJson || '{}'}}`
        : '';
      e.contextJson = `{"user":{"id":${JSON.stringify(e.id)},"properties":${e.row.properties || '{}'}}${eventPart}}`;
      return;
    }
    const stored = e.row.properties ? JSON.parse(e.row.properties) : {};
    const properties = isObject(e.row.override) ? { ...stored, ...e.row.override } : stored;
    const context = { user: { id: e.id, properties } };
    if (event) {
      // API sends: the call's properties, overridden by the recipient's.
      const own = trigger.kind === 'api' && isObject(e.row.override) ? e.row.override : null;
      context.event = {
        key: event.key,
        properties: own ? { ...(event.properties ?? {}), ...own } : (event.properties ?? {}),
      };
    }
    e.contextJson = JSON.stringify(context);
  });
  const rendered = prep.webhook
    ? prep.webhook.renderBatchJson(`[${toRender.map((e) => e.contextJson).join(',')}]`)
    : toRender.map(() => ({ ok: false, problems: prep.compileProblems }));
  toRender.forEach((e, i) => {
    const r = rendered[i];
    if (r.ok) {
      e.outcome = 'ok';
      e.request = r.request;
      e.warnings = r.warnings;
    } else {
      e.outcome = 'personalization';
      e.problems = r.problems;
    }
  });
  // A candidate that passed every check is drawn: the experiment's control
  // group gets nothing (the engine's stable assignment).
  const controlPercent = Number(snapshot.experiment?.controlPercent ?? 0);
  if (controlPercent > 0) {
    const passed = toRender.filter((e) => e.outcome === 'ok');
    const control = prep.engine.controlGroups(
      snapshot.key,
      passed.map((e) => e.id),
      controlPercent,
    );
    passed.forEach((e, i) => {
      if (control[i]) e.outcome = 'control';
    });
  }
  return out;
}

/**
 * The ledger rows ({ campaign, at, control? }, oldest first) of users `ids`: Map id →
 * rows. `range`: the ids are in id order, so one index range scan reads
 * them all; otherwise IN lists of MAX_VARS.
 */
function ledgerRows(sql, ids, range) {
  const out = new Map();
  const add = (r) => {
    let list = out.get(r.user_id);
    if (!list) out.set(r.user_id, (list = []));
    // A control record keeps the duplicate rule, not a cap slot (the engine's rule).
    list.push(
      r.control
        ? { campaign: r.campaign, at: r.at, control: true }
        : { campaign: r.campaign, at: r.at },
    );
  };
  if (range) {
    const wanted = new Set(ids);
    for (const r of sql.exec(
      'SELECT user_id, campaign, at, control FROM ledger WHERE user_id >= ? AND user_id <= ? ORDER BY user_id, at',
      ids[0],
      ids[ids.length - 1],
    )) {
      if (wanted.has(r.user_id)) add(r);
    }
    return out;
  }
  for (let i = 0; i < ids.length; i += MAX_VARS) {
    const part = ids.slice(i, i + MAX_VARS);
    for (const r of sql.exec(
      `SELECT user_id, campaign, at, control FROM ledger WHERE user_id IN (${part.map(() => '?').join(',')}) ORDER BY at`,
      ...part,
    ))
      add(r);
  }
  return out;
}

/** Adds `n` to campaign_counts (campaign, reason). */
function bump(sql, campaign, reason, n) {
  if (n === 0) return;
  sql.exec(
    'INSERT INTO campaign_counts (campaign, reason, count) VALUES (?, ?, ?) ON CONFLICT (campaign, reason) DO UPDATE SET count = count + excluded.count',
    campaign,
    reason,
    n,
  );
}

/**
 * Records decided candidates (inside the caller's transaction): decision
 * rows, ledger and outbox rows for the accepted, control records (a ledger
 * row with control = 1, no outbox row), counts. `triggerKey`
 * names the trigger (and the round of a repeated recipient). `decisions:
 * false` writes no decision rows: a trigger decided in the same
 * transaction that stored it can never run again (eventSender's fresh
 * events), so it needs no idempotency record.
 */
function record(
  shard,
  snapshot,
  trigger,
  triggerKey,
  decided,
  sliceOf,
  notBefore,
  { decisions: keepDecisions = true } = {},
) {
  const { sql } = shard;
  const key = snapshot.key;
  const tally = {};
  const now = Date.now();
  const decisions = [];
  const ledger = [];
  const outbox = [];
  // The campaign's status as the snapshot has it (snapshotOfRow always
  // sets it): the dispatch object reads what it allows from the engine.
  const status = snapshot.status;
  const version = snapshot.version ?? 0;
  for (const d of decided) {
    // An event trigger's candidates each name their own trigger and instant (eventSender).
    const tk = d.triggerKey ?? triggerKey;
    const at = d.at ?? trigger.sendAtMs;
    tally[d.outcome] = (tally[d.outcome] ?? 0) + 1;
    if (keepDecisions) decisions.push([key, tk, d.id, d.outcome, now]);
    if (d.outcome === 'control') ledger.push([d.id, at, `${tk}/${d.id}`, 1]);
    if (d.outcome !== 'ok') continue;
    const dedupe = `${tk}/${d.id}`;
    ledger.push([d.id, at, dedupe, 0]);
    // The item's JSON built around the context's text (see decideChunk).
    outbox.push([
      sliceOf(d.id),
      `{"dedupe":${JSON.stringify(dedupe)},"userId":${JSON.stringify(d.id)},"context":${d.contextJson},"notBefore":${JSON.stringify(d.notBefore ?? notBefore ?? null)},"at":${JSON.stringify(at ?? null)}}`,
    ]);
  }
  insertMany(
    sql,
    'INSERT',
    'campaign_decisions',
    ['campaign', 'trigger', 'user_id', 'outcome', 'at'],
    decisions,
  );
  // The values every row shares are bound once, not repeated in each
  // row's JSON (json_each's extractions were most of these inserts' cost).
  if (ledger.length > 0)
    sql.exec(
      'INSERT INTO ledger (user_id, campaign, at, delivery_id, control) SELECT value->>0, ?1, value->>1, value->>2, value->>3 FROM json_each(?2) ORDER BY key',
      key,
      JSON.stringify(ledger),
    );
  if (outbox.length > 0)
    sql.exec(
      'INSERT INTO campaign_outbox (campaign, slice, status, version, item) SELECT ?1, value->>0, ?2, ?3, value->>1 FROM json_each(?4) ORDER BY key',
      key,
      status,
      version,
      JSON.stringify(outbox),
    );
  bump(sql, key, 'targeted', decided.length);
  for (const [outcome, n] of Object.entries(tally))
    bump(sql, key, outcome === 'ok' ? 'accepted' : outcome, n);
  bumpGroup(sql, key, 'sent', tally.ok ?? 0);
  bumpGroup(sql, key, 'control', tally.control ?? 0);
}

/** Outcomes stored earlier for (campaign, triggerKey) among `ids`: Map id → outcome. */
function storedOutcomes(sql, campaign, triggerKey, ids, range = false) {
  const found = new Map();
  if (range) {
    const wanted = new Set(ids);
    const rows = sql.exec(
      'SELECT user_id, outcome FROM campaign_decisions WHERE campaign = ? AND trigger = ? AND user_id >= ? AND user_id <= ?',
      campaign,
      triggerKey,
      ids[0],
      ids[ids.length - 1],
    );
    for (const r of rows) if (wanted.has(r.user_id)) found.set(r.user_id, r.outcome);
    return found;
  }
  for (let i = 0; i < ids.length; i += MAX_VARS - 2) {
    const part = ids.slice(i, i + MAX_VARS - 2);
    const rows = sql.exec(
      `SELECT user_id, outcome FROM campaign_decisions WHERE campaign = ? AND trigger = ? AND user_id IN (${part.map(() => '?').join(',')})`,
      campaign,
      triggerKey,
      ...part,
    );
    for (const r of rows) found.set(r.user_id, r.outcome);
  }
  return found;
}

/** Reads user rows [{ id, properties }] for `ids` (missing users are absent). */
function userRows(sql, ids) {
  const rows = [];
  for (let i = 0; i < ids.length; i += MAX_VARS) {
    const part = ids.slice(i, i + MAX_VARS);
    rows.push(
      ...sql
        .exec(
          `SELECT id, properties FROM users WHERE id IN (${part.map(() => '?').join(',')})`,
          ...part,
        )
        .toArray(),
    );
  }
  return rows;
}

/**
 * shard.campaignCandidates({ snapshot, trigger, dryRun, forward }): see the
 * file header and docs/design.md ("The path of a message"); `forward: false` returns once
 * the decisions are committed, without awaiting the outbox hand-off. `shard` is the UserShard
 * ({ sql, ctx, env }). Returns { ok: true, accepted, suppressed: { reason:
 * count } }, or with dryRun the audience-check figures of this shard.
 */
export async function campaignCandidates(
  shard,
  { snapshot, trigger, dryRun = false, forward = true },
) {
  const prep = await prepare(shard, snapshot, trigger);
  if (prep.error) return prep.error;
  try {
    if (dryRun) return await audienceCheck(shard, prep, snapshot, { ...trigger, kind: 'schedule' });
    const notBefore = notBeforeOf(prep.engine, snapshot, trigger);
    const paced = Number(snapshot.rateLimit?.perMinute ?? 0) > 0;
    const rounds = candidateRounds(trigger);
    const sliceOf = paced
      ? () => PACED_SLICE
      : sliceChooser(shard, rounds === null ? 0 : Math.max(...rounds.map((r) => r.length), 0));
    const answer = { ok: true, accepted: 0, suppressed: {} };
    const count = (outcome) => {
      if (outcome === 'ok') answer.accepted++;
      else answer.suppressed[outcome] = (answer.suppressed[outcome] ?? 0) + 1;
    };
    if (rounds === null) {
      // A schedule: every user of this shard, in id order, chunk by chunk,
      // each its own transaction, other requests served between them
      // (turns.js); chunks sized by the webhook's placeholders.
      const size = chunkSize(
        1 + (prep.webhook ? prep.engine.variables(snapshot.webhook).length : 0),
        CANDIDATE_CHUNK,
      );
      let first = true;
      for (const rows of userChunks(shard.sql, size)) {
        if (!first) await nextTurn();
        first = false;
        decideAndRecord(shard, prep, snapshot, trigger, String(trigger.id), rows, {
          scheduled: true,
          sliceOf,
          notBefore,
          count,
        });
        // Hand over what this chunk accepted while the next is decided: the
        // first messages leave seconds earlier, and the outbox stays small.
        if (forward) forwardOutbox(shard);
      }
    } else {
      rounds.forEach((round, k) => {
        const triggerKey = k === 0 ? String(trigger.id) : `${trigger.id}#${k}`;
        for (let i = 0; i < round.length; i += CANDIDATE_CHUNK) {
          const part = round.slice(i, i + CANDIDATE_CHUNK);
          shard.ctx.storage.transactionSync(() => {
            // A recipient who is not a stored user is created, as an event does.
            const now = Date.now();
            for (const c of part) {
              shard.sql.exec(
                "INSERT OR IGNORE INTO users (id, properties, created_at, updated_at, last_seen_at) VALUES (?, '{}', ?, ?, NULL)",
                c.userId,
                now,
                now,
              );
            }
            const byId = new Map(
              userRows(
                shard.sql,
                part.map((c) => c.userId),
              ).map((r) => [r.id, r]),
            );
            const rows = part.map((c) => ({ ...byId.get(c.userId), override: c.properties }));
            decideAndRecord(shard, prep, snapshot, trigger, triggerKey, rows, {
              scheduled: false,
              sliceOf,
              notBefore,
              count,
              inTransaction: true,
            });
          });
        }
      });
    }
    // forward: false leaves the hand-off to the caller (event triggers start
    // one forward for a whole events call, see shards/triggers.js).
    if (forward) await forwardOutbox(shard);
    return answer;
  } finally {
    prep.dispose();
  }
}

/** How long a shard's user count is trusted for choosing slice counts. */
const USER_COUNT_TTL_MS = 10_000;

/**
 * The slice of each accepted message of a non-paced send: a stable hash of
 * the user id over as many slices as the audience asks (delivery/slices.js).
 * The audience is estimated from this shard's share: its user count (kept
 * 10 s), or the recipients this call names when they are more (an API send
 * to users not stored yet).
 */
function sliceChooser(shard, recipients) {
  const now = Date.now();
  if (!shard.userCount || now - shard.userCount.at > USER_COUNT_TTL_MS)
    shard.userCount = { n: shard.sql.exec('SELECT count(*) AS n FROM users').one().n, at: now };
  const share = Math.max(shard.userCount.n, recipients);
  const count = sliceCount(audienceOf(share), sliceSettings(shard.env));
  return (userId) => String(sliceFor(userId, count));
}

/** One chunk: skip users already decided for this trigger, decide the rest, record, count. */
function decideAndRecord(
  shard,
  prep,
  snapshot,
  trigger,
  triggerKey,
  rows,
  { scheduled, sliceOf, notBefore, count, inTransaction = false },
) {
  const work = () => {
    const stored = storedOutcomes(
      shard.sql,
      snapshot.key,
      triggerKey,
      rows.map((r) => r.id),
      scheduled,
    );
    for (const outcome of stored.values()) count(outcome);
    const fresh = rows.filter((r) => !stored.has(r.id));
    if (fresh.length === 0) return;
    const decided = decideChunk(shard, prep, snapshot, trigger, fresh, { scheduled });
    record(shard, snapshot, trigger, triggerKey, decided, sliceOf, notBefore);
    for (const d of decided) count(d.outcome);
  };
  if (inTransaction) work();
  else shard.ctx.storage.transactionSync(work);
}

/**
 * The event triggers of campaign `snapshot` in one events call, decided many
 * at a time (shards/triggers.js): one prepare (cohort, webhook, fatigue
 * policy, slice choice) for the whole call, then `decide(candidates, also)`
 * per chunk of up to `chunkSize` candidates [{ triggerKey, userId, event:
 * { key, propertiesJson (stored text), at } }]: ONE transaction (stored outcomes, cohort,
 * fatigue, render, control group, record, then `also()`, the caller's
 * deletion of the chunk's trigger rows) and one engine batch per distinct
 * event instant. Each candidate keeps its own event (its render context and
 * its instant: cohort `now`, fatigue `now`, ledger `at`, send delay) and its
 * own trigger key (decisions per (trigger, user), dedupe
 * `${triggerKey}/${userId}`). The user ids of one chunk are distinct: a
 * user's second event of the call goes in a later chunk, so it sees the
 * first one's ledger row. `decide` returns { accepted, suppressed } and
 * throws when its transaction failed (nothing of the chunk recorded).
 * `{ fresh: true }`: the candidates' events are being stored in the
 * enclosing transaction (shards/triggers.js decideInTransaction), so no
 * outcome of theirs can be stored yet and none is recorded (the commit
 * that stores an event stores its decisions: it is never decided twice).
 * `recipients`: the candidates of the call (slice choice, as
 * campaignCandidates). Resolves to { ok: true, chunkSize, decide, dispose },
 * or { ok: false, code: 'invalid_rule', problems } for a stored cohort the
 * engine no longer compiles.
 */
export async function eventSender(shard, snapshot, recipients) {
  const prep = await prepare(shard, snapshot, {
    kind: 'event',
    sendAtMs: Date.now(),
    rules: snapshot.frequencyRules,
  });
  if (prep.error) return prep.error;
  const paced = Number(snapshot.rateLimit?.perMinute ?? 0) > 0;
  const sliceOf = paced ? () => PACED_SLICE : sliceChooser(shard, recipients);
  // Per event instant: the cohort's needs, the trigger decideChunk reads, the send delay.
  const instants = new Map();
  const instant = (at) => {
    let found = instants.get(at);
    if (!found) {
      const trigger = { kind: 'event', sendAtMs: at };
      found = {
        prep: prep.cohort ? { ...prep, needs: prep.cohort.needs(at) } : prep,
        trigger,
        notBefore: notBeforeOf(prep.engine, snapshot, trigger),
      };
      instants.set(at, found);
    }
    return found;
  };
  const decide = (candidates, also, { fresh: unseen = false } = {}) => {
    const answer = { accepted: 0, suppressed: {} };
    const count = (outcome) => {
      if (outcome === 'ok') answer.accepted++;
      else answer.suppressed[outcome] = (answer.suppressed[outcome] ?? 0) + 1;
    };
    shard.ctx.storage.transactionSync(() => {
      const { sql } = shard;
      const stored = unseen ? new Map() : storedTriggerOutcomes(sql, snapshot.key, candidates);
      const fresh = [];
      for (const c of candidates) {
        const outcome = stored.get(`${c.triggerKey}\u0000${c.userId}`);
        if (outcome === undefined) fresh.push(c);
        else count(outcome);
      }
      if (fresh.length > 0) {
        const byId = new Map(
          userRows(
            sql,
            fresh.map((c) => c.userId),
          ).map((r) => [r.id, r]),
        );
        const byAt = new Map();
        for (const c of fresh) {
          // The user was deleted since the event (with their events): nothing to send.
          if (!byId.has(c.userId)) continue;
          if (!byAt.has(c.event.at)) byAt.set(c.event.at, []);
          byAt.get(c.event.at).push(c);
        }
        const decided = [];
        for (const [at, group] of byAt) {
          const { prep: atPrep, trigger, notBefore } = instant(at);
          const rows = group.map((c) => ({ ...byId.get(c.userId), event: c.event }));
          const keyOf = new Map(group.map((c) => [c.userId, c.triggerKey]));
          for (const d of decideChunk(shard, atPrep, snapshot, trigger, rows, {
            scheduled: false,
          })) {
            d.triggerKey = keyOf.get(d.id);
            d.at = at;
            d.notBefore ??= notBefore;
            decided.push(d);
          }
        }
        record(shard, snapshot, { kind: 'event' }, null, decided, sliceOf, null, {
          decisions: !unseen,
        });
        for (const d of decided) count(d.outcome);
      }
      also?.();
    });
    return answer;
  };
  return {
    ok: true,
    chunkSize: chunkSize(
      1 + (prep.webhook ? prep.engine.variables(snapshot.webhook).length : 0),
      CANDIDATE_CHUNK,
    ),
    decide,
    dispose: () => prep.dispose(),
  };
}

/** Outcomes stored earlier for campaign `campaign` among candidates [{ triggerKey, userId }]: Map `${triggerKey}\0${userId}` → outcome. */
function storedTriggerOutcomes(sql, campaign, candidates) {
  const found = new Map();
  const keys = [...new Set(candidates.map((c) => c.triggerKey))];
  for (const r of sql.exec(
    'SELECT trigger, user_id, outcome FROM campaign_decisions WHERE campaign = ? AND trigger IN (SELECT value FROM json_each(?))',
    campaign,
    JSON.stringify(keys),
  ))
    found.set(`${r.trigger}\u0000${r.user_id}`, r.outcome);
  return found;
}

/**
 * Every user of a shard as { id, properties } rows, in id order, CANDIDATE_CHUNK
 * at a time (a schedule's candidates, and the audience check's).
 */
function* userChunks(sql, size = CANDIDATE_CHUNK) {
  let after = null;
  for (;;) {
    const rows =
      after === null
        ? sql.exec('SELECT id, properties FROM users ORDER BY id LIMIT ?', size).toArray()
        : sql
            .exec('SELECT id, properties FROM users WHERE id > ? ORDER BY id LIMIT ?', after, size)
            .toArray();
    if (rows.length === 0) return;
    after = rows[rows.length - 1].id;
    yield rows;
  }
}

/**
 * Audience check of this shard (nothing recorded): the cohort's members
 * now are the candidates; fatigue and personalization as a send would
 * decide them. Fallback counts come from the engine
 * (webhook.fallbackCountsJson over the users who would be sent it): per
 * variable, the users who would get its fallback, or nothing for want of one.
 *
 * Chunks are sized by the webhook's placeholders (turns.js) and the check
 * awaits a turn between them: a webhook with the most placeholders over a
 * large shard never holds other requests for more than one chunk.
 */
async function audienceCheck(shard, prep, snapshot, trigger) {
  const out = { candidates: 0, wouldSend: 0, fallbacks: {}, refused: {}, suppressed: {} };
  // A render, then the fallback count over the same placeholders.
  const size = chunkSize(1 + 2 * prep.engine.variables(snapshot.webhook).length, CANDIDATE_CHUNK);
  let first = true;
  for (const rows of userChunks(shard.sql, size)) {
    if (!first) await nextTurn();
    first = false;
    const decided = decideChunk(shard, prep, snapshot, trigger, rows, { scheduled: true });
    const sent = [];
    for (const d of decided) {
      out.candidates++;
      if (d.outcome === 'ok') {
        out.wouldSend++;
        sent.push(d);
      } else if (d.outcome === 'personalization') {
        const code =
          (d.problems ?? []).find((p) => p.severity === 'error')?.code ?? 'personalization';
        const r = (out.refused[code] ??= { count: 0, sample: [] });
        r.count++;
        if (r.sample.length < SAMPLE_SIZE) r.sample.push(d.id);
      } else {
        out.suppressed[d.outcome] = (out.suppressed[d.outcome] ?? 0) + 1;
      }
    }
    if (prep.webhook && sent.length) {
      for (const { variable, count } of prep.webhook.fallbackCountsJson(
        `[${sent.map((d) => d.contextJson).join(',')}]`,
      )) {
        if (count > 0)
          out.fallbacks[variable.display] = (out.fallbacks[variable.display] ?? 0) + count;
      }
    }
  }
  return { ok: true, ...out };
}

/**
 * Hands outbox rows to their CampaignDispatch objects, OUTBOX_CHUNK at a
 * time, deleting each chunk once the object has stored it. One forward runs
 * per shard at a time (a second call waits for it and runs again). On a
 * failure the rows stay and the shard's alarm tries again.
 */
export async function forwardOutbox(shard) {
  if (shard.forwarding) {
    shard.forwardAgain = true;
    return shard.forwarding;
  }
  shard.forwarding = (async () => {
    // Yield first: with an empty outbox the body would otherwise run to its
    // `finally` (forwarding = null) before this assignment stores the
    // promise, leaving a settled promise marked "in flight" for ever, and
    // every later forward of this shard would wait on it.
    await null;
    try {
      do {
        shard.forwardAgain = false;
        for (;;) {
          const rows = shard.sql
            .exec(
              'SELECT seq, campaign, slice, status, version, item FROM campaign_outbox ORDER BY seq LIMIT ?',
              OUTBOX_CHUNK * 4,
            )
            .toArray();
          if (rows.length === 0) break;
          const groups = new Map();
          for (const r of rows) {
            const k = `${r.campaign}\u0000${r.slice}`;
            if (!groups.has(k)) groups.set(k, []);
            groups.get(k).push(r);
          }
          for (const group of groups.values()) {
            for (let i = 0; i < group.length; i += OUTBOX_CHUNK) {
              const part = group.slice(i, i + OUTBOX_CHUNK);
              const last = part[part.length - 1];
              await dispatchStub(shard.env, last.campaign, last.slice).enqueue({
                key: last.campaign,
                slice: last.slice,
                status: last.status,
                version: last.version,
                // The stored item JSON as is: parsed once, by the dispatch's SQLite.
                itemsJson: `[${part.map((r) => r.item).join(',')}]`,
              });
              deleteIn(
                shard.sql,
                'campaign_outbox',
                'seq',
                part.map((r) => r.seq),
              );
            }
          }
        }
      } while (shard.forwardAgain);
    } catch (e) {
      console.error('hookcast: outbox forward failed; the alarm retries', e?.message ?? e);
      await armNoLaterThan(shard.ctx.storage, Date.now() + FORWARD_RETRY_MS);
    } finally {
      shard.forwarding = null;
    }
  })();
  return shard.forwarding;
}

/**
 * The shard alarm's part for sends: forwards outbox leftovers (a crash
 * between commit and hand-off), forgets decisions older than
 * DECISIONS_KEPT_MS, and keeps the alarm soon while rows remain.
 */
export async function sendsAlarm(shard) {
  shard.sql.exec('DELETE FROM campaign_decisions WHERE at < ?', Date.now() - DECISIONS_KEPT_MS);
  await forwardOutbox(shard);
  const [{ n }] = shard.sql.exec('SELECT count(*) AS n FROM campaign_outbox').toArray();
  if (n > 0) await armNoLaterThan(shard.ctx.storage, Date.now() + FORWARD_RETRY_MS);
}

/** Arms the alarm when the outbox holds rows (after a restart, before any new send). */
export async function armIfOutbox(shard) {
  const [{ n }] = shard.sql.exec('SELECT count(*) AS n FROM campaign_outbox').toArray();
  if (n > 0) await armNoLaterThan(shard.ctx.storage, Date.now());
}

/** campaign_counts of `key`: { targeted, accepted, suppressed: { reason: count } }. */
export function campaignCounts(shard, key) {
  const out = { targeted: 0, accepted: 0, suppressed: {} };
  for (const r of shard.sql.exec(
    'SELECT reason, count FROM campaign_counts WHERE campaign = ?',
    key,
  )) {
    if (r.reason === 'targeted' || r.reason === 'accepted') out[r.reason] = r.count;
    else out.suppressed[r.reason] = r.count;
  }
  return out;
}

/**
 * Removes the ledger rows of campaign `key`'s messages `items` ([{ userId,
 * dedupe }]; dedupe is the ledger's delivery_id): messages a dispatch slice
 * ended without sending (cancelled by `end`, refused at dispatch; see
 * delivery/dispatch_unsent.js). They no longer count as sent: not in exposures, the
 * user's sends or any cap. One indexed delete per message (by user), one
 * transaction. Idempotent. Answers { ok, removed }.
 */
export function forgetSends(shard, key, items) {
  let removed = 0;
  shard.ctx.storage.transactionSync(() => {
    for (const { userId, dedupe } of items) {
      const rows = shard.sql
        .exec(
          'DELETE FROM ledger WHERE user_id = ? AND campaign = ? AND delivery_id = ? AND control = 0 RETURNING at',
          userId,
          key,
          dedupe,
        )
        .toArray();
      // Out of the experiment's sent group too (shards/experiments.js).
      for (const r of rows) forgetSend(shard.sql, key, userId, r.at);
      removed += rows.length;
    }
  });
  return { ok: true, removed };
}
