// Route handlers for what a campaign did and would do:
//   GET  /v1/campaigns/:key/deliveries?state=&cursor=&limit=  -> { deliveries, nextCursor }
//   GET  /v1/campaigns/:key/exposures?cursor=&limit=          -> { exposures: [{ userId, at, deliveryId, status, group }], nextCursor }
//   GET  /v1/campaigns/:key/results                           -> { goal, controlPercent, groups, uplift } (the experiment)
//   POST /v1/campaigns/:key/audience-check                    -> { candidates, wouldSend, fallbacks, refused, suppressed }
//   GET  /v1/deliveries/:id        a campaign delivery (batch ids: delivery/routes.js)
//   POST /v1/deliveries/:id/retry { render? }  a failed delivery again: its exact
//                                  request ("stored") or its context rendered with
//                                  the campaign's webhook now ("current")
//   POST /v1/campaigns/:key/resend-failed  -> 202 { resent }: "current" for every failed one
// Deliveries pages walk the campaign's CampaignDispatch slices in a fixed
// order; the cursor is opaque text naming the slice and the last row
// answered. Exposures (the messages sent: pending, delivered or failed) are
// merged from every slice in time order (send start time, then slice, then
// row); their cursor names that position. With an experiment, the control
// group's records (no delivery: deliveryId and status null, group
// "control") are merged in from the user shards the same way.

import { json } from '../http/json.js';
import { HttpError, fail, notFound as noSuch, storedRuleInvalid } from '../http/errors.js';
import { getEngine, engineOptions, statusesWhere } from '../engine.js';
import { readJsonBody } from '../http/plumbing.js';
import { slicesOf } from '../delivery/dispatch_control.js';
import { isSliceName, MAX_SLICE_LIMIT } from '../delivery/slices.js';
import { batchStub, dispatchStub, shardStub, workspaceStub } from '../stubs.js';
import { PACED_SLICE, SHARD_COUNT } from '../constants.js';
import { forEachShard } from '../shards/locate.js';
import { parseCampaignMessageId, parseMessageId } from '../delivery/ids.js';
import { isoTime as iso } from '../http/iso_time.js';

/** Items per page unless `limit` says otherwise; the most `limit` may ask. */
export const PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** The delivery states a page may be filtered by. */
export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'cancelled'];

const notFound = (what, field = 'key') => noSuch(field, `No ${what}.`);

/** The campaign's snapshot from the workspace, or a 404. */
async function snapshotOf(env, key) {
  const snap = await workspaceStub(env).getSnapshot(key);
  if (!snap) throw notFound(`campaign "${key}"`);
  return snap;
}

