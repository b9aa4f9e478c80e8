// Experiments on the other two send types, in workerd with a test clock
// (tests/js/workers/clock_worker.js), against a sink on 127.0.0.1:
// * a schedule run draws the engine's control group from the cohort: the
//   control users get nothing, suppressed.control counts them, exposures
//   carry the groups; goal events inside the window convert, ones after it
//   (the clock moved 3 days on a 2-day window) do not;
// * an event campaign draws each triggered user: `triggered` counts the
//   sent group only; a goal event before the trigger does not count, nor
//   the triggering event itself when it is also the goal.

import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSink, startEdge, postSpec } from './edge_helpers.mjs';
import { CLOCK_WORKER, testClock } from './helpers/test_clock.mjs';
import { toLocalText } from '../../src/js/timezone.js';
import { createEngine } from '../../src/js/node.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-experiment-triggers-'));
let edge;
let sink;
let engine;
before(async () => {
  engine = await createEngine();
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  edge = await startEdge({
    allowLocalHttp: true,
    persistDir: stateDir,
    scriptPath: CLOCK_WORKER,
    bindings: { HOOKCAST_TEST_CLOCK_OFFSET_MS: '0' },
  });
});
after(async () => {
  await edge?.close();
  await sink?.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

const api = (...args) => edge.api(...args);
const clock = testClock(api);
const DAY = 86_400_000;

async function created(body) {
  const r = await api('POST', '/v1/campaigns', body);
  assert.equal(r.status, 201, r.text);
  const key = r.json.campaign.key;
  assert.equal((await api('POST', `/v1/campaigns/${key}/start`)).status, 200);
  return key;
}

async function statsWhen(key, done) {
  let s;
  for (let i = 0; i < 300; i++) {
    s = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
    if (done(s)) return s;
    await sleep(100);
  }
  assert.fail(`stats never got there: ${JSON.stringify(s)}`);
}

const hitUsers = (prefix) =>
  new Set(
    sink.hits.filter((h) => h.path.startsWith(`/${prefix}/`)).map((h) => h.path.split('/')[2]),
  );

it('a schedule draws its control group from the cohort; goal events count inside the window only', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `sc-${i}`);
  assert.equal((await api('POST', '/v1/users', { users: ids.map((id) => ({ id })) })).status, 200);
  const zone = 'UTC';
  const at = toLocalText((await clock.now()) + 60_000, zone);
  const key = await created({
    title: 'scheduled',
    webhook: postSpec(`${sink.origin}/sc/{{ user.id }}`),
    target: { allUsers: true },
    send: { type: 'schedule', at, timeZone: zone },
    experiment: {
      controlPercent: 30,
      goal: { event: 'purchase', within: { value: 2, unit: 'days' } },
    },
  });
  const drawn = engine.controlGroups(key, ids, 30);
  const control = ids.filter((_, i) => drawn[i]);
  const sent = ids.filter((_, i) => !drawn[i]);
  await clock.advancePast(Date.parse(`${at}Z`));
  const s = await statsWhen(key, (x) => x.targeted === ids.length && x.pending === 0);
  assert.equal(s.suppressed.control, control.length);
  assert.equal(s.sent, sent.length);
  assert.deepEqual(
    [...hitUsers('sc')].sort(),
    [...sent].sort(),
    'the sent group got it, the control group nothing',
  );
  const exposures = (await api('GET', `/v1/campaigns/${key}/exposures?limit=1000`)).json.exposures;
  assert.deepEqual(
    exposures
      .filter((e) => e.group === 'control')
      .map((e) => e.userId)
      .sort(),
    [...control].sort(),
  );

  // Inside the window: every even-numbered user converts; then 3 days later (window: 2) the odd ones do not.
  const even = (list) => list.filter((id) => Number(id.split('-')[1]) % 2 === 0);
  assert.equal(
    (
      await api('POST', '/v1/events', {
        events: even(ids).map((userId) => ({ userId, key: 'purchase' })),
      })
    ).status,
    200,
  );
  await clock.advance(3 * DAY);
  const odd = ids.filter((id) => !even(ids).includes(id));
  assert.equal(
    (
      await api('POST', '/v1/events', {
        events: odd.map((userId) => ({ userId, key: 'purchase' })),
      })
    ).status,
    200,
  );
  const r = (await api('GET', `/v1/campaigns/${key}/results`)).json;
  assert.deepEqual(r.groups.sent, {
    users: sent.length,
    converted: even(sent).length,
    rate: even(sent).length / sent.length,
  });
  assert.deepEqual(r.groups.control, {
    users: control.length,
    converted: even(control).length,
    rate: even(control).length / control.length,
  });
  assert.ok(r.uplift, 'both groups have 30+ users');
});

