// The campaign half of the Workspace Durable Object (workspace/workspace.js holds the
// class; it calls these functions with itself as `ws`, giving them ws.sql,
// ws.ctx and ws.env). Campaigns, their status, the workspace's frequency-cap
// settings, API-send idempotency and the schedule runs live here.
//
// Tables (times: ms since the epoch):
//   campaigns(key, seq, title, description, status, content JSON, signing_secret,
//             version, created_at, updated_at, started_at, ended_at, next_run_at)
//     content = { webhook, target, send, fatigue, rateLimit, timeoutMs, experiment, quietHours }; version
//     grows on every stored change that alters the campaign's snapshot.
//   campaign_meta(name, value)        'next_seq' (keys are never reused), 'version'
//                                     (grows with every campaign or settings change:
//                                     the worker's cache key for event campaigns)
//   workspace_settings(name, value)   'frequency_capping' = { rules },
//                                     'quiet_hours' = { start, end, timeZone, fallbackTimeZone? } | {}
//   campaign_runs(run_id, campaign, due_at, send_at, shards_done, finished_at)
//     one row per schedule occurrence; shards_done is a bit per user shard that
//     has taken its slice (a re-fired alarm asks only the others).
//   campaign_slices(campaign, slice)  the dispatch objects a campaign has used
//   api_sends(campaign, idem_key, dispatch_id, body_hash, send_at, answer, created_at)
//     Idempotency-Key records, 24 h; answer is null while the call is unfinished.
//
// Every rule (status machine, editability, launch check) is the engine's;
// these functions read, ask the engine, and write in one synchronous stretch
// (no await in between), which a Durable Object commits atomically.

import { logStoredRuleInvalid } from '../http/errors.js';
import { getEngine, engineOptions, capabilitiesOf, statusesWhere } from '../engine.js';
import { DEFAULT_TIMEOUT_MS } from '../delivery/deliver.js';
import { SHARD_COUNT } from '../constants.js';
import { shardStub } from '../stubs.js';
import {
  LAST_SCHEDULE_INSTANT_MS,
  LATEST_ZONE,
  EARLIEST_ZONE,
  USER_ZONE_SPAN_MS,
  nextOccurrenceMs,
  nextUserZoneRunMs,
  scheduleInstants,
  sendInZone,
} from '../../../src/js/timezone.js';
import { randomBase32 } from '../base32.js';

/** How long an Idempotency-Key answer is kept. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** While a schedule run is under way, the alarm stays armed this far ahead (crash backstop). */
const RUN_BACKSTOP_MS = 5_000;
const ALL_SHARDS = 2 ** SHARD_COUNT - 1;

/**
 * A storage filter `status IN (…)` over `statuses` (a list from the
 * engine's capabilities, statusesWhere), with its values: SQL never spells a
 * status. An empty list matches nothing.
 */
function statusIn(statuses) {
  return { sql: `status IN (${statuses.map(() => '?').join(',') || 'NULL'})`, values: statuses };
}

const DEFAULT_FATIGUE = Object.freeze({ resend: null, frequencyCapping: false });
/** The longest goal window (experiment.goal.within ≤ 30 days, the engine's check). */
const MAX_GOAL_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** The fields of a campaign a PATCH may carry, other than title/description. */
export const CONTENT_FIELDS = [
  'webhook',
  'target',
  'send',
  'fatigue',
  'rateLimit',
  'signingSecret',
  'timeoutMs',
  'experiment',
  'quietHours',
];