function encodeCursor(value) {
  return btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The cursor's value (checked by `valid`), or a 400 naming `cursor`. */
function decodeCursor(text, valid) {
  if (text === null || text === '') return null;
  let value;
  try {
    value = JSON.parse(atob(text.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    value = undefined;
  }
  if (value === undefined || value === null || !valid(value)) {
    throw fail(
      400,
      'cursor',
      'invalid_cursor',
      'This cursor is not one a page gave: pass back the nextCursor of the previous page unchanged, or start without one.',
    );
  }
  return value;
}

function limitOf(url) {
  const raw = url.searchParams.get('limit');
  if (raw === null || raw === '') return PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
    throw fail(
      400,
      'limit',
      'invalid_limit',
      `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}; it is ${JSON.stringify(raw)}.`,
    );
  }
  return n;
}

/**
 * Walks `sources` from the cursor's position, asking `fetchAfter(source,
 * after, n)` for up to n more items (each with a position `pos`), until
 * `limit` items plus one more are found or every source is done.
 * Returns { items, nextCursor }.
 */
async function page(sources, cursor, limit, fetchAfter) {
  const items = [];
  let start = 0;
  let after = null;
  if (cursor) {
    // Sources only grow (a campaign's slices), so the cursor's is there.
    start = sources.indexOf(cursor.s);
    if (start < 0) return { items: [], nextCursor: null };
    after = cursor.p;
  }
  for (let i = start; i < sources.length && items.length <= limit; i++) {
    const got = await fetchAfter(sources[i], i === start ? after : null, limit + 1 - items.length);
    for (const item of got) items.push({ source: sources[i], item });
  }
  if (items.length <= limit) return { items: items.map((x) => x.item), nextCursor: null };
  const kept = items.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map((x) => x.item),
    nextCursor: encodeCursor({ s: last.source, p: last.item.pos }),
  };
}

/** GET /v1/campaigns/:key/deliveries */
export async function listCampaignDeliveries(key, env, url) {
  const state = url.searchParams.get('state');
  if (state !== null && state !== '' && !DELIVERY_STATES.includes(state)) {
    throw fail(
      400,
      'state',
      'invalid_state',
      `state must be one of ${DELIVERY_STATES.join(', ')}; it is ${JSON.stringify(state)}.`,
    );
  }
  const limit = limitOf(url);
  const cursor = decodeCursor(
    url.searchParams.get('cursor'),
    (v) => typeof v.s === 'string' && Number.isInteger(v.p),
  );
  await snapshotOf(env, key);
  const slices = await slicesOf(env, key);
  const { items, nextCursor } = await page(slices, cursor, limit, async (slice, after, n) => {
    const got = await dispatchStub(env, key, slice).list({
      state: state || null,
      after: after ?? -1,
      limit: n,
    });
    return got.map((d) => ({ ...d, pos: parseCampaignMessageId(d.id).index }));
  });
  return json({ deliveries: items.map(({ pos, ...d }) => d), nextCursor });
}

/** Exposure sources besides the dispatch slices: each user shard's control records. */
const CONTROL_PREFIX = 'control:';
const CONTROL_SOURCES = Array.from({ length: SHARD_COUNT }, (_, i) => `${CONTROL_PREFIX}${i}`);

/** A source's place in the exposure order: numbered slices, then `paced`, then the shards' control records. */
function order(source) {
  if (source.startsWith(CONTROL_PREFIX))
    return MAX_SLICE_LIMIT + 1 + Number(source.slice(CONTROL_PREFIX.length));
  return source === PACED_SLICE ? MAX_SLICE_LIMIT : Number(source);
}

/**
 * GET /v1/campaigns/:key/exposures: who was sent it, in time order. Each
 * slice answers its next rows after the cursor's position in the order
 * (at, slice, row); the merged first `limit` make the page.
 */
export async function listExposures(key, env, url) {
  const limit = limitOf(url);
  const cursor = decodeCursor(
    url.searchParams.get('cursor'),
    (v) =>
      Number.isInteger(v.a) &&
      typeof v.s === 'string' &&
      (isSliceName(v.s) || CONTROL_SOURCES.includes(v.s)) &&
      Number.isInteger(v.i),
  );
  const snapshot = await snapshotOf(env, key);
  // The dispatch slices' sent messages, and the shards' control records when the campaign has an experiment.
  const sources = [...(await slicesOf(env, key)), ...(snapshot.experiment ? CONTROL_SOURCES : [])];
  const parts = await Promise.all(
    sources.map(async (source) => {
      let after = null;
      if (cursor) {
        // Same instant: a source before the cursor's is done with it, a later one starts at it.
        const rel = Math.sign(order(source) - order(cursor.s));
        after = { at: cursor.a, idx: rel < 0 ? Number.MAX_SAFE_INTEGER : rel > 0 ? -1 : cursor.i };
      }
      const rows = source.startsWith(CONTROL_PREFIX)
        ? (
            await shardStub(env, Number(source.slice(CONTROL_PREFIX.length))).controlExposures(
              key,
              after,
              limit + 1,
            )
          ).map((r) => ({ ...r, deliveryId: null, status: null, group: 'control' }))
        : (await dispatchStub(env, key, source).exposures({ after, limit: limit + 1 })).map(
            (r) => ({ ...r, group: 'sent' }),
          );
      return rows.map((r) => ({ ...r, source }));
    }),
  );
  const merged = parts
    .flat()
    .sort((x, y) => x.at - y.at || order(x.source) - order(y.source) || x.idx - y.idx);
  const kept = merged.slice(0, limit);
  const last = kept[kept.length - 1];
  return json({
    exposures: kept.map((e) => ({
      userId: e.userId,
      at: iso(e.at),
      deliveryId: e.deliveryId,
      status: e.status,
      group: e.group,
    })),
    nextCursor:
      merged.length > limit ? encodeCursor({ a: last.at, s: last.source, i: last.idx }) : null,
  });
}

/**
 * GET /v1/campaigns/:key/results: the experiment's two groups and the
 * uplift. The counts are kept per campaign and group by each user shard as
 * sends, control records and conversions are recorded
 * (shards/experiments.js), so this is one small read per shard whatever
 * the audience's size; the statistics are the engine's (null below 30
 * users a group). `rate` is null for an empty group.
 */
export async function campaignResults(key, env) {
  const snapshot = await snapshotOf(env, key);
  const parts = await forEachShard(env, (stub) => stub.experimentCounts(key));
  const groups = { sent: { users: 0, converted: 0 }, control: { users: 0, converted: 0 } };
  for (const p of parts) {
    for (const g of ['sent', 'control']) {
      groups[g].users += p[g].users;
      groups[g].converted += p[g].converted;
    }
  }
  for (const g of Object.values(groups)) g.rate = g.users > 0 ? g.converted / g.users : null;
  const engine = await getEngine();
  const uplift = engine.compareGroups(groups.sent, groups.control);
  return json({
    goal: snapshot.experiment?.goal ?? null,
    controlPercent: snapshot.experiment?.controlPercent ?? 0,
    groups,
    uplift,
  });
}

/** POST /v1/campaigns/:key/audience-check: every shard's dry run, summed. */
export async function audienceCheck(key, env) {
  const snapshot = await snapshotOf(env, key);
  // A webhook with errors would refuse every user the same way: say so once,
  // before any shard renders for it (a webhook over the placeholder limit
  // costs each of them a full parse).
  const problems = (await getEngine())
    .validate(snapshot.webhook ?? {}, engineOptions(env))
    .problems.filter((p) => p.severity === 'error');
  if (problems.length) {
    const located = problems.map((p) => ({
      ...p,
      field: p.field ? `webhook.${p.field}` : 'webhook',
    }));
    throw new HttpError(
      400,
      located,
      `The campaign's webhook has ${located.length} error${located.length > 1 ? 's' : ''}; fix ${located[0].field} first: ${located[0].message}`,
    );
  }
  const trigger = { kind: 'schedule', id: 'audience-check', sendAtMs: Date.now() };
  const parts = await forEachShard(env, (stub) =>
    stub.campaignCandidates({ snapshot, trigger, dryRun: true }),
  );
  // The fatigue decision's reasons at zero (a cohort member is never not_in_cohort here).
  const fatigue = (await getEngine()).vocabulary().fatigueReasons.filter((r) => r !== 'ok');
  const out = {
    candidates: 0,
    wouldSend: 0,
    fallbacks: {},
    refused: {},
    suppressed: Object.fromEntries(fatigue.map((r) => [r, 0])),
  };
  for (const p of parts) {
    // The shard refuses only a stored rule this engine no longer compiles (docs/openapi.yaml).
    if (!p.ok)
      throw storedRuleInvalid(`target cohort of campaign ${key}`, 'target.cohort', p.problems);
    out.candidates += p.candidates;
    out.wouldSend += p.wouldSend;
    for (const [name, n] of Object.entries(p.fallbacks))
      out.fallbacks[name] = (out.fallbacks[name] ?? 0) + n;
    for (const [reason, n] of Object.entries(p.suppressed))
      out.suppressed[reason] = (out.suppressed[reason] ?? 0) + n;
    for (const [code, r] of Object.entries(p.refused)) {
      const into = (out.refused[code] ??= { count: 0, sample: [] });
      into.count += r.count;
      into.sample.push(...r.sample.slice(0, 10 - into.sample.length));
    }
  }
  // An event campaign's messages carry their triggering event: the check has
  // none, so an event variable's fallback here says nothing about a real send.
  if (snapshot.send?.type === 'event') {
    for (const name of Object.keys(out.fallbacks))
      if (/^event[.[]/.test(name)) delete out.fallbacks[name];
  }
  return json(out);
}

/**
 * True when the workspace lists the slice a campaign delivery id names.
 * Asked before the slice's object is touched: a made-up id must not create
 * an object (workerd keeps every object it loads, see edge/README.md).
 */
async function knownSlice(env, parsed) {
  return (await slicesOf(env, parsed.key)).includes(parsed.slice);
}

/** GET /v1/deliveries/:id for a campaign delivery id; null when `id` is not one. */
export async function getCampaignDelivery(id, env) {
  const parsed = parseCampaignMessageId(id);
  if (!parsed) return null;
  if (!(await knownSlice(env, parsed))) throw notFound(`delivery ${id}`, 'id');
  const d = await dispatchStub(env, parsed.key, parsed.slice).get(parsed.index);
  if (!d) throw notFound(`delivery ${id}`, 'id');
  return json(d);
}

/** The `render` of a retry body: "stored" (default) or "current", else a 400 naming it. */
function renderOf(body) {
  const render = body.render ?? 'stored';
  if (render !== 'stored' && render !== 'current') {
    throw fail(
      400,
      'render',
      'invalid_render',
      `render must be "stored" (the exact request again) or "current" (rendered again with the campaign's webhook now); it is ${JSON.stringify(render)}.`,
    );
  }
  return render;
}

function campaignEnded(key) {
  return fail(
    409,
    'status',
    'campaign_ended',
    `Campaign ${key} has ended: its messages cannot be sent again.`,
  );
}

/**
 * POST /v1/deliveries/:id/retry { render? }: a failed delivery is sent again
 * with the same webhook-id and a new attempt history (earlier runs kept).
 * "stored" (the default) sends its exact stored request at once; "current"
 * renders its stored context again with the campaign's webhook as it is
 * now, as a message not yet dispatched (held while the campaign is paused,
 * paced by its rate limit). 404 unknown, 409 not_failed, 409 campaign_ended;
 * "current" only for a campaign's delivery.
 */
export async function retryDelivery(id, request, env) {
  const render = renderOf(await readJsonBody(request, { optional: true }));
  const campaign = parseCampaignMessageId(id);
  const batch = campaign ? null : parseMessageId(id);
  if (!campaign && !batch) throw notFound(`delivery ${id}`, 'id');
  if (campaign && !(await knownSlice(env, campaign))) throw notFound(`delivery ${id}`, 'id');
  if (batch && render === 'current') {
    throw fail(
      400,
      'render',
      'invalid_render',
      `Only a campaign's delivery can be rendered again: ${id} was sent by POST /v1/deliveries, which has no campaign webhook; use "stored".`,
    );
  }
  if (campaign) {
    const snap = await workspaceStub(env).getSnapshot(campaign.key);
    const engine = await getEngine();
    if (snap && !engine.campaignCapabilities(snap.status).retriesDeliveries)
      throw campaignEnded(campaign.key);
  }
  const out = campaign
    ? await dispatchStub(env, campaign.key, campaign.slice).retry(campaign.index, { render })
    : await batchStub(env, batch.batch).retry(batch.index);
  if (!out.ok && out.code === 'not_found') throw notFound(`delivery ${id}`, 'id');
  if (!out.ok && out.code === 'campaign_ended') throw campaignEnded(campaign.key);
  if (!out.ok) {
    throw fail(
      409,
      'id',
      'not_failed',
      `Only a failed delivery can be retried; ${id} is ${out.status}, not failed.`,
    );
  }
  return json({ ok: true, delivery: out.delivery }, 202);
}

/**
 * POST /v1/campaigns/:key/resend-failed: every failed delivery of the
 * campaign rendered again with its current webhook and attempted again
 * (same webhook-id, earlier attempts kept). Running or paused only (paused:
 * they wait like any message not yet dispatched). Counts move failed →
 * pending → delivered | failed; `sent` does not change.
 */
export async function resendFailed(key, env) {
  const snap = await snapshotOf(env, key);
  const engine = await getEngine();
  if (!engine.campaignCapabilities(snap.status).resendsFailed) {
    const allowed = statusesWhere(engine, 'resendsFailed').join(' or ');
    throw fail(
      409,
      'status',
      'invalid_transition',
      `Campaign ${key} is ${snap.status}: failed messages are resent only while it is ${allowed}.`,
    );
  }
  const slices = await slicesOf(env, key);
  const answers = await Promise.all(slices.map((s) => dispatchStub(env, key, s).resendFailed()));
  return json({ ok: true, resent: answers.reduce((n, a) => n + a.resent, 0) }, 202);
}
