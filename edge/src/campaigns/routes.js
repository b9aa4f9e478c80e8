// Route handlers for campaigns (stored in the Workspace object, see
// workspace/campaigns.js) and the workspace's frequency-capping settings:
//   POST  /v1/campaigns                      -> 201 { campaign }
//   GET   /v1/campaigns                      -> { campaigns: [{ key, title, status, send: { type|null }, stats, … }] }
//   GET   /v1/campaigns/:key                 -> { campaign }
//   PATCH /v1/campaigns/:key                 -> { campaign }   (409 campaign_not_editable)
//   POST  /v1/campaigns/:key/start|pause|resume|end  -> { campaign }   (409 invalid_transition; start: 400 with every missing piece)
//   POST  /v1/campaigns/:key/launch-check     -> { launchable, problems }   (what start would refuse with, nothing started)
//   POST  /v1/campaigns/:key/preview         { userId } | { context }  -> as POST /v1/preview
//   POST  /v1/campaigns/:key/test-send       { userId } | { context }  -> as POST /v1/test-send (counts nowhere)
//   POST  /v1/campaigns/:key/send            { recipients, properties? }  (Idempotency-Key honoured 24 h)
//   GET   /v1/campaigns/:key/stats           -> { targeted, sent, delivered, failed, pending, retried, suppressed }
//   GET   /v1/campaigns/:key/waiting         -> { waiting: { quietHours, destination } }: pending messages held on purpose
//   GET|PUT /v1/settings/frequency-capping   { rules: [{ limit, period: { value, unit } }] }
// Shapes, the status machine, editability, the launch check and the cap
// settings are the engine's rules; this file reads requests, asks the engine
// and the objects, and answers.

import { readJsonBody, isObject } from '../http/plumbing.js';
import { json } from '../http/json.js';
import {
  badRequest,
  fail,
  HttpError,
  notFound as noSuch,
  problem,
  storedRuleInvalid,
} from '../http/errors.js';
import { getEngine, engineOptions, statusesWhere } from '../engine.js';
import { shardStub, workspaceStub } from '../stubs.js';
import { forEachShard, groupByShard, shardIndexFor } from '../shards/locate.js';
import { MAX_AUDIENCE_BODY_BYTES } from '../audiences/bounds.js';
import { preview as previewRoute, testSend as testSendRoute } from '../delivery/routes.js';
import { campaignDeliveryCounts, notifyCampaign } from '../delivery/dispatch_control.js';
import { isTimeZone, scheduleInstants, sendInZone } from '../../../src/js/timezone.js';
import { isoTime as iso } from '../http/iso_time.js';
import { randomBase32, sha256Base32 } from '../base32.js';

const errorsOf = (problems) => problems.filter((p) => p.severity === 'error');

/** Campaign keys as newKey() makes them; anything else is not one of ours. */
const KEY_RE = /^c_[1-9]\d{0,15}_[a-z2-7]{4}$/;
/** The fields of a campaign body that hold cohort-rule conditions (rule_too_deep there). */
const RULE_FIELDS = ['send.where'];
/** Longest Idempotency-Key accepted (Stripe's bound). */
const MAX_IDEMPOTENCY_KEY = 255;

const notFound = (key) =>
  noSuch('key', `No campaign ${JSON.stringify(String(key).slice(0, 100))}.`);

function checkKey(key) {
  if (!KEY_RE.test(key)) throw notFound(key);
  return key;
}

/**
 * A refusal answered by the workspace ({ ok: false, status, code, message,
 * problems? }) as an HttpError: its problems when it lists them (a start
 * refused with every missing piece), else one problem on `status`.
 */
function refused(r, key) {
  if (r.status === 404) return notFound(key);
  return r.problems?.length
    ? new HttpError(r.status, r.problems, r.message)
    : fail(r.status, 'status', r.code, r.message);
}

// ---- the campaign answer ------------------------------------------------------------

/** The webhook's current validation problems, fields prefixed `webhook.`. */
function webhookProblems(engine, webhook, env) {
  if (!webhook) return [];
  return engine
    .validate(webhook, engineOptions(env))
    .problems.map((p) => ({ ...p, field: p.field ? `webhook.${p.field}` : 'webhook' }));
}