/** Creates the campaign tables (idempotent). */
export function createCampaignTables(sql) {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS campaigns (
      key TEXT PRIMARY KEY,
      seq INTEGER NOT NULL UNIQUE,
      title TEXT NOT NULL,
      description TEXT NOT NULL,
      status TEXT NOT NULL,
      content TEXT NOT NULL,
      signing_secret TEXT,
      version INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      started_at INTEGER,
      ended_at INTEGER,
      next_run_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS campaign_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS workspace_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS campaign_runs (
      run_id TEXT PRIMARY KEY,
      campaign TEXT NOT NULL,
      due_at INTEGER NOT NULL,
      send_at INTEGER NOT NULL,
      shards_done INTEGER NOT NULL DEFAULT 0,
      finished_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS campaign_runs_open ON campaign_runs (finished_at);
    CREATE INDEX IF NOT EXISTS campaign_runs_campaign ON campaign_runs (campaign, send_at);
    CREATE TABLE IF NOT EXISTS campaign_slices (campaign TEXT NOT NULL, slice TEXT NOT NULL, PRIMARY KEY (campaign, slice));
    CREATE TABLE IF NOT EXISTS api_sends (
      campaign TEXT NOT NULL,
      idem_key TEXT NOT NULL,
      dispatch_id TEXT NOT NULL,
      body_hash TEXT NOT NULL,
      send_at INTEGER NOT NULL,
      answer TEXT,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (campaign, idem_key)
    );
    CREATE INDEX IF NOT EXISTS api_sends_created ON api_sends (created_at);
  `);
}

// ---- small helpers --------------------------------------------------------------

function meta(sql, name, fallback = 0) {
  const [row] = sql.exec('SELECT value FROM campaign_meta WHERE name = ?', name).toArray();
  return row ? row.value : fallback;
}

function setMeta(sql, name, value) {
  sql.exec(
    'INSERT INTO campaign_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    name,
    value,
  );
}

/** Bumps the workspace-wide change counter (event-campaign cache key). */
function touchWorkspace(sql) {
  setMeta(sql, 'version', meta(sql, 'version') + 1);
}

/**
 * A new campaign key: `c_<n>_<4 random>`, n from a persisted counter that
 * only grows (so a key is never reused, even in a workspace restored from an
 * older copy the random part keeps it apart), URL-safe by construction.
 */
function newKey(sql) {
  const seq = meta(sql, 'next_seq', 1);
  setMeta(sql, 'next_seq', seq + 1);
  return { key: `c_${seq}_${randomBase32(4)}`, seq };
}

/** A stored row as the record the routes answer from (times in ms). */
function recordOf(row) {
  const content = JSON.parse(row.content);
  return {
    key: row.key,
    title: row.title,
    description: row.description,
    status: row.status,
    webhook: content.webhook ?? null,
    target: content.target ?? null,
    send: content.send ?? null,
    fatigue: content.fatigue ?? { ...DEFAULT_FATIGUE },
    rateLimit: content.rateLimit ?? null,
    timeoutMs: content.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    quietHours: content.quietHours === true,
    experiment: content.experiment ?? null,
    signed: row.signing_secret !== null,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at ?? null,
  };
}

/** A campaign row with `last_run_at`: its latest schedule run's send time (null before the first). */
const ROW =
  'SELECT c.*, (SELECT max(send_at) FROM campaign_runs r WHERE r.campaign = c.key) AS last_run_at FROM campaigns c';

function rowOf(sql, key) {
  const [row] = sql.exec(`${ROW} WHERE c.key = ?`, key).toArray();
  return row ?? null;
}

const refusal = (status, code, message, problems) => ({
  ok: false,
  status,
  code,
  message,
  problems,
});

/** Content fields of `fields` (a checked create/PATCH body) merged over `content`. */
function mergeContent(content, fields) {
  const next = { ...content };
  for (const name of [
    'webhook',
    'target',
    'send',
    'fatigue',
    'rateLimit',
    'timeoutMs',
    'experiment',
    'quietHours',
  ]) {
    if (fields[name] !== undefined) next[name] = fields[name];
  }
  if (next.fatigue === null) next.fatigue = { ...DEFAULT_FATIGUE };
  if (next.fatigue) next.fatigue = { ...DEFAULT_FATIGUE, ...next.fatigue };
  if (next.timeoutMs === null) delete next.timeoutMs;
  if (next.experiment === null) delete next.experiment;
  return next;
}

// ---- CRUD -------------------------------------------------------------------------

/**
 * The refusal of a target naming a cohort that does not exist, or null.
 * Checked here, in the same synchronous stretch as the write, so a cohort
 * deleted while a campaign is created or edited to target it cannot leave a
 * campaign aiming at nothing: deleteCohort (workspace.js) runs in this
 * object too, and one of the two sees the other's result.
 */
function absentCohortRefusal(sql, target) {
  const id = target?.cohort;
  if (typeof id !== 'string' || cohortExists(sql, id)) return null;
  const message = `No cohort ${JSON.stringify(id.slice(0, 100))}; create it with POST /v1/cohorts first.`;
  return refusal(400, 'unknown_cohort', message, [
    { field: 'target.cohort', code: 'unknown_cohort', message, severity: 'error' },
  ]);
}

/**
 * Stores a new campaign (in the engine's initialStatus, ready) from a body
 * the route has checked (engine.checkCampaign + time zone). Returns
 * { ok: true, campaign } or a refusal (its target cohort does not exist).
 */
export async function createCampaign(ws, fields, nowMs) {
  const { initialStatus } = (await getEngine()).vocabulary();
  const { sql } = ws;
  return ws.ctx.storage.transactionSync(() => {
    const missing = absentCohortRefusal(sql, fields.target);
    if (missing) return missing;
    const { key, seq } = newKey(sql);
    const content = mergeContent({}, fields);
    sql.exec(
      `INSERT INTO campaigns (key, seq, title, description, status, content, signing_secret, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
      key,
      seq,
      fields.title,
      fields.description ?? '',
      initialStatus,
      JSON.stringify(content),
      fields.signingSecret ?? null,
      nowMs,
      nowMs,
    );
    touchWorkspace(sql);
    return { ok: true, campaign: recordOf(rowOf(sql, key)) };
  });
}

