// Nothing lost across a SIGKILL of `npm start` (scripts/start.mjs as a child
// process group, node plus its workerd), started again on the same state
// folder (HOOKCAST_STATE_DIR) on fresh loopback ports:
// * in the middle of a schedule run to 30 users: the sink answers the first
//   messages and holds the rest, so at the kill some users have their
//   message, some have an attempt in flight and some may not be dispatched
//   yet. Every user gets it; a user who got it twice got the same webhook-id
//   (the attempt in flight); the stats add up;
// * before a schedule is due: the persisted workspace alarm runs it;
// * in the middle of a 1000-recipient API send: the repeat with the same
//   Idempotency-Key sends each recipient once, wherever the kill landed.
// (The paced campaign's kill is in edge_dispatch_restart.test.mjs.)
// The worker runs with a test clock (workers/clock_worker.js): schedules
// are a minute ahead on its clock and the test moves the clock past them,
// so no step races the wall clock; each restart keeps the clock where it
// stood.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink } from './edge_helpers.mjs';
import { KillableStart } from './helpers/npm_start.mjs';
import { toLocalText } from '../../src/js/timezone.js';
import { checkAnswer } from './helpers/openapi_check.mjs';
import { CLOCK_WORKER, testClock } from './helpers/test_clock.mjs';

const KEY = 'schedule-restart-key-0123456789';
const USERS = 30;
const ANSWERED_BEFORE_KILL = 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = new KillableStart({ key: KEY, prefix: 'hookcast-campaign-restart-' });
let sink = null;
after(async () => {
  server.dispose();
  await sink?.close();
});
let clockAhead = 0; // how far the worker's clock runs ahead of real time (ms), handed to each restart
const start = () =>
  server.start({
    HOOKCAST_TEST_WORKER: CLOCK_WORKER,
    HOOKCAST_TEST_CLOCK_OFFSET_MS: String(clockAhead),
  });
const stop = () => server.kill();
/** The test clock of the worker at `origin`. */
const clockOf = (origin) => testClock((m, p, b) => api(origin, m, p, b));