/** A workspace record as the API answers it: ISO times, no secret, the webhook's problems. */
function campaignJson(engine, c, env) {
  return {
    key: c.key,
    title: c.title,
    description: c.description,
    status: c.status,
    webhook: c.webhook,
    target: c.target,
    send: c.send,
    fatigue: c.fatigue,
    rateLimit: c.rateLimit,
    timeoutMs: c.timeoutMs,
    quietHours: c.quietHours,
    experiment: c.experiment ?? null,
    signed: c.signed,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    startedAt: iso(c.startedAt),
    endedAt: iso(c.endedAt),
    nextRunAt: iso(c.nextRunAt),
    lastRunAt: iso(c.lastRunAt),
    problems: webhookProblems(engine, c.webhook, env),
  };
}

// ---- body checks -----------------------------------------------------------------------

/**
 * Checks a create (`partial: false`) or PATCH body: the engine's shape check,
 * then what only the edge can know: the time zone (Intl), that the local
 * times resolve there, the target cohort exists (asked here to list it with
 * every other problem; the workspace checks it again as it writes, which is
 * what decides a race with DELETE /v1/cohorts/:id). (The event's `where`
 * conditions are part of the engine's shape check.) Throws 400 with every problem; answers the fields to store.
 */
async function checkCampaignBody(engine, body, { partial }, env) {
  const problems = [...errorsOf(engine.checkCampaign(body, { partial }).problems)];
  const send = body.send;
  if (
    isObject(send) &&
    send.type === 'schedule' &&
    typeof send.timeZone === 'string' &&
    !problems.some((p) => p.field.startsWith('send'))
  ) {
    // "user": each user's own zone; the fallback is the zone the local times are checked in.
    const [zoneField, zone] =
      send.timeZone === 'user'
        ? ['send.fallbackTimeZone', send.fallbackTimeZone]
        : ['send.timeZone', send.timeZone];
    if (!isTimeZone(zone)) {
      problems.push(
        problem(
          zoneField,
          'unknown_time_zone',
          `"${String(zone).slice(0, 64)}" is not an IANA time zone this runtime knows, such as "Asia/Seoul" or "America/New_York".`,
        ),
      );
    } else {
      try {
        scheduleInstants(engine, send.timeZone === 'user' ? sendInZone(send, zone) : send);
      } catch {
        problems.push(
          problem(
            'send.at',
            'invalid_date_time',
            'The schedule needs a local date and time such as "2026-12-01T09:00".',
          ),
        );
      }
    }
  }
  const cohortId = isObject(body.target) ? body.target.cohort : undefined;
  if (typeof cohortId === 'string' && !problems.some((p) => p.field.startsWith('target'))) {
    if (!(await workspaceStub(env).getCohort(cohortId))) {
      problems.push(
        problem(
          'target.cohort',
          'unknown_cohort',
          `No cohort ${JSON.stringify(cohortId.slice(0, 100))}; create it with POST /v1/cohorts first.`,
        ),
      );
    }
  }
  if (problems.length) throw badRequest(problems);
  const fields = {};
  for (const name of [
    'title',
    'description',
    'webhook',
    'target',
    'send',
    'fatigue',
    'rateLimit',
    'signingSecret',
    'timeoutMs',
    'experiment',
    'quietHours',
  ]) {
    if (body[name] !== undefined) fields[name] = body[name];
  }
  return fields;
}

// ---- CRUD and transitions --------------------------------------------------------------

/** POST /v1/campaigns */
export async function createCampaign(request, env) {
  const body = await readJsonBody(request, { rules: RULE_FIELDS });
  const engine = await getEngine();
  const fields = await checkCampaignBody(engine, body, { partial: false }, env);
  const result = await workspaceStub(env).createCampaign(fields, Date.now());
  if (!result.ok) throw refused(result);
  return json({ campaign: campaignJson(engine, result.campaign, env) }, 201);
}

/** GET /v1/campaigns: every campaign, oldest first, with its stats. */
export async function listCampaigns(env) {
  const engine = await getEngine();
  const campaigns = await workspaceStub(env).listCampaigns();
  // A campaign not yet started (the engine's mayHaveSent) has sent nothing
  // (test sends count nowhere): its stats are zero without asking.
  const stats = await Promise.all(
    campaigns.map((c) =>
      engine.campaignCapabilities(c.status).mayHaveSent
        ? campaignStats(env, c.key)
        : emptyStats(engine),
    ),
  );
  return json({
    campaigns: campaigns.map((c, i) => ({
      key: c.key,
      title: c.title,
      description: c.description,
      status: c.status,
      // Always an object, so `send.type` reads null for a campaign with no send yet.
      send: { type: c.send?.type ?? null },
      stats: stats[i],
      errors: errorsOf(webhookProblems(engine, c.webhook, env)).length,
      createdAt: iso(c.createdAt),
      updatedAt: iso(c.updatedAt),
      nextRunAt: iso(c.nextRunAt),
    })),
  });
}