/** Every campaign, oldest first. */
export function listCampaigns(ws) {
  return ws.sql.exec(`${ROW} ORDER BY c.seq`).toArray().map(recordOf);
}

/** One campaign's record, or null. */
export function getCampaign(ws, key) {
  const row = rowOf(ws.sql, key);
  return row ? recordOf(row) : null;
}

/**
 * Applies a checked PATCH body. The engine says whether the fields may
 * change in the current status; a refusal changes nothing. Returns
 * { ok: true, campaign } or a refusal { ok: false, status, code, message }.
 */
export async function updateCampaign(ws, key, fields, nowMs) {
  const engine = await getEngine();
  const { sql } = ws;
  return ws.ctx.storage.transactionSync(() => {
    const row = rowOf(sql, key);
    if (!row) return refusal(404, 'not_found', `No campaign ${JSON.stringify(key)}.`);
    const touched = Object.keys(fields).filter((f) => fields[f] !== undefined);
    const editable = engine.campaignEditable(row.status, touched);
    if (!editable.ok) return refusal(409, editable.code, editable.message);
    const missing = absentCohortRefusal(sql, fields.target);
    if (missing) return missing;
    const content = mergeContent(JSON.parse(row.content), fields);
    const secret = fields.signingSecret === undefined ? row.signing_secret : fields.signingSecret;
    let nextRun = row.next_run_at;
    // A paused campaign whose send really changed (a PATCH that repeats the
    // same send, as a form saving every field does, changes nothing) runs at
    // its new time: a one-off at `at` (at resume if that has passed), a
    // repeat at its next occurrence from now.
    const sendChanged =
      fields.send !== undefined &&
      JSON.stringify(fields.send) !== JSON.stringify(JSON.parse(row.content).send ?? null);
    if (sendChanged && engine.campaignCapabilities(row.status).waitsForResume)
      nextRun = nextRunOf(engine, content.send, nowMs);
    sql.exec(
      `UPDATE campaigns SET title = ?, description = ?, content = ?, signing_secret = ?, version = version + 1,
         updated_at = ?, next_run_at = ? WHERE key = ?`,
      fields.title ?? row.title,
      fields.description ?? row.description,
      JSON.stringify(content),
      secret,
      nowMs,
      nextRun,
      key,
    );
    touchWorkspace(sql);
    return { ok: true, campaign: recordOf(rowOf(sql, key)) };
  });
}

/** When an edited schedule send runs next: a one-off at its time, a repeat at its next occurrence from `nowMs`. */
function nextRunOf(engine, send, nowMs) {
  if (!send || send.type !== 'schedule') return null;
  if (send.timeZone === 'user')
    return (
      nextUserZoneRunMs(engine, send, nowMs - 1) ??
      scheduleInstants(engine, sendInZone(send, EARLIEST_ZONE)).firstMs
    );
  return send.repeat
    ? nextOccurrenceMs(engine, send, nowMs - 1)
    : scheduleInstants(engine, send).firstMs;
}

/**
 * start | pause | resume | end. The engine's status machine decides; start
 * also needs the engine's launch check (every missing piece, a schedule in
 * the past). Returns { ok: true, campaign } or a refusal.
 */