it('an event campaign draws each triggered user; triggered counts the sent group; earlier goal events do not count', async () => {
  const key = await created({
    title: 'on signup',
    webhook: postSpec(`${sink.origin}/ev/{{ user.id }}`),
    target: { allUsers: true },
    send: { type: 'event', event: 'signup' },
    experiment: {
      controlPercent: 50,
      goal: {
        event: 'order',
        where: [{ property: 'total', op: 'gt', value: 0 }],
        within: { value: 1, unit: 'days' },
      },
    },
  });
  const ids = Array.from({ length: 80 }, (_, i) => `ev-${i}`);
  const drawn = engine.controlGroups(key, ids, 50);
  const now = await clock.now();
  // An order before the signup: no send start yet, never a conversion.
  await api('POST', '/v1/events', {
    events: ids.map((userId) => ({
      userId,
      key: 'order',
      properties: { total: 5 },
      at: new Date(now - 60_000).toISOString(),
    })),
  });
  const r = await api('POST', '/v1/events', {
    events: ids.map((userId) => ({ userId, key: 'signup' })),
  });
  assert.equal(r.status, 200, r.text);
  const sent = ids.filter((_, i) => !drawn[i]);
  assert.equal(
    r.json.triggered,
    sent.length,
    'triggered counts messages accepted, not control users',
  );
  const s = await statsWhen(key, (x) => x.delivered === sent.length && x.pending === 0);
  assert.equal(s.suppressed.control, ids.length - sent.length);
  assert.deepEqual([...hitUsers('ev')].sort(), [...sent].sort());
  let results = (await api('GET', `/v1/campaigns/${key}/results`)).json;
  assert.equal(
    results.groups.sent.converted + results.groups.control.converted,
    0,
    'orders before the signup do not count',
  );
  // Orders after it: total 0 fails the goal's where; total 9 converts, once.
  await api('POST', '/v1/events', {
    events: ids.map((userId) => ({ userId, key: 'order', properties: { total: 0 } })),
  });
  await api('POST', '/v1/events', {
    events: [...ids, ...ids].map((userId) => ({ userId, key: 'order', properties: { total: 9 } })),
  });
  results = (await api('GET', `/v1/campaigns/${key}/results`)).json;
  assert.deepEqual(results.groups.sent, { users: sent.length, converted: sent.length, rate: 1 });
  assert.deepEqual(results.groups.control, {
    users: ids.length - sent.length,
    converted: ids.length - sent.length,
    rate: 1,
  });
});

it('an event that triggers a campaign and is its goal does not convert the send it triggers', async () => {
  const key = await created({
    title: 'on trial',
    webhook: postSpec(`${sink.origin}/tr/{{ user.id }}`),
    target: { allUsers: true },
    send: { type: 'event', event: 'trial' },
    experiment: {
      controlPercent: 50,
      goal: { event: 'trial', within: { value: 1, unit: 'days' } },
    },
  });
  const ids = Array.from({ length: 40 }, (_, i) => `tr-${i}`);
  const drawn = engine.controlGroups(key, ids, 50);
  const sent = ids.filter((_, i) => !drawn[i]);
  let r = await api('POST', '/v1/events', {
    events: ids.map((userId) => ({ userId, key: 'trial' })),
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.triggered, sent.length);
  let results = (await api('GET', `/v1/campaigns/${key}/results`)).json;
  assert.equal(
    results.groups.sent.converted + results.groups.control.converted,
    0,
    'the triggering event is not its own conversion',
  );
  // A later one converts (and triggers nothing more: once per user).
  r = await api('POST', '/v1/events', { events: ids.map((userId) => ({ userId, key: 'trial' })) });
  assert.equal(r.json.triggered, 0);
  results = (await api('GET', `/v1/campaigns/${key}/results`)).json;
  assert.equal(results.groups.sent.converted, sent.length);
  assert.equal(results.groups.control.converted, ids.length - sent.length);
  await statsWhen(key, (x) => x.delivered === sent.length && x.pending === 0);
});