/** GET /v1/campaigns/:key */
export async function getCampaign(key, env) {
  checkKey(key);
  const campaign = await workspaceStub(env).getCampaign(key);
  if (!campaign) throw notFound(key);
  return json({ campaign: campaignJson(await getEngine(), campaign, env) });
}

/** PATCH /v1/campaigns/:key */
export async function updateCampaign(key, request, env) {
  checkKey(key);
  const body = await readJsonBody(request, { rules: RULE_FIELDS });
  const engine = await getEngine();
  const fields = await checkCampaignBody(engine, body, { partial: true }, env);
  if (Object.keys(fields).length === 0)
    throw badRequest([problem('', 'empty_update', 'Send at least one field to change.')]);
  const result = await workspaceStub(env).updateCampaign(key, fields, Date.now());
  if (!result.ok) throw refused(result, key);
  const campaign = result.campaign;
  // Dispatch objects render with the current webhook (edit while paused).
  await notifyCampaign(env, key, { status: campaign.status, version: campaign.version });
  return json({ campaign: campaignJson(engine, campaign, env) });
}

/** POST /v1/campaigns/:key/start|pause|resume|end */
export async function transitionCampaign(key, action, env) {
  checkKey(key);
  const engine = await getEngine();
  const result = await workspaceStub(env).transitionCampaign(key, action, Date.now());
  if (!result.ok) throw refused(result, key);
  const campaign = result.campaign;
  await notifyCampaign(env, key, { status: campaign.status, version: campaign.version });
  return json({ campaign: campaignJson(engine, campaign, env) });
}

/**
 * POST /v1/campaigns/:key/launch-check: the problems `start` would refuse
 * with now (the same check, in the workspace), without starting:
 * { launchable, problems }.
 */
export async function launchCheck(key, env) {
  checkKey(key);
  const result = await workspaceStub(env).launchCheck(key, Date.now());
  if (!result.ok) throw refused(result, key);
  return json({ launchable: result.launchable, problems: result.problems });
}

// ---- preview and test-send -----------------------------------------------------------

/**
 * The personalization context of a campaign preview/test-send body:
 * `{ context }` as given, or `{ userId }` (plus an optional `context` whose
 * `event` is kept) with the stored user's profile as `user`.
 */
async function contextOf(body, env) {
  const problems = [];
  if (body.context !== undefined && !isObject(body.context))
    problems.push(
      problem(
        'context',
        'invalid_type',
        '"context" must be an object like {"user": {...}, "event": {...}}.',
      ),
    );
  if (body.userId !== undefined)
    problems.push(...(await getEngine()).checkInput('userId', body.userId, 'userId'));
  if (body.userId === undefined && body.context === undefined) {
    problems.push(
      problem(
        'userId',
        'required',
        'Send { "userId": "<a stored user>" } or { "context": { "user": …, "event": … } }.',
      ),
    );
  }
  if (problems.length) throw badRequest(problems);
  if (body.userId === undefined) return body.context;
  const user = await shardStub(env, shardIndexFor(body.userId)).getUser(body.userId);
  if (!user) throw noSuch('userId', `No user ${JSON.stringify(body.userId)}.`);
  return { ...(body.context ?? {}), user: { id: user.id, properties: user.properties } };
}

/** The campaign's stored webhook, or 400 when it has none yet. */
async function webhookOf(key, env) {
  checkKey(key);
  const snapshot = await workspaceStub(env).getSnapshot(key);
  if (!snapshot) throw notFound(key);
  if (!snapshot.webhook)
    throw badRequest([
      problem('webhook', 'required', 'The campaign has no webhook yet; PATCH one first.'),
    ]);
  return snapshot;
}