export async function transitionCampaign(ws, key, action, nowMs) {
  const engine = await getEngine();
  const { sql } = ws;
  const result = ws.ctx.storage.transactionSync(() => {
    const row = rowOf(sql, key);
    if (!row) return refusal(404, 'not_found', `No campaign ${JSON.stringify(key)}.`);
    const moved = engine.campaignTransition(row.status, action);
    if (!moved.ok) return refusal(409, moved.code, moved.message);
    const campaign = recordOf(row);
    let nextRun = row.next_run_at;
    if (action === 'start') {
      const problems = launchProblems(engine, ws, campaign, row, nowMs);
      if (problems.length > 0) {
        // Answered with error.code = the first problem's code (http/errors.js).
        return refusal(
          400,
          null,
          'The campaign cannot start yet; every missing piece is listed in problems.',
          problems,
        );
      }
      // The first occurrence after now: `at` itself, or (a repeat whose
      // first days have passed) the next one.
      const schedule = campaign.send?.type === 'schedule' ? campaign.send : null;
      // "user": the first occurrence some zone still has ahead (its run may
      // be now, mid-span; users whose own instant passed are skipped).
      if (schedule?.timeZone === 'user') nextRun = nextUserZoneRunMs(engine, schedule, nowMs);
      else nextRun = schedule ? nextOccurrenceMs(engine, schedule, nowMs) : null;
    }
    if (action === 'end') nextRun = null;
    sql.exec(
      `UPDATE campaigns SET status = ?, version = version + 1, updated_at = ?, next_run_at = ?,
         started_at = CASE WHEN ? = 'start' THEN ? ELSE started_at END,
         ended_at = CASE WHEN ? THEN ? ELSE ended_at END
       WHERE key = ?`,
      moved.status,
      nowMs,
      nextRun,
      action,
      nowMs,
      // Ended is final: the engine's word (capabilities.final), stored as 0/1.
      engine.campaignCapabilities(moved.status).final ? 1 : 0,
      nowMs,
      key,
    );
    touchWorkspace(sql);
    return { ok: true, campaign: recordOf(rowOf(sql, key)) };
  });
  if (result.ok) await armScheduleAlarm(ws);
  return result;
}

/**
 * Every reason `start` would refuse the stored campaign at `nowMs`: the
 * engine's launch check (webhook, target, send, a schedule in the past) and
 * a target cohort that no longer exists (`unknown_cohort`). Empty: it may start.
 */
function launchProblems(engine, ws, campaign, row, nowMs) {
  let schedule = null;
  if (campaign.send?.type === 'schedule') {
    try {
      // "user": the launch check calls it past only when UTC-12's instant is.
      const send =
        campaign.send.timeZone === 'user' ? sendInZone(campaign.send, LATEST_ZONE) : campaign.send;
      schedule = scheduleInstants(engine, send);
    } catch (e) {
      // Local times a row stored before today's checks cannot place in its zone.
      const message = `The schedule's time cannot be placed in its time zone (${String(e?.message ?? e).slice(0, 200)}); PATCH send.`;
      return [{ field: 'send.at', code: 'invalid_date_time', message, severity: 'error' }];
    }
  }
  const launch = engine.launchCheck(launchable(campaign, row), {
    nowMs,
    scheduleAtMs: schedule?.firstMs ?? null,
    untilMs: schedule?.untilMs ?? null,
    ...engineOptions(ws.env),
  });
  const problems = launch.problems.filter((p) => p.severity === 'error');
  if (campaign.target?.cohort && !cohortExists(ws.sql, campaign.target.cohort)) {
    problems.push({
      field: 'target.cohort',
      code: 'unknown_cohort',
      message: `No cohort ${campaign.target.cohort}.`,
      severity: 'error',
    });
  }
  return problems;
}

/**
 * What `start` would answer now, without starting: { ok: true, launchable,
 * problems } (a status start cannot leave is the problem `status`
 * invalid_transition), or a 404 refusal.
 */
export async function launchCheck(ws, key, nowMs) {
  const engine = await getEngine();
  const row = rowOf(ws.sql, key);
  if (!row) return refusal(404, 'not_found', `No campaign ${JSON.stringify(key)}.`);
  const moved = engine.campaignTransition(row.status, 'start');
  const problems = moved.ok
    ? launchProblems(engine, ws, recordOf(row), row, nowMs)
    : [{ field: 'status', code: moved.code, message: moved.message, severity: 'error' }];
  return { ok: true, launchable: problems.length === 0, problems };
}