async function api(origin, method, p, body) {
  const r = await fetch(`${origin}${p}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  checkAnswer({
    method,
    path: p,
    status: r.status,
    contentType: r.headers.get('content-type'),
    text,
  });
  return { status: r.status, json: text ? JSON.parse(text) : undefined, text };
}

it('SIGKILL in the middle of a schedule run: every user gets it once (same webhook-id if twice), stats add up', async () => {
  let holding = true;
  const held = [];
  sink = await startSink((req, res, hit, n) => {
    if (holding && n > ANSWERED_BEFORE_KILL) {
      held.push(res); // an attempt in flight when the worker dies
      return;
    }
    res.writeHead(200);
    res.end('{}');
  });
  let origin = await start();
  const ids = Array.from({ length: USERS }, (_, i) => `sr-${i}`);
  assert.equal(
    (
      await api(origin, 'POST', '/v1/users', {
        users: ids.map((id) => ({ id, properties: { n: id } })),
      })
    ).status,
    200,
  );
  const zone = 'America/New_York';
  const created = await api(origin, 'POST', '/v1/campaigns', {
    title: 'restart',
    webhook: {
      url: `${sink.origin}/sr/{{ user.id }}`,
      method: 'POST',
      body: '{"n": "{{ user.n }}"}',
    },
    target: { allUsers: true },
    send: {
      type: 'schedule',
      at: toLocalText((await clockOf(origin).now()) + 60_000, zone),
      timeZone: zone,
    },
  });
  assert.equal(created.status, 201, created.text);
  const key = created.json.campaign.key;
  const started = await api(origin, 'POST', `/v1/campaigns/${key}/start`);
  assert.equal(started.status, 200, started.text);
  await clockOf(origin).advancePast(Date.parse(started.json.campaign.nextRunAt));

  // Kill once the run is under way: some answered, some held in flight.
  for (let i = 0; i < 600 && sink.count < ANSWERED_BEFORE_KILL + 2; i++) await sleep(50);
  assert.ok(sink.count >= ANSWERED_BEFORE_KILL + 2, `the run started (${sink.count} requests)`);
  clockAhead = await clockOf(origin).ahead(); // the restart's clock goes on from here
  stop();
  holding = false;
  for (const res of held) res.destroy();

  origin = await start();
  let s;
  for (let i = 0; i < 600; i++) {
    s = (await api(origin, 'GET', `/v1/campaigns/${key}/stats`)).json;
    if (s.delivered === USERS && s.pending === 0) break;
    await sleep(100);
  }
  assert.equal(s.delivered, USERS, JSON.stringify(s));
  assert.equal(s.targeted, USERS);
  assert.equal(s.sent, USERS);
  assert.equal(s.failed, 0);
  const suppressed = Object.values(s.suppressed).reduce((a, b) => a + b, 0);
  assert.equal(s.targeted, s.sent + suppressed);
  assert.equal(s.sent, s.delivered + s.failed + s.pending);

  const byUser = new Map();
  for (const h of sink.hits) {
    const user = h.path.split('/')[2];
    if (!byUser.has(user)) byUser.set(user, new Set());
    byUser.get(user).add(sink.header(h, 'webhook-id').toString());
  }
  for (const id of ids) {
    assert.ok(byUser.has(id), `${id} got the message`);
    assert.equal(byUser.get(id).size, 1, `${id}: every copy has the same webhook-id`);
  }
  const campaign = (await api(origin, 'GET', `/v1/campaigns/${key}`)).json.campaign;
  assert.equal(campaign.nextRunAt, null);
  stop();
});

it('a schedule armed before a SIGKILL runs after the restart, once', async () => {
  await sink?.close();
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  let origin = await start();
  const ids = Array.from({ length: 5 }, (_, i) => `arm-${i}`);
  assert.equal(
    (
      await api(origin, 'POST', '/v1/users', {
        users: ids.map((id) => ({ id, properties: { group: 'arm' } })),
      })
    ).status,
    200,
  );
  const cohort = await api(origin, 'POST', '/v1/cohorts', {
    name: 'arm',
    rule: { property: 'group', op: 'eq', value: 'arm' },
  });
  assert.equal(cohort.status, 201, cohort.text);
  const zone = 'Europe/Berlin';
  const created = await api(origin, 'POST', '/v1/campaigns', {
    title: 'armed',
    webhook: { url: `${sink.origin}/arm/{{ user.id }}`, method: 'POST', body: '{}' },
    target: { cohort: cohort.json.cohort.id },
    send: {
      type: 'schedule',
      at: toLocalText((await clockOf(origin).now()) + 60_000, zone),
      timeZone: zone,
    },
  });
  const key = created.json.campaign.key;
  const started = await api(origin, 'POST', `/v1/campaigns/${key}/start`);
  assert.equal(started.status, 200, started.text);
  stop(); // a minute before the scheduled instant: only the persisted alarm knows
  assert.equal(sink.count, 0);
  origin = await start();
  // The restarted worker reads the persisted alarm and brings it forward with the clock.
  await clockOf(origin).advancePast(Date.parse(started.json.campaign.nextRunAt));
  let s;
  for (let i = 0; i < 600; i++) {
    s = (await api(origin, 'GET', `/v1/campaigns/${key}/stats`)).json;
    if (s.delivered >= ids.length && s.pending === 0) break;
    await sleep(100);
  }
  assert.equal(s.delivered, ids.length, JSON.stringify(s));
  assert.equal(s.targeted, ids.length);
  assert.deepEqual(
    new Set(sink.hits.filter((h) => h.path.startsWith('/arm/')).map((h) => h.path)),
    new Set(ids.map((id) => `/arm/${id}`)),
  );
  assert.equal(sink.hits.filter((h) => h.path.startsWith('/arm/')).length, ids.length, 'once each');
  clockAhead = await clockOf(origin).ahead();
  stop();
});

it('an API send killed mid-call and repeated with its Idempotency-Key after the restart sends each recipient once', async () => {
  await sink?.close();
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  let origin = await start();
  const created = await api(origin, 'POST', '/v1/campaigns', {
    title: 'api restart',
    webhook: {
      url: `${sink.origin}/api/{{ user.id }}`,
      method: 'POST',
      body: '{"c": "{{ event.coupon }}"}',
    },
    target: { allUsers: true },
    send: { type: 'api' },
  });
  const key = created.json.campaign.key;
  assert.equal((await api(origin, 'POST', `/v1/campaigns/${key}/start`)).status, 200);
  const recipients = Array.from({ length: 1000 }, (_, i) => ({ userId: `kill-${i}` }));
  const body = JSON.stringify({ recipients, properties: { coupon: 'K' } });
  const headers = {
    authorization: `Bearer ${KEY}`,
    'content-type': 'application/json',
    'idempotency-key': 'kill-once',
  };
  // The call is cut by the kill wherever it is: before the workspace stored
  // the key, while shards decide, or after the answer. Each path must end
  // with every recipient sent exactly once after the repeat.
  const inFlight = fetch(`${origin}/v1/campaigns/${key}/send`, {
    method: 'POST',
    headers,
    body,
  }).catch(() => null);
  await sleep(40);
  stop();
  await inFlight;

  origin = await start();
  const r = await fetch(`${origin}/v1/campaigns/${key}/send`, { method: 'POST', headers, body });
  const answer = await r.json();
  assert.equal(r.status, 200, JSON.stringify(answer));
  assert.equal(
    answer.accepted + Object.values(answer.suppressed).reduce((a, b) => a + b, 0),
    recipients.length,
  );
  assert.equal(answer.accepted, recipients.length, JSON.stringify(answer));
  let s;
  for (let i = 0; i < 600; i++) {
    s = (await api(origin, 'GET', `/v1/campaigns/${key}/stats`)).json;
    if (s.delivered >= recipients.length && s.pending === 0) break;
    await sleep(100);
  }
  assert.equal(
    s.targeted,
    recipients.length,
    `no recipient considered twice: ${JSON.stringify(s)}`,
  );
  assert.equal(s.delivered, recipients.length, JSON.stringify(s));
  const ids = new Map();
  for (const h of sink.hits.filter((x) => x.path.startsWith('/api/'))) {
    const user = h.path.split('/')[2];
    if (!ids.has(user)) ids.set(user, new Set());
    ids.get(user).add(sink.header(h, 'webhook-id').toString());
  }
  assert.equal(ids.size, recipients.length, 'every recipient got it');
  for (const [user, set] of ids)
    assert.equal(set.size, 1, `${user}: one message (same webhook-id if repeated)`);
  stop();
});