/** A POST to one of the single-request routes of delivery/routes.js, as the campaign routes reuse them. */
const innerRequest = (body) =>
  new Request('http://hookcast.internal/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** POST /v1/campaigns/:key/preview: POST /v1/preview with the campaign's webhook. */
export async function previewCampaign(key, request, env) {
  const snapshot = await webhookOf(key, env);
  const context = await contextOf(await readJsonBody(request), env);
  return previewRoute(innerRequest({ spec: snapshot.webhook, context }), env);
}

/** POST /v1/campaigns/:key/test-send: one attempt, as POST /v1/test-send; recorded nowhere. */
export async function testSendCampaign(key, request, env) {
  const snapshot = await webhookOf(key, env);
  const context = await contextOf(await readJsonBody(request), env);
  const body = { spec: snapshot.webhook, context, timeoutMs: snapshot.timeoutMs };
  if (snapshot.signingSecret) body.signingSecret = snapshot.signingSecret;
  return testSendRoute(innerRequest(body), env);
}

// ---- API sends ---------------------------------------------------------------------------

/** The Idempotency-Key header: null, or 1–255 visible ASCII characters. */
function idempotencyKeyOf(request) {
  const value = request.headers.get('idempotency-key');
  if (value === null) return null;
  if (value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY || !/^[\x21-\x7e]+$/.test(value)) {
    throw badRequest([
      problem(
        'Idempotency-Key',
        'invalid_idempotency_key',
        `The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters (a UUID is typical).`,
      ),
    ]);
  }
  return value;
}

/** Checks { recipients: [{ userId, properties? }], properties? }: the engine's checkApiSend. */
function checkSendBody(engine, body) {
  const checked = engine.checkApiSend(body);
  if (!checked.ok) throw badRequest(checked.problems);
}

/**
 * POST /v1/campaigns/:key/send: the recipients are the candidates; each
 * user's shard checks and records them (cohort, fatigue, caps,
 * personalization) under one dispatch id. With an Idempotency-Key, the
 * dispatch id is derived from (campaign, key) and the answer is stored, so a
 * repeat (also after a restart, or after a crash mid-call) sends nothing
 * more and answers the first answer.
 */
export async function sendCampaign(key, request, env) {
  checkKey(key);
  const idemKey = idempotencyKeyOf(request);
  const body = await readJsonBody(request, { maxBytes: MAX_AUDIENCE_BODY_BYTES });
  checkSendBody(await getEngine(), body);
  const bodyHash = await sha256Base32(JSON.stringify(body), 52);
  const dispatchId =
    idemKey === null
      ? `d_${randomBase32(20)}`
      : `d_${await sha256Base32(`${key}\n${idemKey}`, 20)}`;
  const ws = workspaceStub(env);
  const begun = await ws.beginApiSend(key, idemKey, bodyHash, dispatchId, Date.now());
  if (begun.state === 'not_found') throw notFound(key);
  if (begun.state === 'done') return json(begun.answer, 200, { 'idempotent-replayed': 'true' });
  if (begun.state === 'mismatch') {
    throw fail(
      409,
      'Idempotency-Key',
      'idempotency_key_reused',
      'This Idempotency-Key was used with a different request body for this campaign in the last 24 hours; use a new key for a different request.',
    );
  }
  if (begun.state === 'refused') {
    // The statuses that take API sends: the engine's acceptsApiSends (running).
    const accepting = statusesWhere(await getEngine(), 'acceptsApiSends', 'api').join(' or ');
    const why =
      begun.sendType !== 'api'
        ? `it sends on ${begun.sendType === null ? 'no trigger yet' : `type "${begun.sendType}"`}, not "api"`
        : `it is ${begun.status}, not ${accepting}`;
    const [field, code] =
      begun.sendType !== 'api'
        ? ['send.type', 'not_api_campaign']
        : ['status', 'campaign_not_running'];
    throw fail(
      409,
      field,
      code,
      `Campaign ${key} cannot take API sends: ${why}; it must be ${accepting} with send type "api".`,
    );
  }
  const { snapshot, sendAtMs } = begun;
  const apiProperties = body.properties ?? {};
  const trigger = (recipients) => ({
    kind: 'api',
    id: begun.dispatchId,
    sendAtMs,
    recipients,
    apiProperties,
    event: { key: 'api', properties: apiProperties },
    rules: snapshot.frequencyRules,
  });
  const groups = [...groupByShard(body.recipients, (r) => r.userId)];
  const answers = await Promise.all(
    groups.map(([i, recipients]) =>
      shardStub(env, i).campaignCandidates({ snapshot, trigger: trigger(recipients) }),
    ),
  );
  // Every check a candidate of an API send goes through, zeros included, in the stats' order.
  const { suppressionReasons, candidateChecks } = (await getEngine()).vocabulary();
  const suppressed = Object.fromEntries(
    suppressionReasons.filter((r) => candidateChecks.includes(r)).map((r) => [r, 0]),
  );
  let accepted = 0;
  for (const a of answers) {
    // The shard refuses only a stored rule this engine no longer compiles (docs/openapi.yaml).
    if (a.code === 'invalid_rule')
      throw storedRuleInvalid(`target cohort of campaign ${key}`, 'target.cohort', a.problems);
    if (!a.ok)
      throw new Error(
        `shard refused API send ${begun.dispatchId}: ${JSON.stringify(a).slice(0, 300)}`,
      );
    accepted += a.accepted;
    for (const [reason, n] of Object.entries(a.suppressed ?? {}))
      suppressed[reason] = (suppressed[reason] ?? 0) + n;
  }
  const answer = { ok: true, dispatchId: begun.dispatchId, accepted, suppressed };
  if (idemKey !== null) await ws.finishApiSend(key, idemKey, answer);
  return json(answer);
}

// ---- stats ---------------------------------------------------------------------------------

/** Stats with nothing counted: every suppression reason of the engine's vocabulary at zero. */
function emptyStats(engine) {
  const suppressed = Object.fromEntries(engine.vocabulary().suppressionReasons.map((r) => [r, 0]));
  return { targeted: 0, sent: 0, delivered: 0, failed: 0, pending: 0, retried: 0, suppressed };
}

/**
 * A campaign's stats: the user shards' decisions (targeted, accepted,
 * suppressed by reason) plus the dispatch slices' delivery states. `sent`
 * counts accepted messages minus those cancelled by `end` or refused by a
 * render at dispatch time (an edit while paused); a message accepted but not
 * yet handed to its dispatch object is pending. So targeted = sent + Σ
 * suppressed and sent = delivered + failed + pending hold at every moment.
 */
export async function campaignStats(env, key) {
  const [parts, delivery, engine] = await Promise.all([
    forEachShard(env, (s) => s.campaignCounts(key)),
    campaignDeliveryCounts(env, key),
    getEngine(),
  ]);
  const stats = emptyStats(engine);
  let accepted = 0;
  for (const p of parts) {
    stats.targeted += p.targeted;
    accepted += p.accepted;
    for (const [reason, n] of Object.entries(p.suppressed))
      stats.suppressed[reason] = (stats.suppressed[reason] ?? 0) + n;
  }
  stats.suppressed.cancelled += delivery.cancelled;
  stats.suppressed.personalization += delivery.suppressed.personalization;
  stats.sent = accepted - delivery.cancelled - delivery.suppressed.personalization;
  stats.delivered = delivery.delivered;
  stats.failed = delivery.failed;
  stats.pending = stats.sent - stats.delivered - stats.failed;
  stats.retried = delivery.retried;
  return stats;
}

/** GET /v1/campaigns/:key/stats */
export async function getCampaignStats(key, env) {
  checkKey(key);
  const campaign = await workspaceStub(env).getCampaign(key);
  if (!campaign) throw notFound(key);
  return json(await campaignStats(env, key));
}

/**
 * GET /v1/campaigns/:key/waiting: the pending messages held on purpose, by
 * why: their user's quiet hours have not ended (delivery/dispatch.js), or
 * their destination is unhealthy (destinations/). Beside the stats, whose
 * shape is the design's.
 */
export async function getCampaignWaiting(key, env) {
  checkKey(key);
  const campaign = await workspaceStub(env).getCampaign(key);
  if (!campaign) throw notFound(key);
  const delivery = await campaignDeliveryCounts(env, key);
  return json({
    waiting: { quietHours: delivery.waiting.quietHours, destination: delivery.waiting.destination },
  });
}

// ---- frequency capping ---------------------------------------------------------------------

/** GET /v1/settings/frequency-capping */
export async function getFrequencyCapping(env) {
  return json(await workspaceStub(env).getFrequencyCapping());
}

/** PUT /v1/settings/frequency-capping { rules } (checked by the engine; longer than 30 days is refused, not clamped) */
export async function putFrequencyCapping(request, env) {
  const body = await readJsonBody(request);
  const engine = await getEngine();
  const checked = engine.checkFrequencyCapping(body);
  if (!checked.ok || errorsOf(checked.problems).length) throw badRequest(checked.problems);
  return json(await workspaceStub(env).setFrequencyCapping(body));
}