/** The campaign as the engine's launch check reads it (a create/PATCH body's fields). */
function launchable(campaign, row) {
  const { title, description, webhook, target, send, fatigue, rateLimit, timeoutMs, quietHours } =
    campaign;
  const experiment = campaign.experiment ?? undefined;
  return {
    title,
    description,
    webhook,
    target,
    send,
    fatigue,
    rateLimit,
    timeoutMs,
    experiment,
    quietHours,
    signingSecret: row.signing_secret ?? undefined,
  };
}

function cohortExists(sql, id) {
  return sql.exec('SELECT 1 FROM cohorts WHERE id = ?', id).toArray().length > 0;
}

/** True while a campaign whose status is not final (not ended) targets cohort `id`. */
export function cohortInUse(ws, engine, id) {
  const open = statusIn(statusesWhere(engine, 'final', null, false));
  for (const row of ws.sql.exec(
    `SELECT content FROM campaigns WHERE ${open.sql}`,
    ...open.values,
  )) {
    if (JSON.parse(row.content).target?.cohort === id) return true;
  }
  return false;
}

/** A cohort's rule changed: every campaign targeting it gets a new snapshot version. */
export function cohortChanged(ws, id) {
  let any = false;
  for (const row of ws.sql.exec('SELECT key, content FROM campaigns').toArray()) {
    if (JSON.parse(row.content).target?.cohort !== id) continue;
    ws.sql.exec('UPDATE campaigns SET version = version + 1 WHERE key = ?', row.key);
    any = true;
  }
  if (any) touchWorkspace(ws.sql);
}

// ---- snapshots (what shards and dispatch objects work from) ------------------------

/** The workspace's frequency-capping settings: { rules }. */
export function frequencyCapping(ws) {
  const [row] = ws.sql
    .exec("SELECT value FROM workspace_settings WHERE name = 'frequency_capping'")
    .toArray();
  return row ? JSON.parse(row.value) : { rules: [] };
}

/**
 * Stores frequency-capping settings the route checked with
 * engine.checkFrequencyCapping. Every campaign's snapshot changes with them.
 */
export function setFrequencyCapping(ws, settings) {
  const value = { rules: settings.rules };
  ws.ctx.storage.transactionSync(() => {
    ws.sql.exec(
      "INSERT INTO workspace_settings (name, value) VALUES ('frequency_capping', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      JSON.stringify(value),
    );
    ws.sql.exec('UPDATE campaigns SET version = version + 1');
    touchWorkspace(ws.sql);
  });
  return value;
}

/** The workspace's quiet hours: { start, end, timeZone, fallbackTimeZone? }, or {} (off). */
export function quietHours(ws) {
  const [row] = ws.sql
    .exec("SELECT value FROM workspace_settings WHERE name = 'quiet_hours'")
    .toArray();
  return row ? JSON.parse(row.value) : {};
}

/**
 * Stores quiet hours the route checked ({} turns them off). Every campaign's
 * snapshot changes with them; answers the stored value and the campaigns
 * to tell ({ key, status, version } of those not ended).
 */
export async function setQuietHours(ws, settings) {
  const open = statusIn(statusesWhere(await getEngine(), 'final', null, false));
  return ws.ctx.storage.transactionSync(() => {
    ws.sql.exec(
      "INSERT INTO workspace_settings (name, value) VALUES ('quiet_hours', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      JSON.stringify(settings),
    );
    ws.sql.exec('UPDATE campaigns SET version = version + 1');
    touchWorkspace(ws.sql);
    const campaigns = ws.sql
      .exec(`SELECT key, status, version FROM campaigns WHERE ${open.sql}`, ...open.values)
      .toArray();
    return {
      quietHours: settings,
      campaigns: campaigns.map((r) => ({ key: r.key, status: r.status, version: r.version })),
    };
  });
}

function snapshotOfRow(ws, row) {
  const c = recordOf(row);
  let cohortRule = null;
  if (c.target?.cohort) {
    const [cohort] = ws.sql
      .exec('SELECT rule FROM cohorts WHERE id = ?', c.target.cohort)
      .toArray();
    cohortRule = cohort ? JSON.parse(cohort.rule) : null;
  }
  return {
    key: c.key,
    version: c.version,
    status: c.status,
    webhook: c.webhook,
    target: c.target,
    send: c.send,
    fatigue: c.fatigue,
    rateLimit: c.rateLimit,
    signingSecret: row.signing_secret,
    timeoutMs: c.timeoutMs,
    startedAt: c.startedAt,
    experiment: c.experiment,
    cohortRule,
    frequencyRules: frequencyCapping(ws).rules,
    // The workspace's quiet hours when this campaign opted in, else null.
    quietHours: c.quietHours ? quietHours(ws) : null,
  };
}

