// The three send types end to end in workerd, against a sink on 127.0.0.1:
// a schedule (the workspace alarm fires a few seconds ahead; a paused
// schedule whose time passed runs at resume), an event trigger (an events
// call's triggers decided in its events transaction and, past
// INLINE_CHUNKS, after it; each with its own event, a user's events in order), an API
// send with Idempotency-Key (also across a restart), once-per-user and
// resend fatigue, and a frequency cap shared by two campaigns. No timed
// assertion and no wait for wall time: the worker runs with a test clock
// (workers/clock_worker.js) that a schedule test moves past its `at`, and
// every other wait polls until done, with a generous bound.

import { it, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSink, startEdge, postSpec } from './edge_helpers.mjs';
import { toLocalText } from '../../src/js/timezone.js';
import { CLOCK_WORKER, testClock } from './helpers/test_clock.mjs';
import { shardIndexFor } from '../../edge/src/shards/locate.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-campaign-sends-'));
let edge;
let sink;
before(async () => {
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  edge = await startWorker(0);
});
after(async () => {
  await edge?.close();
  await sink?.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

const api = (...args) => edge.api(...args);
const clock = testClock(api);

/** The worker with its test clock `offsetMs` ahead of real time. */
function startWorker(offsetMs) {
  return startEdge({
    allowLocalHttp: true,
    persistDir: stateDir,
    scriptPath: CLOCK_WORKER,
    bindings: { HOOKCAST_TEST_CLOCK_OFFSET_MS: String(offsetMs) },
  });
}

/** Restarts the worker on the same state, its clock where it stood (time never goes back). */
async function restartWorker() {
  const ahead = await clock.ahead();
  await edge.close();
  edge = await startWorker(ahead);
}

/** The attempts' start times (worker clock, ms) of a campaign's deliveries. */
async function attemptStarts(key) {
  const r = await api('GET', `/v1/campaigns/${key}/deliveries`);
  assert.equal(r.status, 200, r.text);
  return r.json.deliveries.flatMap((d) => d.attempts.map((a) => Date.parse(a.startedAt)));
}
let tag = 0;
/** A webhook whose path names the campaign tag and the user: /<tag>/<user id>. */
const webhookFor = (t, body = '{"user": "{{ user.id }}"}') =>
  postSpec(`${sink.origin}/${t}/{{ user.id }}`, { body });
const hitsOf = (t) => sink.hits.filter((h) => h.path.startsWith(`/${t}/`));

async function campaign(body) {
  const t = `t${++tag}`;
  const r = await api('POST', '/v1/campaigns', {
    title: t,
    webhook: webhookFor(t),
    target: { allUsers: true },
    ...body,
  });
  assert.equal(r.status, 201, r.text);
  return { key: r.json.campaign.key, t };
}

async function start(key) {
  const r = await api('POST', `/v1/campaigns/${key}/start`);
  assert.equal(r.status, 200, r.text);
  return r.json.campaign;
}

async function stats(key) {
  const r = await api('GET', `/v1/campaigns/${key}/stats`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** The counting invariants (docs/design.md). */
function assertAddsUp(s) {
  const suppressed = Object.values(s.suppressed).reduce((a, b) => a + b, 0);
  assert.equal(
    s.targeted,
    s.sent + suppressed,
    `targeted = sent + Σ suppressed: ${JSON.stringify(s)}`,
  );
  assert.equal(
    s.sent,
    s.delivered + s.failed + s.pending,
    `sent = delivered + failed + pending: ${JSON.stringify(s)}`,
  );
}

/** Polls stats until `done(stats)` (at most ~30 s). */
async function statsWhen(key, done) {
  let s;
  for (let i = 0; i < 300; i++) {
    s = await stats(key);
    if (done(s)) return s;
    await sleep(100);
  }
  assert.fail(`stats never got there: ${JSON.stringify(s)}`);
}

async function users(list) {
  const r = await api('POST', '/v1/users', { users: list });
  assert.equal(r.status, 200, r.text);
}

describe('schedule', () => {
  it('runs at its local time in its zone: every user once, personalized, stats add up', async () => {
    await users([
      { id: 'sch-1', properties: { plan: 'pro' } },
      { id: 'sch-2' },
      { id: 'sch-3', properties: { plan: 'free' } },
    ]);
    const zone = 'Asia/Seoul';
    const at = toLocalText((await clock.now()) + 60_000, zone);
    const { key, t } = await campaign({ send: { type: 'schedule', at, timeZone: zone } });
    await api('PATCH', `/v1/campaigns/${key}`, {
      webhook: webhookFor(t, '{"plan": "{{ user.plan | default: "none" }}"}'),
    });
    const started = await start(key);
    assert.equal(
      Date.parse(started.nextRunAt),
      Date.parse(`${at}+09:00`),
      'the next run is the local time in Seoul',
    );
    const total = (await api('GET', '/v1/campaigns')).json.campaigns.length;
    assert.ok(total >= 1);
    assert.equal((await stats(key)).targeted, 0, 'nothing before its time');
    await clock.advancePast(Date.parse(`${at}+09:00`));
    const s = await statsWhen(key, (x) => x.delivered >= 3 && x.pending === 0);
    assertAddsUp(s);
    const hits = hitsOf(t);
    const byUser = new Map(hits.map((h) => [h.path.split('/')[2], JSON.parse(h.body)]));
    for (const u of ['sch-1', 'sch-2', 'sch-3']) assert.ok(byUser.has(u), `${u} got it`);
    assert.deepEqual(byUser.get('sch-1'), { plan: 'pro' });
    assert.deepEqual(byUser.get('sch-2'), { plan: 'none' });
    assert.equal(hits.length, s.delivered, 'one message per delivered user');
    const starts = await attemptStarts(key);
    assert.equal(starts.length, 3);
    assert.ok(
      starts.every((ms) => ms >= Date.parse(`${at}+09:00`)),
      'not before its time',
    );
    const after = (await api('GET', `/v1/campaigns/${key}`)).json.campaign;
    assert.equal(after.nextRunAt, null, 'a one-off schedule has no next run');
    assert.ok(
      Date.parse(after.lastRunAt) >= Date.parse(`${at}+09:00`),
      'lastRunAt: when the one-off ran',
    );
    assert.equal(
      after.status,
      'running',
      'a one-off that ran stays running (its failures can still be resent)',
    );
    const user = (await api('GET', '/v1/users/sch-1')).json;
    assert.ok(
      user.sends.some((x) => x.campaign === key),
      'the send is in the user ledger',
    );
  });

  it('a schedule whose time passed while paused runs at resume, with the webhook edited during the pause', async () => {
    await users([{ id: 'pz-1' }, { id: 'pz-2' }]);
    const zone = 'Europe/Berlin';
    const at = toLocalText((await clock.now()) + 60_000, zone);
    const { key, t } = await campaign({ send: { type: 'schedule', at, timeZone: zone } });
    const started = await start(key);
    assert.equal((await api('POST', `/v1/campaigns/${key}/pause`)).status, 200);
    const edited = await api('PATCH', `/v1/campaigns/${key}`, {
      webhook: webhookFor(`${t}-edited`),
    });
    assert.equal(edited.status, 200, edited.text);
    // Move past the scheduled instant, then wait until the workspace's
    // alarm has had its turn at that time (it is no longer due).
    await clock.advancePast(Date.parse(started.nextRunAt));
    await clock.workspaceAlarmDone();
    const paused = await stats(key);
    assert.equal(paused.targeted, 0, 'nothing ran while paused');
    assert.equal((await api('POST', `/v1/campaigns/${key}/resume`)).status, 200);
    const s = await statsWhen(key, (x) => x.delivered >= 2 && x.pending === 0);
    assertAddsUp(s);
    assert.equal(hitsOf(t).length, 0, 'the edit applied to every message');
    const users2 = new Set(hitsOf(`${t}-edited`).map((h) => h.path.split('/')[2]));
    assert.ok(users2.has('pz-1') && users2.has('pz-2'));
  });
});

describe('schedule edits', () => {
  it('a PATCH that repeats the same send does not re-arm a schedule that ran; a changed one does', async () => {
    await users([{ id: 'ed-1' }]);
    const zone = 'Asia/Seoul';
    const send = {
      type: 'schedule',
      at: toLocalText((await clock.now()) + 60_000, zone),
      timeZone: zone,
    };
    const { key } = await campaign({ send });
    await start(key);
    await clock.advancePast(Date.parse(`${send.at}+09:00`));
    await statsWhen(key, (x) => x.delivered >= 1 && x.pending === 0);
    let c;
    for (let i = 0; i < 100; i++) {
      c = (await api('GET', `/v1/campaigns/${key}`)).json.campaign;
      if (c.nextRunAt === null) break;
      await sleep(100);
    }
    assert.equal(c.nextRunAt, null, 'the one-off ran');
    await api('POST', `/v1/campaigns/${key}/pause`);
    let r = await api('PATCH', `/v1/campaigns/${key}`, { title: 'saved again', send });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.campaign.nextRunAt, null, 'the same send: nothing re-armed');
    const later = { ...send, at: toLocalText((await clock.now()) + 3_600_000, zone) };
    r = await api('PATCH', `/v1/campaigns/${key}`, { send: later });
    assert.equal(
      Date.parse(r.json.campaign.nextRunAt),
      Date.parse(`${later.at}+09:00`),
      'a new time: armed for it',
    );
    r = await api('POST', `/v1/campaigns/${key}/resume`);
    assert.equal(Date.parse(r.json.campaign.nextRunAt), Date.parse(`${later.at}+09:00`));
    await api('POST', `/v1/campaigns/${key}/end`);
  });
});

describe('repeat', () => {
  it('a daily repeat re-arms at the same local time the next day; until ends it', async () => {
    await users([{ id: 'rp-1' }]);
    const zone = 'America/New_York';
    const at = toLocalText((await clock.now()) + 60_000, zone);
    const day = at.slice(0, 10);
    const { key } = await campaign({
      send: { type: 'schedule', at, timeZone: zone, repeat: { every: 1, unit: 'days', until: at } },
    });
    const daily = await campaign({
      send: { type: 'schedule', at, timeZone: zone, repeat: { every: 1, unit: 'days' } },
    });
    await start(key);
    const started = await start(daily.key);
    await clock.advancePast(Date.parse(started.nextRunAt));
    await statsWhen(key, (x) => x.delivered >= 1 && x.pending === 0);
    await statsWhen(daily.key, (x) => x.delivered >= 1 && x.pending === 0);
    let next = null;
    for (let i = 0; i < 100 && next === null; i++) {
      next = (await api('GET', `/v1/campaigns/${daily.key}`)).json.campaign.nextRunAt;
      if (next === null) await sleep(100);
    }
    // The next occurrence is the same wall time one local day later (DST-safe: compare local text).
    const expected =
      new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10) +
      at.slice(10);
    assert.equal(toLocalText(Date.parse(next), zone), expected);
    assert.equal(
      (await api('GET', `/v1/campaigns/${key}`)).json.campaign.nextRunAt,
      null,
      'until is the first run: no next run',
    );
    assert.equal((await api('GET', `/v1/campaigns/${key}`)).json.campaign.status, 'running');
  });
});

describe('event', () => {
  it('a matching event triggers a personalized send to its user; triggered counts accepted messages', async () => {
    const { key, t } = await campaign({ send: { type: 'event', event: 'purchase' } });
    await api('PATCH', `/v1/campaigns/${key}`, {
      webhook: webhookFor(t, '{"sku": "{{ event.sku }}", "k": "{{ event.key }}"}'),
    });
    await start(key);
    let r = await api('POST', '/v1/events', {
      events: [
        { userId: 'ev-1', key: 'purchase', properties: { sku: 'A-1' } },
        { userId: 'ev-2', key: 'browse' },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.accepted, 2);
    assert.equal(r.json.triggered, 1);
    let s = await statsWhen(key, (x) => x.delivered === 1);
    assertAddsUp(s);
    const [hit] = hitsOf(t);
    assert.equal(hit.path, `/${t}/ev-1`);
    assert.deepEqual(JSON.parse(hit.body), { sku: 'A-1', k: 'purchase' });
    // Once per user: the same user's next purchase is suppressed, not sent.
    r = await api('POST', '/v1/events', {
      events: [{ userId: 'ev-1', key: 'purchase', properties: { sku: 'B-2' } }],
    });
    assert.equal(r.json.triggered, 0);
    s = await stats(key);
    assert.equal(s.suppressed.already_sent, 1);
    assertAddsUp(s);
    // A paused campaign is not triggered.
    await api('POST', `/v1/campaigns/${key}/pause`);
    r = await api('POST', '/v1/events', { events: [{ userId: 'ev-3', key: 'purchase' }] });
    assert.equal(r.json.triggered, 0);
    assert.equal((await stats(key)).targeted, s.targeted);
  });

  it("one call: each trigger renders its own event; a user's second event is judged after the first", async () => {
    const { key, t } = await campaign({ send: { type: 'event', event: 'buy' } });
    await api('PATCH', `/v1/campaigns/${key}`, {
      webhook: webhookFor(t, '{"sku": "{{ event.sku }}"}'),
    });
    await start(key);
    const r = await api('POST', '/v1/events', {
      events: [
        { userId: 'rd-1', key: 'buy', properties: { sku: 'A' } },
        { userId: 'rd-2', key: 'buy', properties: { sku: 'B' } },
        { userId: 'rd-1', key: 'buy', properties: { sku: 'C' } },
      ],
    });
    assert.equal(r.status, 200, r.text);
    // Once per user: rd-1's second event sees the first one's ledger row.
    assert.equal(r.json.triggered, 2);
    const s = await statsWhen(key, (x) => x.delivered === 2);
    assert.equal(s.targeted, 3);
    assert.equal(s.suppressed.already_sent, 1);
    assertAddsUp(s);
    const bodies = Object.fromEntries(
      hitsOf(t).map((h) => [h.path.split('/').pop(), JSON.parse(h.body).sku]),
    );
    assert.deepEqual(bodies, { 'rd-1': 'A', 'rd-2': 'B' });
  });

  it('more trigger chunks in one shard than its events transaction decides: decided after the commit, in order', async () => {
    // 750 events of users of ONE shard x 3 campaigns: 3 chunks of up to
    // 1000, above INLINE_CHUNKS (2, edge/src/shards/triggers.js): recorded
    // with the events, then decided in chunks after the commit.
    const ids = [];
    const shard = shardIndexFor('bulk-0');
    for (let i = 0; ids.length < 700; i++)
      if (shardIndexFor(`bulk-${i}`) === shard) ids.push(`bulk-${i}`);
    const events = ids.map((userId, n) => ({ userId, key: 'bulk', properties: { n } }));
    // 50 users buy twice: the second is judged after the first (once per user).
    for (let n = 0; n < 50; n++)
      events.push({ userId: ids[n], key: 'bulk', properties: { n: -1 } });
    const made = [];
    for (let c = 0; c < 3; c++) {
      const m = await campaign({ send: { type: 'event', event: 'bulk' } });
      await api('PATCH', `/v1/campaigns/${m.key}`, {
        webhook: webhookFor(m.t, '{"n": {{ event.n }}}'),
      });
      await start(m.key);
      made.push(m);
    }
    const r = await api('POST', '/v1/events', { events });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.triggered, 3 * 700);
    for (const { key, t } of made) {
      const s = await statsWhen(key, (x) => x.delivered === 700);
      assert.equal(s.targeted, 750);
      assert.equal(s.suppressed.already_sent, 50);
      assertAddsUp(s);
      // Each message carries its own event: the user's first one.
      const got = new Map(hitsOf(t).map((h) => [h.path.split('/').pop(), JSON.parse(h.body).n]));
      assert.equal(got.size, 700);
      ids.forEach((id, n) => assert.equal(got.get(id), n, id));
    }
  });
});

describe('targets', () => {
  it('an event campaign with conditions and a cohort target: only matching events of cohort members send', async () => {
    await users([
      { id: 'tg-pro', properties: { plan: 'pro' } },
      { id: 'tg-free', properties: { plan: 'free' } },
    ]);
    const cohort = await api('POST', '/v1/cohorts', {
      name: 'pro',
      rule: { property: 'plan', op: 'eq', value: 'pro' },
    });
    assert.equal(cohort.status, 201, cohort.text);
    const { key, t } = await campaign({
      target: { cohort: cohort.json.cohort.id },
      send: {
        type: 'event',
        event: 'order',
        where: [{ property: 'amount', op: 'gte', value: 10 }],
      },
    });
    await start(key);
    const r = await api('POST', '/v1/events', {
      events: [
        { userId: 'tg-pro', key: 'order', properties: { amount: 5 } },
        { userId: 'tg-free', key: 'order', properties: { amount: 50 } },
        { userId: 'tg-pro', key: 'order', properties: { amount: 20 } },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.triggered, 1);
    const s = await statsWhen(key, (x) => x.delivered === 1);
    assert.equal(s.targeted, 2, 'the two events with amount >= 10 are candidates');
    assert.equal(s.suppressed.not_in_cohort, 1);
    assertAddsUp(s);
    assert.deepEqual(
      hitsOf(t).map((h) => h.path),
      [`/${t}/tg-pro`],
    );
  });
});

describe('api', () => {
  it('sends to the recipients with the call and recipient properties; Idempotency-Key replays the first answer, also after a restart', async () => {
    const { key, t } = await campaign({ send: { type: 'api' } });
    await api('PATCH', `/v1/campaigns/${key}`, {
      webhook: webhookFor(
        t,
        '{"coupon": "{{ event.coupon | default: "none" }}", "k": "{{ event.key }}", "plan": "{{ user.plan | default: "free" }}"}',
      ),
    });
    let r = await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'x' }] });
    assert.equal(r.status, 409, 'not running yet');
    await start(key);
    await users([{ id: 'api-1', properties: { plan: 'pro' } }]);
    const body = {
      recipients: [
        { userId: 'api-1' },
        { userId: 'api-2', properties: { coupon: 'MINE', plan: 'gold' } },
        { userId: 'api-3' },
      ],
      properties: { coupon: 'TOP' },
    };
    const headers = { 'idempotency-key': 'order-123' };
    r = await api('POST', `/v1/campaigns/${key}/send`, body, { headers });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.accepted, 3);
    assert.equal(r.json.accepted + Object.values(r.json.suppressed).reduce((a, b) => a + b, 0), 3);
    const first = r.json;
    await statsWhen(key, (x) => x.delivered === 3);
    const bodies = Object.fromEntries(
      hitsOf(t).map((h) => [h.path.split('/')[2], JSON.parse(h.body)]),
    );
    assert.deepEqual(bodies['api-1'], { coupon: 'TOP', k: 'api', plan: 'pro' });
    assert.deepEqual(bodies['api-2'], { coupon: 'MINE', k: 'api', plan: 'gold' });
    assert.deepEqual(bodies['api-3'], { coupon: 'TOP', k: 'api', plan: 'free' });
    assert.equal(
      (await api('GET', '/v1/users/api-3')).status,
      200,
      'a recipient who was not stored is created',
    );
    assert.deepEqual(
      (await api('GET', '/v1/users/api-2')).json.properties,
      {},
      'recipient properties are not stored',
    );

    r = await api('POST', `/v1/campaigns/${key}/send`, body, { headers });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, first, 'a repeat answers the first answer');
    r = await api(
      'POST',
      `/v1/campaigns/${key}/send`,
      { ...body, properties: { coupon: 'OTHER' } },
      { headers },
    );
    assert.equal(r.status, 409, 'same key, different body');

    await restartWorker();
    r = await api('POST', `/v1/campaigns/${key}/send`, body, { headers });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, first, 'the answer survived the restart');
    const s = await stats(key);
    assert.equal(s.targeted, 3, 'the repeats sent nothing more');
    assertAddsUp(s);
    assert.equal(hitsOf(t).length, 3);

    // Without a key, a second call is a new dispatch: once-per-user suppresses it.
    r = await api('POST', `/v1/campaigns/${key}/send`, {
      recipients: [{ userId: 'api-1' }, { userId: 'api-4' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.json.dispatchId, first.dispatchId);
    assert.equal(r.json.accepted, 1);
    assert.deepEqual(r.json.suppressed, {
      already_sent: 1,
      resend_period: 0,
      frequency_cap: 0,
      not_in_cohort: 0,
      personalization: 0,
      control: 0,
    });
  });

  it('refuses bad bodies with located problems, more than 1000 recipients, and non-API campaigns', async () => {
    const { key } = await campaign({ send: { type: 'api' } });
    await start(key);
    for (const [body, field] of [
      [{}, 'recipients'],
      [{ recipients: [] }, 'recipients'],
      [{ recipients: [{ userId: '' }] }, 'recipients[0].userId'],
      [{ recipients: [{ userId: 'a', properties: [] }] }, 'recipients[0].properties'],
      [{ recipients: Array.from({ length: 1001 }, (_, i) => ({ userId: `u${i}` })) }, 'recipients'],
      [{ recipients: [{ userId: 'a' }], properties: 'x' }, 'properties'],
    ]) {
      const r = await api('POST', `/v1/campaigns/${key}/send`, body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.ok(
        r.json.problems.some((p) => p.field === field),
        `${field}: ${r.text.slice(0, 300)}`,
      );
    }
    const bad = await api(
      'POST',
      `/v1/campaigns/${key}/send`,
      { recipients: [{ userId: 'a' }] },
      { headers: { 'idempotency-key': 'x'.repeat(300) } },
    );
    assert.equal(bad.status, 400);
    const refused = await stats(key);
    assert.equal(refused.targeted, 0, 'the refused calls considered nobody');
    assert.equal((await api('GET', '/v1/users/a')).status, 404, 'and stored no recipient');
    const ev = await campaign({ send: { type: 'event', event: 'e' } });
    await start(ev.key);
    const r = await api('POST', `/v1/campaigns/${ev.key}/send`, { recipients: [{ userId: 'a' }] });
    assert.equal(r.status, 409);
    await api('POST', `/v1/campaigns/${key}/end`);
    assert.equal(
      (await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'a' }] })).status,
      409,
    );
  });
});