/**
 * The campaign snapshot (docs/design.md): { key, version, status, webhook,
 * target, send, fatigue, rateLimit, signingSecret, timeoutMs, cohortRule,
 * frequencyRules, quietHours } or null. frequencyRules are the workspace's cap rules
 * target, send, fatigue, rateLimit, signingSecret, timeoutMs, experiment,
 * cohortRule, frequencyRules } or null. frequencyRules are the workspace's cap rules
 * (a settings change bumps every campaign's version).
 */
export function getSnapshot(ws, key) {
  const row = rowOf(ws.sql, key);
  return row ? snapshotOfRow(ws, row) : null;
}

/**
 * The snapshots of running event-based campaigns, with the workspace
 * version they belong to. When `knownVersion` is current, answers
 * { version, campaigns: null } (the caller's cached list is still right).
 */
export async function runningEventCampaigns(ws, knownVersion) {
  const engine = await getEngine();
  const version = meta(ws.sql, 'version');
  if (knownVersion === version) return { version, campaigns: null, goals: null };
  // The statuses in which events trigger a send: the engine's rule (running).
  const statuses = statusesWhere(engine, 'triggersOnEvents', 'event');
  const campaigns = [];
  const triggering = statusIn(statuses);
  const rows = ws.sql
    .exec(`SELECT * FROM campaigns WHERE ${triggering.sql}`, ...triggering.values)
    .toArray();
  for (const row of rows) {
    if (capabilitiesOf(engine, row.status, JSON.parse(row.content).send?.type).triggersOnEvents)
      campaigns.push(snapshotOfRow(ws, row));
  }
  return { version, campaigns, goals: goalCampaigns(ws, engine) };
}

/**
 * The goals events are matched against (campaigns/events.js): every
 * started campaign with `experiment.goal`, ended ones for the longest goal
 * window after their end (a user sent just before the end may still
 * convert). [{ key, version, goal }]. Which conversions count is the
 * shard's decision (the window from the user's send start).
 */
function goalCampaigns(ws, engine) {
  const since = Date.now() - MAX_GOAL_WINDOW_MS;
  const goals = [];
  // Started (a ready campaign has no started_at) and either not final yet,
  // or ended within the window: the statuses are the engine's (final).
  const open = statusIn(statusesWhere(engine, 'final', null, false));
  const rows = ws.sql.exec(
    `SELECT key, version, content FROM campaigns WHERE started_at IS NOT NULL AND (${open.sql} OR ended_at >= ?)`,
    ...open.values,
    since,
  );
  for (const row of rows) {
    const goal = JSON.parse(row.content).experiment?.goal;
    if (goal) goals.push({ key: row.key, version: row.version, goal });
  }
  return goals;
}

/** Records that dispatch object slice `slice` holds messages of campaign `key`. */
export function noteSlice(ws, key, slice) {
  ws.sql.exec(
    'INSERT OR IGNORE INTO campaign_slices (campaign, slice) VALUES (?, ?)',
    key,
    String(slice),
  );
}

/** The dispatch slices campaign `key` has used. */
export function campaignSlices(ws, key) {
  return ws.sql
    .exec('SELECT slice FROM campaign_slices WHERE campaign = ? ORDER BY slice', key)
    .toArray()
    .map((r) => r.slice);
}

// ---- API sends: Idempotency-Key ---------------------------------------------------------

/**
 * Begins an API send to campaign `key`. Answers, in this order:
 *   { state: 'not_found' }
 *   { state: 'done', answer }          a finished call with this idempotency key: its answer
 *   { state: 'mismatch' }              this idempotency key came with a different body
 *   { state: 'refused', status, sendType }   the engine's capabilities take no API send
 *                                            (not running, or not an API campaign)
 *   { state: 'new' | 'resume', dispatchId, sendAtMs, snapshot }   go ahead
 * With an idempotency key, the first call stores { dispatchId, sendAtMs }
 * before anything is sent, so a repeat (also after a crash mid-call) reuses
 * them ('resume') and the shards, idempotent per dispatch id, send nothing
 * more. A replay answers even after the campaign ended. Records older than
 * IDEMPOTENCY_TTL_MS are forgotten.
 */
export async function beginApiSend(ws, key, idemKey, bodyHash, dispatchId, nowMs) {
  const { sql } = ws;
  const engine = await getEngine();
  return ws.ctx.storage.transactionSync(() => {
    const row = rowOf(sql, key);
    if (!row) return { state: 'not_found' };
    sql.exec('DELETE FROM api_sends WHERE created_at < ?', nowMs - IDEMPOTENCY_TTL_MS);
    let resumed = null;
    if (idemKey !== null) {
      const [rec] = sql
        .exec('SELECT * FROM api_sends WHERE campaign = ? AND idem_key = ?', key, idemKey)
        .toArray();
      if (rec && rec.body_hash !== bodyHash) return { state: 'mismatch' };
      if (rec && rec.answer !== null) return { state: 'done', answer: JSON.parse(rec.answer) };
      resumed = rec ?? null;
    }
    const sendType = JSON.parse(row.content).send?.type ?? null;
    if (!capabilitiesOf(engine, row.status, sendType).acceptsApiSends)
      return { state: 'refused', status: row.status, sendType };
    const snapshot = snapshotOfRow(ws, row);
    if (resumed)
      return {
        state: 'resume',
        dispatchId: resumed.dispatch_id,
        sendAtMs: resumed.send_at,
        snapshot,
      };
    if (idemKey !== null) {
      sql.exec(
        'INSERT INTO api_sends (campaign, idem_key, dispatch_id, body_hash, send_at, answer, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)',
        key,
        idemKey,
        dispatchId,
        bodyHash,
        nowMs,
        nowMs,
      );
    }
    return { state: 'new', dispatchId, sendAtMs: nowMs, snapshot };
  });
}

/** Stores the answer of an API send begun with an idempotency key. */
export function finishApiSend(ws, key, idemKey, answer) {
  ws.sql.exec(
    'UPDATE api_sends SET answer = ? WHERE campaign = ? AND idem_key = ?',
    JSON.stringify(answer),
    key,
    idemKey,
  );
}

// ---- schedules -------------------------------------------------------------------------

/** `status IN (…)` over the statuses in which schedules run (the engine's rule: running). */
function scheduleStatuses(engine) {
  return statusIn(statusesWhere(engine, 'runsSchedules', 'schedule'));
}

/**
 * Sets the workspace alarm to the earliest moment schedule work is due: an
 * unfinished run (now), or the next run of a running schedule campaign.
 * Paused campaigns wait for resume (which calls this again). A next run at
 * or past LAST_SCHEDULE_INSTANT_MS (only a row stored before the core
 * bounded schedule dates can hold one) is never armed: the runtime refuses
 * such an alarm, and one campaign's time must not stop every other's.
 */
export async function armScheduleAlarm(ws) {
  const running = scheduleStatuses(await getEngine());
  const [open] = ws.sql
    .exec('SELECT count(*) AS n FROM campaign_runs WHERE finished_at IS NULL')
    .toArray();
  const [next] = ws.sql
    .exec(
      `SELECT min(next_run_at) AS at FROM campaigns WHERE ${running.sql} AND next_run_at IS NOT NULL AND next_run_at < ?`,
      ...running.values,
      LAST_SCHEDULE_INSTANT_MS,
    )
    .toArray();
  let at = next.at;
  if (open.n > 0) at = Date.now();
  const current = await ws.ctx.storage.getAlarm();
  if (at === null) {
    if (current !== null) await ws.ctx.storage.deleteAlarm();
    return;
  }
  if (current === null || current > at) await ws.ctx.storage.setAlarm(at);
}

/**
 * The workspace alarm: turns every due schedule occurrence of a running
 * campaign into a run (one row per occurrence, id `<key>@<due ms>`), moves
 * the campaign to its next occurrence, then asks every user shard that has
 * not yet taken its slice of an unfinished run for its candidates. A crash
 * anywhere re-fires the alarm (backstop armed first), and only shards whose
 * bit is still clear are asked again; they are idempotent per run id anyway.
 */
export async function runSchedules(ws) {
  // One run loop per object: an alarm re-fired while a long run is still
  // asking shards waits for it instead of asking the same shards again.
  if (ws.scheduling) return ws.scheduling;
  ws.scheduling = runSchedulesOnce(ws).finally(() => (ws.scheduling = null));
  return ws.scheduling;
}