describe('fatigue', () => {
  it('a resend period lets a user get the campaign again only after it passed', async () => {
    const { key } = await campaign({
      send: { type: 'api' },
      fatigue: { resend: { every: 1, unit: 'days' }, frequencyCapping: false },
    });
    await start(key);
    let r = await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'rs-1' }] });
    assert.equal(r.json.accepted, 1);
    r = await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'rs-1' }] });
    assert.equal(r.json.accepted, 0);
    assert.equal(r.json.suppressed.resend_period, 1);
    assertAddsUp(await stats(key));
  });

  it('the workspace cap counts every campaign; only campaigns that apply it are held back', async () => {
    await api('PUT', '/v1/settings/frequency-capping', {
      rules: [{ limit: 1, period: { value: 1, unit: 'days' } }],
    });
    try {
      const a = await campaign({ send: { type: 'api' } });
      const b = await campaign({
        send: { type: 'api' },
        fatigue: { resend: null, frequencyCapping: true },
      });
      const c = await campaign({ send: { type: 'api' } });
      for (const x of [a, b, c]) await start(x.key);
      assert.equal(
        (await api('POST', `/v1/campaigns/${a.key}/send`, { recipients: [{ userId: 'fc-1' }] }))
          .json.accepted,
        1,
      );
      const held = await api('POST', `/v1/campaigns/${b.key}/send`, {
        recipients: [{ userId: 'fc-1' }, { userId: 'fc-2' }],
      });
      assert.equal(held.json.accepted, 1, held.text);
      assert.equal(held.json.suppressed.frequency_cap, 1);
      assert.equal(
        Object.values(held.json.suppressed).reduce((a, b) => a + b, 0),
        1,
      );
      const free = await api('POST', `/v1/campaigns/${c.key}/send`, {
        recipients: [{ userId: 'fc-1' }],
      });
      assert.equal(free.json.accepted, 1, 'a campaign without frequencyCapping is not held back');
      const s = await stats(b.key);
      assert.equal(s.suppressed.frequency_cap, 1);
      assertAddsUp(s);
    } finally {
      await api('PUT', '/v1/settings/frequency-capping', { rules: [] });
    }
  });
});