async function runSchedulesOnce(ws) {
  const { sql } = ws;
  const engine = await getEngine();
  const running = scheduleStatuses(engine);
  const now = Date.now();
  ws.ctx.storage.transactionSync(() => {
    const due = sql
      .exec(
        `SELECT key, content, next_run_at FROM campaigns WHERE ${running.sql} AND next_run_at IS NOT NULL AND next_run_at <= ?`,
        ...running.values,
        now,
      )
      .toArray();
    for (const row of due) {
      const send = JSON.parse(row.content).send;
      // Late (a pause, a restart): the run's send time is now, and missed
      // occurrences collapse into this one run.
      sql.exec(
        'INSERT OR IGNORE INTO campaign_runs (run_id, campaign, due_at, send_at) VALUES (?, ?, ?, ?)',
        `${row.key}@${row.next_run_at}`,
        row.key,
        row.next_run_at,
        Math.max(row.next_run_at, now),
      );
      let next = null;
      if (send?.type === 'schedule' && send.repeat && send.timeZone === 'user') {
        // The next occurrence after this one's whole span (every zone's instant).
        next = nextUserZoneRunMs(engine, send, Math.max(row.next_run_at + USER_ZONE_SPAN_MS, now));
      } else if (send?.type === 'schedule' && send.repeat) {
        next = nextOccurrenceMs(engine, send, Math.max(row.next_run_at, now));
      }
      sql.exec('UPDATE campaigns SET next_run_at = ? WHERE key = ?', next, row.key);
    }
  });
  const runs = sql
    .exec('SELECT * FROM campaign_runs WHERE finished_at IS NULL ORDER BY due_at')
    .toArray();
  if (runs.length > 0) await ws.ctx.storage.setAlarm(Date.now() + RUN_BACKSTOP_MS);
  let unfinished = 0;
  for (const run of runs) if (!(await executeRun(ws, run))) unfinished++;
  // A shard that failed is asked again after the backstop, not in a tight loop.
  if (unfinished > 0) await ws.ctx.storage.setAlarm(Date.now() + RUN_BACKSTOP_MS);
  else await armScheduleAlarm(ws);
}

/**
 * Asks every shard not yet done with `run` for its candidates; marks each one
 * done as it answers. True when the run is finished.
 */
async function executeRun(ws, run) {
  const { sql } = ws;
  const row = rowOf(sql, run.campaign);
  if (!row || (await getEngine()).campaignCapabilities(row.status).final) {
    // Ended before (or during) the run: nothing more is asked for.
    sql.exec('UPDATE campaign_runs SET finished_at = ? WHERE run_id = ?', Date.now(), run.run_id);
    return true;
  }
  const snapshot = snapshotOfRow(ws, row);
  // occurrenceMs: the occurrence's run instant ("user" schedules place each user from it).
  const trigger = {
    kind: 'schedule',
    id: run.run_id,
    sendAtMs: run.send_at,
    occurrenceMs: run.due_at,
  };
  const pending = [];
  for (let i = 0; i < SHARD_COUNT; i++) if ((run.shards_done & (1 << i)) === 0) pending.push(i);
  const results = await Promise.allSettled(
    pending.map(async (i) => {
      const answer = await shardStub(ws.env, i).campaignCandidates({ snapshot, trigger });
      // A refusal (a stored rule the engine no longer compiles) would refuse
      // again: the run targets nobody in this shard, and the log says why
      // (docs/openapi.yaml: "A stored rule that no longer compiles").
      if (answer?.code === 'invalid_rule')
        logStoredRuleInvalid(
          `target cohort of campaign ${row.key} (run ${run.run_id}, shard ${i})`,
          answer.problems,
        );
      else if (!answer?.ok)
        console.error(
          'hookcast: schedule run refused by shard',
          i,
          run.run_id,
          JSON.stringify(answer).slice(0, 300),
        );
      sql.exec(
        'UPDATE campaign_runs SET shards_done = shards_done | ? WHERE run_id = ?',
        1 << i,
        run.run_id,
      );
    }),
  );
  for (const r of results)
    if (r.status === 'rejected')
      console.error('hookcast: schedule run shard failed', run.run_id, r.reason?.stack ?? r.reason);
  const [after] = sql
    .exec('SELECT shards_done FROM campaign_runs WHERE run_id = ?', run.run_id)
    .toArray();
  if (after.shards_done !== ALL_SHARDS) return false;
  sql.exec('UPDATE campaign_runs SET finished_at = ? WHERE run_id = ?', Date.now(), run.run_id);
  return true;
}
