// Black-box acceptance suite: the HTTP contract (docs/api.md) for campaigns,
// audiences, sends and workspace frequency capping, walked route by route
// and rule by rule against `npm start`'s process (scripts/start.mjs: worker,
// console and demo sink), run as a child on free ports with its own state
// folder. Destinations are a recording sink on 127.0.0.1 (npm start allows
// http:// to loopback). Waiting is polling for an outcome, never a timing:
// the worker runs with a test clock (HOOKCAST_TEST_WORKER, see
// workers/clock_worker.js) that the schedule tests move past their `at`.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedPort, startSink } from './edge_helpers.mjs';
import { checkAnswer } from './helpers/openapi_check.mjs';
import { CLOCK_WORKER, testClock } from './helpers/test_clock.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let clockAhead = 0; // how far the worker's clock runs ahead of real time (ms), kept across restarts
const clockEnv = () => ({
  HOOKCAST_TEST_WORKER: CLOCK_WORKER,
  HOOKCAST_TEST_CLOCK_OFFSET_MS: String(clockAhead),
});
const KEY = 'acceptance-key-0123456789';
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
// stats.suppressed as the contract lists it (control: control groups;
// schedule_passed: a one-time schedule in each user's zone started late).
const REASONS = [
  'already_sent',
  'resend_period',
  'frequency_cap',
  'not_in_cohort',
  'personalization',
  'cancelled',
  'control',
  'schedule_passed',
];

let child;
let exited;
let stateDir;
let origin;
let output = '';
let sink; // answers 200
let failSink; // answers 400 (a failure no retry fixes)
let flakySink; // answers 503 (400 under /x4) to the first request of each path, then 200

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-acceptance-'));
  const seenPaths = new Set();
  [sink, failSink, flakySink] = await Promise.all([
    startSink((req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    ),
    startSink((req, res) => res.writeHead(400).end('no')),
    startSink((req, res) => {
      const first = !seenPaths.has(req.url);
      seenPaths.add(req.url);
      // Paths under /x4 fail their first request with a 400 (not retried) instead.
      res
        .writeHead(first ? (req.url.startsWith('/x4') ? 400 : 503) : 200)
        .end(first ? 'busy' : 'ok');
    }),
  ]);
  const [port, sinkPort] = await Promise.all([closedPort(), closedPort()]);
  child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOOKCAST_API_KEY: KEY,
      HOOKCAST_PORT: String(port),
      HOOKCAST_SINK_PORT: String(sinkPort),
      HOOKCAST_STATE_DIR: stateDir,
      ...clockEnv(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  await new Promise((resolve, reject) => {
    child.stdout.on('data', () => output.includes('Ctrl-C stops everything') && resolve());
    exited.then(({ code }) => reject(new Error(`start.mjs exited (${code}):\n${output}`)));
  });
  origin = `http://127.0.0.1:${port}`;
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await exited;
  }
  await Promise.all([sink?.close(), failSink?.close(), flakySink?.close()]);
  fs.rmSync(stateDir, { recursive: true, force: true });
  assert.doesNotMatch(output, /internal error|Uncaught/i, 'the worker logged an internal error');
});

/** One API call: { status, json, headers }. */
async function api(method, p, body, headers = {}) {
  const init = { method, headers: { authorization: `Bearer ${KEY}`, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  for (const [k, v] of Object.entries(init.headers)) if (v === null) delete init.headers[k];
  const res = await fetch(origin + p, init);
  const text = await res.text();
  checkAnswer({
    method,
    path: p,
    status: res.status,
    contentType: res.headers.get('content-type'),
    text,
    request: body,
  });
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  assert.notEqual(res.status, 500, `${method} ${p} answered 500: ${text}`);
  return { status: res.status, json, headers: res.headers, text };
}

/** Asserts the contract's error shape, the status and (optionally) the code and a problem's field. */
function assertError(r, status, code, field) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.ok, false);
  assert.equal(typeof r.json.error.code, 'string');
  assert.equal(typeof r.json.error.message, 'string');
  if (code) assert.equal(r.json.error.code, code, JSON.stringify(r.json));
  if (field !== undefined) {
    assert.ok(Array.isArray(r.json.problems), 'problems is a list');
    assert.ok(
      r.json.problems.some((p) => p.field === field),
      `a problem names ${field}: ${JSON.stringify(r.json.problems)}`,
    );
  }
  if (r.json.problems) for (const p of r.json.problems) assert.equal(typeof p.field, 'string');
}

const clock = testClock((method, p, body) => api(method, p, body));

/** A schedule's `at` (UTC) a minute ahead on the worker's clock, and that instant. */
async function scheduleAhead() {
  const ms = Math.floor(((await clock.now()) + 60_000) / 1000) * 1000;
  return { at: new Date(ms).toISOString().slice(0, 19), ms };
}

/** Polls `fn` until it answers truthy (no deadline besides the test runner's). */
async function until(fn, what) {
  for (let i = 0; ; i++) {
    const v = await fn();
    if (v) return v;
    if (i > 600) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const spec = (url) => ({
  url,
  method: 'POST',
  headers: [{ key: 'X-Plan', value: '{{ user.plan | default: "none" }}' }],
  body: '{"id": "{{ user.id }}", "e": "{{ event.key }}", "n": {{ event.n | default: 0 }}}',
});

function assertStats(s) {
  assert.deepEqual(Object.keys(s).sort(), [
    'delivered',
    'failed',
    'pending',
    'retried',
    'sent',
    'suppressed',
    'targeted',
  ]);
  assert.deepEqual(Object.keys(s.suppressed).sort(), [...REASONS].sort());
  const sup = REASONS.reduce((a, r) => a + s.suppressed[r], 0);
  assert.equal(s.targeted, s.sent + sup, `targeted = sent + Σ suppressed: ${JSON.stringify(s)}`);
  assert.equal(
    s.sent,
    s.delivered + s.failed + s.pending,
    `sent = delivered + failed + pending: ${JSON.stringify(s)}`,
  );
}

async function createCampaign(fields) {
  const r = await api('POST', '/v1/campaigns', { title: 't', ...fields });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.campaign;
}

async function apiCampaign(fields = {}) {
  const c = await createCampaign({
    webhook: spec(`${sink.origin}/api`),
    target: { allUsers: true },
    send: { type: 'api' },
    ...fields,
  });
  const s = await api('POST', `/v1/campaigns/${c.key}/start`);
  assert.equal(s.status, 200, JSON.stringify(s.json));
  return c.key;
}

const hitsTo = (s, prefix) => s.hits.filter((h) => h.path.startsWith(prefix));

describe('auth and errors', () => {
  it('401 without a bearer, 404 for unknown ids, 404 unknown route', async () => {
    for (const [m, p] of [
      ['GET', '/v1/campaigns'],
      ['GET', '/v1/cohorts'],
      ['POST', '/v1/users'],
      ['GET', '/v1/properties'],
      ['GET', '/v1/settings/frequency-capping'],
    ]) {
      assertError(await api(m, p, undefined, { authorization: null }), 401);
      assertError(await api(m, p, undefined, { authorization: 'Bearer wrong' }), 401);
    }
    assertError(await api('GET', '/v1/users/nobody'), 404);
    assertError(await api('DELETE', '/v1/users/nobody-at-all'), 404);
    assertError(await api('GET', '/v1/cohorts/coh_nope'), 404);
    assertError(
      await api('PUT', '/v1/cohorts/coh_nope', {
        name: 'x',
        rule: { property: 'a', op: 'exists' },
      }),
      404,
    );
    assertError(await api('DELETE', '/v1/cohorts/coh_nope'), 404);
    assertError(await api('POST', '/v1/cohorts/coh_nope/estimate'), 404);
    for (const p of ['', '/stats', '/deliveries', '/exposures'])
      assertError(await api('GET', `/v1/campaigns/nope${p}`), 404);
    for (const p of ['start', 'pause', 'resume', 'end', 'audience-check'])
      assertError(await api('POST', `/v1/campaigns/nope/${p}`), 404);
    assertError(await api('PATCH', '/v1/campaigns/nope', { title: 'x' }), 404);
    assertError(await api('POST', '/v1/campaigns/c_1_aaaa/preview', { context: {} }), 404);
    assertError(
      await api('POST', '/v1/campaigns/c_1_aaaa/send', { recipients: [{ userId: 'u' }] }),
      404,
    );
    assertError(await api('POST', '/v1/deliveries/nope/retry'), 404);
    assertError(await api('GET', '/v1/nope'), 404);
  });

  it('malformed JSON and wrong types are 400 with fields, never 500', async () => {
    assertError(await api('POST', '/v1/users', '{nope'), 400);
    assertError(await api('POST', '/v1/campaigns', '[1]'), 400);
    assertError(await api('POST', '/v1/campaigns', { title: 5 }), 400, undefined, 'title');
    assertError(await api('POST', '/v1/cohorts', { name: 'x' }), 400, undefined, 'rule');
    assertError(await api('POST', '/v1/events', { events: 'x' }), 400, undefined, 'events');
  });
});

describe('users and events', () => {
  it('upsert merges, null removes, GET answers the contract shape', async () => {
    let r = await api('POST', '/v1/users', {
      users: [{ id: 'ua', properties: { plan: 'pro', age: 30, city: 'Seoul' } }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    r = await api('POST', '/v1/users', {
      users: [{ id: 'ua', properties: { age: 31, city: null } }],
    });
    assert.equal(r.status, 200);
    r = await api('GET', '/v1/users/ua');
    assert.equal(r.status, 200);
    assert.equal(r.json.id, 'ua');
    assert.deepEqual(r.json.properties, { plan: 'pro', age: 31 });
    assert.ok('lastSeenAt' in r.json);
    assert.ok(r.json.lastSeenAt === null || ISO_RE.test(r.json.lastSeenAt));
    assert.deepEqual(r.json.sends, []);
  });

  it('≤ 1000 users per call; bad items are named users[3].id', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `m${i}`, properties: {} }));
    assertError(await api('POST', '/v1/users', { users: many }), 400, undefined, 'users');
    const ok = Array.from({ length: 1000 }, (_, i) => ({ id: `m${i}`, properties: {} }));
    assert.equal((await api('POST', '/v1/users', { users: ok })).status, 200);
    const bad = [
      { id: 'a', properties: {} },
      { id: 'b', properties: {} },
      { id: 'c', properties: {} },
      { id: 5, properties: {} },
    ];
    const r = await api('POST', '/v1/users', { users: bad });
    assertError(r, 400, undefined, 'users[3].id');
    assertError(
      await api('POST', '/v1/users', { users: [{ id: 'x', properties: 'no' }] }),
      400,
      undefined,
      'users[0].properties',
    );
    assertError(await api('GET', '/v1/users/a'), 404, undefined, undefined); // the refused call stored nothing
  });

  it('events with and without at; an unknown user is created; answer { ok, accepted, triggered }', async () => {
    const at = '2026-01-02T03:04:05.000Z';
    const r = await api('POST', '/v1/events', {
      events: [
        { userId: 'ev-new', key: 'signup', properties: { source: 'ad' }, at },
        { userId: 'ev-new', key: 'login' },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.ok, true);
    assert.equal(r.json.accepted, 2);
    assert.equal(r.json.triggered, 0);
    const u = await api('GET', '/v1/users/ev-new');
    assert.equal(u.status, 200);
    assert.ok(ISO_RE.test(u.json.lastSeenAt), u.json.lastSeenAt);
    assertError(
      await api('POST', '/v1/events', { events: [{ userId: 'x', key: 'k', at: 'yesterday' }] }),
      400,
      undefined,
      'events[0].at',
    );
    assertError(
      await api('POST', '/v1/events', { events: [{ userId: 'x' }] }),
      400,
      undefined,
      'events[0].key',
    );
    const many = Array.from({ length: 1001 }, () => ({ userId: 'x', key: 'k' }));
    assertError(await api('POST', '/v1/events', { events: many }), 400, undefined, 'events');
  });

  it('GET /v1/properties lists what was seen', async () => {
    const r = await api('GET', '/v1/properties');
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json.user) && Array.isArray(r.json.events));
    const plan = r.json.user.find((p) => p.name === 'plan');
    assert.ok(plan, JSON.stringify(r.json.user));
    assert.deepEqual(Object.keys(plan).sort(), ['example', 'name', 'type']);
    assert.equal(plan.example, 'pro');
    const signup = r.json.events.find((e) => e.key === 'signup');
    assert.ok(signup, JSON.stringify(r.json.events));
    assert.deepEqual(Object.keys(signup).sort(), ['count', 'key', 'properties']);
    assert.ok(signup.count >= 1);
    const source = signup.properties.find((p) => p.name === 'source');
    assert.deepEqual(Object.keys(source).sort(), ['example', 'name', 'type']);
  });
});

describe('cohorts', () => {
  let id;
  it('create 201 { cohort: { id, name, rule, createdAt, updatedAt } }, list, get, put', async () => {
    const rule = { property: 'plan', op: 'eq', value: 'pro' };
    let r = await api('POST', '/v1/cohorts', { name: 'Pro', rule });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const c = r.json.cohort;
    assert.deepEqual(Object.keys(c).sort(), ['createdAt', 'id', 'name', 'rule', 'updatedAt']);
    assert.ok(ISO_RE.test(c.createdAt) && ISO_RE.test(c.updatedAt));
    assert.deepEqual(c.rule, rule);
    id = c.id;
    r = await api('GET', '/v1/cohorts');
    assert.ok(r.json.cohorts.some((x) => x.id === id));
    r = await api('GET', `/v1/cohorts/${id}`);
    assert.equal(r.json.cohort.name, 'Pro');
    r = await api('PUT', `/v1/cohorts/${id}`, {
      name: 'Pro users',
      rule: { all: [rule, { property: 'age', op: 'gte', value: 18 }] },
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.cohort.name, 'Pro users');
    assert.ok(ISO_RE.test(r.json.cohort.updatedAt));
  });

  it('estimate { users, sample }', async () => {
    const r = await api('POST', `/v1/cohorts/${id}/estimate`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.users, 1);
    assert.deepEqual(r.json.sample, ['ua']);
  });

  it('a bad rule is 400 with a located field and stores nothing', async () => {
    const listBefore = (await api('GET', '/v1/cohorts')).json.cohorts;
    const before = (await api('GET', `/v1/cohorts/${id}`)).json.cohort;
    let r = await api('POST', '/v1/cohorts', {
      name: 'Bad',
      rule: {
        all: [
          { property: 'a', op: 'eq', value: 1 },
          { property: 'b', op: 'frob', value: 1 },
        ],
      },
    });
    assertError(r, 400, undefined, 'rule.all[1].op');
    r = await api('POST', '/v1/cohorts', { name: 'Bad', rule: { any: [] } });
    assertError(r, 400);
    r = await api('PUT', `/v1/cohorts/${id}`, {
      name: 'X',
      rule: {
        all: [
          { property: 'a', op: 'eq', value: 1 },
          { property: 'b', op: 'frob' },
        ],
      },
    });
    assertError(r, 400, undefined, 'rule.all[1].op');
    r = await api('GET', `/v1/cohorts/${id}`);
    assert.equal(r.json.cohort.name, 'Pro users');
    assert.deepEqual(r.json.cohort, before, 'the refused PUT changed nothing');
    assert.deepEqual(
      (await api('GET', '/v1/cohorts')).json.cohorts,
      listBefore,
      'the refused POSTs stored nothing',
    );
  });

  it('DELETE is 409 while a campaign that is not ended targets it', async () => {
    const rc = await api('POST', '/v1/cohorts', {
      name: 'Temp',
      rule: { property: 'plan', op: 'exists' },
    });
    const cid = rc.json.cohort.id;
    const camp = await createCampaign({ target: { cohort: cid } });
    assertError(await api('DELETE', `/v1/cohorts/${cid}`), 409);
    assert.equal((await api('POST', `/v1/campaigns/${camp.key}/end`)).status, 200);
    const d = await api('DELETE', `/v1/cohorts/${cid}`);
    assert.ok(d.status === 200 || d.status === 204, `${d.status} ${d.text}`);
    assertError(await api('GET', `/v1/cohorts/${cid}`), 404);
  });
});

describe('campaigns', () => {
  it('create 201 { campaign } ready with a key; list; get', async () => {
    const c = await createCampaign({ title: 'Welcome', description: 'd' });
    assert.equal(c.status, 'ready');
    assert.match(c.key, /^[A-Za-z0-9_~.-]+$/);
    assert.equal(c.title, 'Welcome');
    const c2 = await createCampaign({ title: 'Other' });
    assert.notEqual(c.key, c2.key);
    const l = await api('GET', '/v1/campaigns');
    assert.equal(l.status, 200);
    const item = l.json.campaigns.find((x) => x.key === c.key);
    assert.ok(item);
    for (const f of ['key', 'title', 'status', 'send', 'stats']) assert.ok(f in item, f);
    assert.equal(item.send.type, null, 'send.type reads null for a campaign with no send yet');
    const withSend = await createCampaign({ send: { type: 'api' } });
    const l2 = await api('GET', '/v1/campaigns');
    assert.equal(l2.json.campaigns.find((x) => x.key === withSend.key).send.type, 'api');
    assertStats(item.stats);
    const g = await api('GET', `/v1/campaigns/${c.key}`);
    assert.equal(g.json.campaign.key, c.key);
    assert.ok(ISO_RE.test(g.json.campaign.createdAt));
  });

  it('create stores a draft with webhook problems; shape errors are 400 and store nothing', async () => {
    const draft = await createCampaign({ webhook: { url: 'ftp://x', method: 'POST' } });
    assert.ok(
      draft.problems.some((p) => p.field === 'webhook.url'),
      JSON.stringify(draft.problems),
    );
    const before = (await api('GET', '/v1/campaigns')).json.campaigns.length;
    assertError(
      await api('POST', '/v1/campaigns', {
        title: 'x',
        send: { type: 'schedule', at: '2030-01-01T09:00', timeZone: 'Mars/Base' },
      }),
      400,
      'unknown_time_zone',
      'send.timeZone',
    );
    assertError(
      await api('POST', '/v1/campaigns', { title: 'x', send: { type: 'nope' } }),
      400,
      undefined,
      'send.type',
    );
    assertError(
      await api('POST', '/v1/campaigns', {
        title: 'x',
        send: { type: 'schedule', at: 'tomorrow', timeZone: 'UTC' },
      }),
      400,
      undefined,
      'send.at',
    );
    assertError(
      await api('POST', '/v1/campaigns', {
        title: 'x',
        fatigue: { resend: { every: 1, unit: 'years' }, frequencyCapping: false },
      }),
      400,
    );
    assertError(
      await api('POST', '/v1/campaigns', { title: 'x', target: { cohort: 'coh_missing' } }),
      400,
      undefined,
      'target.cohort',
    );
    assertError(
      await api('POST', '/v1/campaigns', { title: 'x', rateLimit: { perMinute: -1 } }),
      400,
    );
    assertError(await api('POST', '/v1/campaigns', {}), 400, undefined, 'title');
    assert.equal((await api('GET', '/v1/campaigns')).json.campaigns.length, before);
  });

  it('status machine: transitions 200 { campaign }, 409 invalid_transition naming the status', async () => {
    const key = await apiCampaign();
    let r = await api('POST', `/v1/campaigns/${key}/start`);
    assertError(r, 409, 'invalid_transition');
    assert.match(r.json.error.message, /running/);
    r = await api('POST', `/v1/campaigns/${key}/resume`);
    assertError(r, 409, 'invalid_transition');
    r = await api('POST', `/v1/campaigns/${key}/pause`);
    assert.equal(r.status, 200);
    assert.equal(r.json.campaign.status, 'paused');
    r = await api('POST', `/v1/campaigns/${key}/pause`);
    assertError(r, 409, 'invalid_transition');
    assert.match(r.json.error.message, /paused/);
    r = await api('POST', `/v1/campaigns/${key}/resume`);
    assert.equal(r.json.campaign.status, 'running');
    r = await api('POST', `/v1/campaigns/${key}/end`);
    assert.equal(r.json.campaign.status, 'ended');
    for (const a of ['start', 'pause', 'resume', 'end']) {
      r = await api('POST', `/v1/campaigns/${key}/${a}`);
      assertError(r, 409, 'invalid_transition');
      assert.match(r.json.error.message, /ended/);
    }
    const ready = await createCampaign({});
    r = await api('POST', `/v1/campaigns/${ready.key}/pause`);
    assertError(r, 409, 'invalid_transition');
    assert.match(r.json.error.message, /ready/);
    r = await api('POST', `/v1/campaigns/${ready.key}/end`);
    assert.equal(r.status, 200);
    assert.equal(r.json.campaign.status, 'ended');
  });

  it('PATCH: title/description any status but ended; content only ready or paused', async () => {
    const key = await apiCampaign();
    let r = await api('PATCH', `/v1/campaigns/${key}`, { title: 'Renamed', description: 'x' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.campaign.title, 'Renamed');
    r = await api('PATCH', `/v1/campaigns/${key}`, { webhook: spec(`${sink.origin}/other`) });
    assertError(r, 409, 'campaign_not_editable');
    r = await api('PATCH', `/v1/campaigns/${key}`, { title: 'Both', timeoutMs: 5000 });
    assertError(r, 409, 'campaign_not_editable');
    assert.equal(
      (await api('GET', `/v1/campaigns/${key}`)).json.campaign.title,
      'Renamed',
      'a refused PATCH changes nothing',
    );
    await api('POST', `/v1/campaigns/${key}/pause`);
    r = await api('PATCH', `/v1/campaigns/${key}`, { webhook: spec(`${sink.origin}/other`) });
    assert.equal(r.status, 200);
    assert.equal(r.json.campaign.webhook.url, `${sink.origin}/other`);
    await api('POST', `/v1/campaigns/${key}/end`);
    assertError(
      await api('PATCH', `/v1/campaigns/${key}`, { title: 'late' }),
      409,
      'campaign_not_editable',
    );
    assertError(await api('PATCH', `/v1/campaigns/${key}`, { title: 7 }), 400, undefined, 'title');
    // A problem about the whole body has field "": its message does not start with ": ".
    for (const r of [
      await api('PATCH', `/v1/campaigns/${key}`, {}),
      await api('PUT', '/v1/cohorts/coh_aaaaaaaaaaaaaaaaaaaa', {}),
    ]) {
      assert.ok(r.status === 400 || r.status === 404, r.text);
      assert.doesNotMatch(r.json.error.message, /^:/);
    }
  });

  it('start 400 lists every missing piece; a schedule in the past is a problem', async () => {
    const empty = await createCampaign({});
    let r = await api('POST', `/v1/campaigns/${empty.key}/start`);
    assertError(r, 400);
    const fields = r.json.problems.map((p) => p.field);
    for (const f of ['webhook', 'target', 'send'])
      assert.ok(
        fields.some((x) => x === f || x.startsWith(`${f}.`)),
        `${f} in ${fields}`,
      );
    const past = await createCampaign({
      webhook: spec(`${sink.origin}/p`),
      target: { allUsers: true },
      send: { type: 'schedule', at: '2020-01-01T09:00', timeZone: 'Asia/Seoul' },
    });
    r = await api('POST', `/v1/campaigns/${past.key}/start`);
    assertError(r, 400, undefined, 'send.at');
    assert.ok(r.json.problems.some((p) => p.code === 'schedule_in_past'));
    const badHook = await createCampaign({
      webhook: { url: 'http://example.com/x', method: 'POST' },
      target: { allUsers: true },
      send: { type: 'api' },
    });
    r = await api('POST', `/v1/campaigns/${badHook.key}/start`);
    assertError(r, 400, undefined, 'webhook.url');
    assert.equal((await api('GET', `/v1/campaigns/${badHook.key}`)).json.campaign.status, 'ready');
  });
});

describe('sends', () => {
  it('API send: answer shape, accepted + Σ suppressed = recipients, Idempotency-Key replay, ledger', async () => {
    await api('POST', '/v1/users', {
      users: [
        { id: 'api1', properties: { plan: 'pro' } },
        { id: 'api2', properties: { plan: 'free' } },
      ],
    });
    const rc = await api('POST', '/v1/cohorts', {
      name: 'api pros',
      rule: { property: 'plan', op: 'eq', value: 'pro' },
    });
    const key = await apiCampaign({ target: { cohort: rc.json.cohort.id } });
    const body = {
      recipients: [
        { userId: 'api1', properties: { n: 2 } },
        { userId: 'api2' },
        { userId: 'api1' },
        { userId: 'api-new', properties: { plan: 'pro' } },
      ],
      properties: { n: 1 },
    };
    let r = await api('POST', `/v1/campaigns/${key}/send`, body, { 'idempotency-key': 'k-1' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(Object.keys(r.json).sort(), ['accepted', 'dispatchId', 'ok', 'suppressed']);
    assert.equal(r.json.ok, true);
    const sum = Object.values(r.json.suppressed).reduce((a, b) => a + b, 0);
    assert.equal(r.json.accepted + sum, 4, JSON.stringify(r.json));
    assert.equal(r.json.suppressed.not_in_cohort, 2, JSON.stringify(r.json)); // api2 (free) and api-new (stored profile {})
    assert.equal(r.json.accepted, 1);
    assert.equal(r.json.suppressed.already_sent, 1);
    const first = r.json;
    r = await api('POST', `/v1/campaigns/${key}/send`, body, { 'idempotency-key': 'k-1' });
    assert.deepEqual(r.json, first);
    await until(
      () => hitsTo(sink, '/api').filter((h) => JSON.parse(h.body).id === 'api1').length >= 1,
      'the API send',
    );
    const hit = hitsTo(sink, '/api').find((h) => JSON.parse(h.body).id === 'api1');
    assert.deepEqual(JSON.parse(hit.body), { id: 'api1', e: 'api', n: 2 });
    assert.equal(sink.header(hit, 'x-plan').toString(), 'pro');
    const u = await api('GET', '/v1/users/api1');
    assert.equal(u.json.sends.length, 1);
    assert.equal(u.json.sends[0].campaign, key);
    assert.ok(ISO_RE.test(u.json.sends[0].at));
    assert.equal(
      (await api('GET', '/v1/users/api-new')).status,
      200,
      'a recipient who is not stored is created',
    );
    // stats
    await until(
      async () => (await api('GET', `/v1/campaigns/${key}/stats`)).json.delivered === 1,
      'delivered',
    );
    const s = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
    assertStats(s);
    assert.equal(s.targeted, 4);
    assert.equal(s.sent, 1);
    // exposures
    const ex = await api('GET', `/v1/campaigns/${key}/exposures`);
    assert.equal(ex.status, 200);
    assert.deepEqual(Object.keys(ex.json).sort(), ['exposures', 'nextCursor']);
    assert.equal(ex.json.nextCursor, null);
    assert.equal(ex.json.exposures.length, 1);
    assert.deepEqual(Object.keys(ex.json.exposures[0]).sort(), [
      'at',
      'deliveryId',
      'group',
      'status',
      'userId',
    ]);
    assert.equal(ex.json.exposures[0].userId, 'api1');
    assert.equal(ex.json.exposures[0].group, 'sent');
    assert.ok(ISO_RE.test(ex.json.exposures[0].at));
    // deliveries
    const dl = await api('GET', `/v1/campaigns/${key}/deliveries`);
    assert.equal(dl.status, 200);
    assert.deepEqual(Object.keys(dl.json).sort(), ['deliveries', 'nextCursor']);
    const d = dl.json.deliveries[0];
    for (const f of ['id', 'userId', 'status', 'request', 'attempts'])
      assert.ok(f in d, `${f} in ${JSON.stringify(d)}`);
    assert.equal(d.status, 'delivered');
    assert.equal(d.userId, 'api1');
    assert.ok(Array.isArray(d.attempts) && d.attempts.length === 1);
    assert.ok(
      ISO_RE.test(d.attempts[0].startedAt),
      `attempt startedAt in ISO 8601: ${d.attempts[0].startedAt}`,
    );
    assert.ok(ISO_RE.test(d.createdAt) && ISO_RE.test(d.finishedAt));
    assert.equal(
      (await api('GET', `/v1/campaigns/${key}/deliveries?state=failed`)).json.deliveries.length,
      0,
    );
    assert.equal(
      (await api('GET', `/v1/campaigns/${key}/deliveries?state=delivered`)).json.deliveries.length,
      1,
    );
    assertError(
      await api('GET', `/v1/campaigns/${key}/deliveries?state=bogus`),
      400,
      undefined,
      'state',
    );
    // DELETE user forgets the ledger
    assert.ok([200, 204].includes((await api('DELETE', '/v1/users/api1')).status));
    assertError(await api('GET', '/v1/users/api1'), 404);
  });

  it('API send: 409 unless running with type api; ≤ 1000 recipients; bad recipients name fields', async () => {
    const ready = await createCampaign({
      webhook: spec(`${sink.origin}/api`),
      target: { allUsers: true },
      send: { type: 'api' },
    });
    assertError(
      await api('POST', `/v1/campaigns/${ready.key}/send`, { recipients: [{ userId: 'u' }] }),
      409,
    );
    const ev = await createCampaign({
      webhook: spec(`${sink.origin}/api`),
      target: { allUsers: true },
      send: { type: 'event', event: 'zzz' },
    });
    await api('POST', `/v1/campaigns/${ev.key}/start`);
    assertError(
      await api('POST', `/v1/campaigns/${ev.key}/send`, { recipients: [{ userId: 'u' }] }),
      409,
    );
    const key = await apiCampaign();
    const many = Array.from({ length: 1001 }, (_, i) => ({ userId: `r${i}` }));
    assertError(
      await api('POST', `/v1/campaigns/${key}/send`, { recipients: many }),
      400,
      undefined,
      'recipients',
    );
    assertError(
      await api('POST', `/v1/campaigns/${key}/send`, {
        recipients: [{ userId: 'a' }, { userId: '' }],
      }),
      400,
      undefined,
      'recipients[1].userId',
    );
    await api('POST', `/v1/campaigns/${key}/pause`);
    assertError(
      await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'u' }] }),
      409,
    );
  });

  it('event send: a matching event triggers; triggered counts accepted messages', async () => {
    const c = await createCampaign({
      webhook: spec(`${sink.origin}/event`),
      target: { allUsers: true },
      send: {
        type: 'event',
        event: 'purchase',
        where: [{ property: 'amount', op: 'gte', value: 10 }],
      },
    });
    assert.equal((await api('POST', `/v1/campaigns/${c.key}/start`)).status, 200);
    let r = await api('POST', '/v1/events', {
      events: [{ userId: 'buyer', key: 'purchase', properties: { amount: 5 } }],
    });
    assert.equal(r.json.triggered, 0);
    r = await api('POST', '/v1/events', {
      events: [{ userId: 'buyer', key: 'purchase', properties: { amount: 50, n: 7 } }],
    });
    assert.equal(r.json.triggered, 1, JSON.stringify(r.json));
    r = await api('POST', '/v1/events', {
      events: [{ userId: 'buyer', key: 'purchase', properties: { amount: 60 } }],
    });
    assert.equal(r.json.triggered, 0, 'once per user');
    await until(() => hitsTo(sink, '/event').length >= 1, 'the event send');
    assert.deepEqual(JSON.parse(hitsTo(sink, '/event')[0].body), {
      id: 'buyer',
      e: 'purchase',
      n: 7,
    });
    const s = (await api('GET', `/v1/campaigns/${c.key}/stats`)).json;
    assertStats(s);
    assert.equal(s.suppressed.already_sent, 1);
  });

  it('schedule send: runs at its time to the cohort', async () => {
    await api('POST', '/v1/users', {
      users: [
        { id: 'sch1', properties: { tier: 'gold' } },
        { id: 'sch2', properties: { tier: 'gold' } },
        { id: 'sch3', properties: { tier: 'tin' } },
      ],
    });
    const rc = await api('POST', '/v1/cohorts', {
      name: 'gold',
      rule: { property: 'tier', op: 'eq', value: 'gold' },
    });
    const { at, ms } = await scheduleAhead();
    const c = await createCampaign({
      webhook: spec(`${sink.origin}/sched`),
      target: { cohort: rc.json.cohort.id },
      send: { type: 'schedule', at, timeZone: 'UTC' },
    });
    const r = await api('POST', `/v1/campaigns/${c.key}/start`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok(ISO_RE.test(r.json.campaign.nextRunAt));
    assert.equal(Date.parse(r.json.campaign.nextRunAt), ms);
    await clock.advancePast(ms);
    await until(() => hitsTo(sink, '/sched').length >= 2, 'the scheduled send');
    assert.deepEqual(
      hitsTo(sink, '/sched')
        .map((h) => JSON.parse(h.body).id)
        .sort(),
      ['sch1', 'sch2'],
    );
    const s = await until(async () => {
      const x = (await api('GET', `/v1/campaigns/${c.key}/stats`)).json;
      return x.delivered === 2 && x;
    }, 'stats');
    assertStats(s);
  });

  it('failed delivery: ?state=failed, then POST /v1/deliveries/:id/retry replays it', async () => {
    const key = await apiCampaign({ webhook: spec(`${failSink.origin}/f`) });
    await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'fail1' }] });
    const failed = await until(
      async () =>
        (await api('GET', `/v1/campaigns/${key}/deliveries?state=failed`)).json.deliveries[0],
      'a failed delivery',
    );
    assert.equal(failed.status, 'failed');
    const s = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
    assertStats(s);
    assert.equal(s.failed, 1);
    const r = await api('POST', `/v1/deliveries/${encodeURIComponent(failed.id)}/retry`);
    assert.ok(r.status === 200 || r.status === 202, `${r.status} ${r.text}`);
    await until(() => failSink.hits.length >= 2, 'the replay');
    const [a, b] = failSink.hits;
    assert.equal(
      failSink.header(a, 'webhook-id').toString(),
      failSink.header(b, 'webhook-id').toString(),
    );
    assert.deepEqual(a.body, b.body);
    const retryDelivered = await api(
      'POST',
      `/v1/deliveries/${encodeURIComponent(failed.id)}/retry`,
    );
    assert.notEqual(retryDelivered.status, 500);
  });

  let endedKey;
  it('end moves pending (paused) messages to suppressed.cancelled', async () => {
    const key = await apiCampaign({
      webhook: spec(`${sink.origin}/paced`),
      rateLimit: { perMinute: 1 },
    });
    const r = await api('POST', `/v1/campaigns/${key}/send`, {
      recipients: [{ userId: 'p1' }, { userId: 'p2' }, { userId: 'p3' }],
    });
    assert.equal(r.json.accepted, 3);
    await until(() => hitsTo(sink, '/paced').length >= 1, 'the first paced message');
    let s = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
    assertStats(s);
    assert.equal(s.sent, 3);
    assert.ok(s.pending >= 2, JSON.stringify(s));
    await api('POST', `/v1/campaigns/${key}/end`);
    s = await until(async () => {
      const x = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
      return x.pending === 0 && x;
    }, 'pending to cancelled');
    assertStats(s);
    assert.equal(s.suppressed.cancelled, 2, JSON.stringify(s));
    assert.equal(s.sent, 1);
    const cancelled = (await api('GET', `/v1/campaigns/${key}/deliveries?state=cancelled`)).json
      .deliveries;
    assert.equal(cancelled.length, 2);
    endedKey = key;
  });

  // Regression: a message cancelled by `end` kept its ledger row, so
  // exposures, the user's sends and other campaigns' caps counted a user
  // who was never sent it (3 exposures for sent 1).
  it('exposures after end list only who was sent it; cancelled users take no cap slot', async () => {
    const s = (await api('GET', `/v1/campaigns/${endedKey}/stats`)).json;
    const exposed = (await api('GET', `/v1/campaigns/${endedKey}/exposures`)).json.exposures;
    assert.equal(
      exposed.length,
      s.sent,
      `exposures list who was sent it: ${JSON.stringify(exposed)}`,
    );
    const cancelled = (
      await api('GET', `/v1/campaigns/${endedKey}/deliveries?state=cancelled`)
    ).json.deliveries.map((d) => d.userId);
    for (const u of cancelled)
      assert.deepEqual((await api('GET', `/v1/users/${u}`)).json.sends, [], u);
    assert.deepEqual(
      exposed.map((e) => e.userId).filter((u) => cancelled.includes(u)),
      [],
    );
  });

  it('audience-check shape', async () => {
    const key = await apiCampaign({ webhook: spec(`${sink.origin}/ac`) });
    const r = await api('POST', `/v1/campaigns/${key}/audience-check`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const f of ['candidates', 'wouldSend', 'fallbacks', 'refused', 'suppressed'])
      assert.ok(f in r.json, f);
    assert.equal(typeof r.json.candidates, 'number');
    assert.equal(typeof r.json.wouldSend, 'number');
    assert.equal(typeof r.json.fallbacks, 'object');
  });
});

describe('fatigue', () => {
  it('once per user, and a resend period', async () => {
    const once = await apiCampaign();
    let r = await api('POST', `/v1/campaigns/${once}/send`, { recipients: [{ userId: 'f1' }] });
    assert.equal(r.json.accepted, 1);
    r = await api('POST', `/v1/campaigns/${once}/send`, { recipients: [{ userId: 'f1' }] });
    assert.equal(r.json.accepted, 0);
    assert.equal(r.json.suppressed.already_sent, 1);
    const resend = await apiCampaign({
      fatigue: { resend: { every: 1, unit: 'days' }, frequencyCapping: false },
    });
    r = await api('POST', `/v1/campaigns/${resend}/send`, { recipients: [{ userId: 'f1' }] });
    assert.equal(r.json.accepted, 1);
    r = await api('POST', `/v1/campaigns/${resend}/send`, { recipients: [{ userId: 'f1' }] });
    assert.equal(r.json.suppressed.resend_period, 1, JSON.stringify(r.json));
  });

  it('frequency-capping settings GET/PUT and their checks', async () => {
    let r = await api('GET', '/v1/settings/frequency-capping');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.rules, []);
    assertError(
      await api('PUT', '/v1/settings/frequency-capping', {
        rules: [{ limit: 1, period: { value: 31, unit: 'days' } }],
      }),
      400,
      'period_too_long',
      'rules[0].period.value',
    );
    assertError(
      await api('PUT', '/v1/settings/frequency-capping', {
        rules: [{ limit: 1, period: { value: 5, unit: 'weeks' } }],
      }),
      400,
    );
    assertError(
      await api('PUT', '/v1/settings/frequency-capping', {
        rules: [{ limit: 0, period: { value: 1, unit: 'days' } }],
      }),
      400,
      undefined,
      'rules[0].limit',
    );
    assertError(
      await api('PUT', '/v1/settings/frequency-capping', {
        rules: [{ limit: 1, period: { value: 1, unit: 'months' } }],
      }),
      400,
    );
    assert.deepEqual((await api('GET', '/v1/settings/frequency-capping')).json.rules, []);
    const rules = [
      { limit: 1, period: { value: 1, unit: 'days' } },
      { limit: 5, period: { value: 30, unit: 'days' } },
    ];
    r = await api('PUT', '/v1/settings/frequency-capping', { rules });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.rules, rules);
    assert.deepEqual((await api('GET', '/v1/settings/frequency-capping')).json.rules, rules);
  });

  it('caps hold back across campaigns that apply them; test sends count nowhere', async () => {
    const capped = { resend: null, frequencyCapping: true };
    const a = await apiCampaign({ fatigue: capped });
    const b = await apiCampaign({ fatigue: capped });
    const free = await apiCampaign();
    assert.equal(
      (await api('POST', `/v1/campaigns/${a}/test-send`, { context: { user: { id: 'cap1' } } }))
        .status,
      200,
    );
    let r = await api('POST', `/v1/campaigns/${a}/send`, { recipients: [{ userId: 'cap1' }] });
    assert.equal(r.json.accepted, 1, JSON.stringify(r.json));
    r = await api('POST', `/v1/campaigns/${b}/send`, { recipients: [{ userId: 'cap1' }] });
    assert.equal(r.json.accepted, 0);
    assert.equal(r.json.suppressed.frequency_cap, 1, JSON.stringify(r.json));
    r = await api('POST', `/v1/campaigns/${free}/send`, { recipients: [{ userId: 'cap1' }] });
    assert.equal(r.json.accepted, 1, 'a campaign that does not apply caps is not held back');
    // Every message counts, whichever campaign sent it: one from a campaign without caps fills the slot.
    r = await api('POST', `/v1/campaigns/${free}/send`, { recipients: [{ userId: 'cap2' }] });
    assert.equal(r.json.accepted, 1);
    r = await api('POST', `/v1/campaigns/${a}/send`, { recipients: [{ userId: 'cap2' }] });
    assert.equal(r.json.suppressed.frequency_cap, 1, JSON.stringify(r.json));
    const s = (await api('GET', `/v1/campaigns/${b}/stats`)).json;
    assertStats(s);
    assert.equal(s.suppressed.frequency_cap, 1);
    await api('PUT', '/v1/settings/frequency-capping', { rules: [] });
  });
});

describe('preview and test-send per campaign', () => {
  it('{ userId } uses the stored profile; { context } as given', async () => {
    await api('POST', '/v1/users', { users: [{ id: 'pv', properties: { plan: 'gold' } }] });
    const c = await createCampaign({ webhook: spec(`${sink.origin}/pv`) });
    let r = await api('POST', `/v1/campaigns/${c.key}/preview`, { userId: 'pv' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.ok, true);
    assert.ok(
      r.json.request.headers.some(([k, v]) => k.toLowerCase() === 'x-plan' && v === 'gold'),
      JSON.stringify(r.json.request),
    );
    r = await api('POST', `/v1/campaigns/${c.key}/preview`, {
      context: {
        user: { id: 'z', properties: { plan: 'p' } },
        event: { key: 'k', properties: { n: 3 } },
      },
    });
    assert.equal(JSON.parse(r.json.request.body).n, 3);
    assertError(
      await api('POST', `/v1/campaigns/${c.key}/preview`, { userId: 'nobody-here' }),
      404,
    );
    assertError(await api('POST', `/v1/campaigns/${c.key}/preview`, {}), 400);
    const before = sink.hits.length;
    r = await api('POST', `/v1/campaigns/${c.key}/test-send`, { userId: 'pv' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(sink.hits.length, before + 1);
    assert.deepEqual(
      (await api('GET', '/v1/users/pv')).json.sends,
      [],
      'a test send counts nowhere',
    );
    const st = (await api('GET', `/v1/campaigns/${c.key}/stats`)).json;
    assert.equal(st.targeted, 0);
  });
});

describe('more of the contract', () => {
  it('defaults: fatigue { resend: null, frequencyCapping: false }, rateLimit null', async () => {
    const c = await createCampaign({});
    assert.deepEqual(c.fatigue, { resend: null, frequencyCapping: false });
    assert.equal(c.rateLimit, null);
  });

  it('pages: nextCursor walks deliveries and exposures; null on the last page', async () => {
    const key = await apiCampaign({ webhook: spec(`${sink.origin}/pages`) });
    const r = await api('POST', `/v1/campaigns/${key}/send`, {
      recipients: ['pg1', 'pg2', 'pg3'].map((userId) => ({ userId })),
    });
    assert.equal(r.json.accepted, 3);
    await until(
      async () => (await api('GET', `/v1/campaigns/${key}/stats`)).json.delivered === 3,
      'three delivered',
    );
    for (const [what, item] of [
      ['deliveries', (d) => d.userId],
      ['exposures', (e) => e.userId],
    ]) {
      const seen = [];
      let cursor = null;
      for (let i = 0; i < 10; i++) {
        const q = cursor ? `?limit=1&cursor=${encodeURIComponent(cursor)}` : '?limit=1';
        const page = await api('GET', `/v1/campaigns/${key}/${what}${q}`);
        assert.equal(page.status, 200, page.text);
        seen.push(...page.json[what].map(item));
        cursor = page.json.nextCursor;
        if (cursor === null) break;
      }
      assert.deepEqual(seen.sort(), ['pg1', 'pg2', 'pg3'], what);
    }
    assertError(
      await api('GET', `/v1/campaigns/${key}/deliveries?cursor=garbage`),
      400,
      undefined,
      'cursor',
    );
  });

  it('pause holds what is not dispatched; an edit while paused applies; resume continues', async () => {
    // 3 s apart: the pause lands well before the second dispatch.
    const key = await apiCampaign({
      webhook: spec(`${sink.origin}/before`),
      rateLimit: { perMinute: 20 },
    });
    await api('POST', `/v1/campaigns/${key}/send`, {
      recipients: ['ps1', 'ps2', 'ps3'].map((userId) => ({ userId })),
    });
    await until(() => hitsTo(sink, '/before').length >= 1, 'the first paced message');
    assert.equal((await api('POST', `/v1/campaigns/${key}/pause`)).status, 200);
    const held = hitsTo(sink, '/before').length;
    let r = await api('PATCH', `/v1/campaigns/${key}`, { webhook: spec(`${sink.origin}/after`) });
    assert.equal(r.status, 200);
    let s = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
    assertStats(s);
    assert.equal(s.pending, 3 - held, JSON.stringify(s));
    await api('POST', `/v1/campaigns/${key}/resume`);
    await until(
      () => hitsTo(sink, '/after').length === 3 - held,
      'the held messages to the edited URL',
    );
    assert.equal(hitsTo(sink, '/before').length, held);
    s = await until(async () => {
      const x = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
      return x.delivered === 3 && x;
    }, 'all delivered');
    assertStats(s);
  });

  it('a render refused at dispatch (edit while paused) is not a send: ledger and exposures drop it', async () => {
    await api('POST', '/v1/users', {
      users: [
        { id: 'pz1', properties: { note: 'fine' } },
        { id: 'pz2', properties: { note: 'bad\r\nX-Evil: 1' } },
      ],
    });
    const key = await apiCampaign({
      webhook: spec(`${sink.origin}/pz-before`),
      rateLimit: { perMinute: 20 },
    });
    assert.equal(
      (
        await api('POST', `/v1/campaigns/${key}/send`, {
          recipients: [{ userId: 'pz1' }, { userId: 'pz2' }],
        })
      ).json.accepted,
      2,
    );
    await until(() => hitsTo(sink, '/pz-before').length >= 1, 'the first paced message');
    await api('POST', `/v1/campaigns/${key}/pause`);
    const edited = {
      ...spec(`${sink.origin}/pz-after`),
      headers: [{ key: 'X-Note', value: '{{ user.note | default: "none" }}' }],
    };
    assert.equal((await api('PATCH', `/v1/campaigns/${key}`, { webhook: edited })).status, 200);
    await api('POST', `/v1/campaigns/${key}/resume`);
    const s = await until(async () => {
      const x = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
      return x.pending === 0 && x;
    }, 'both ended');
    assertStats(s);
    assert.equal(
      hitsTo(sink, '/pz-before').length,
      1,
      'paced 3 s apart: only pz1 went before the pause',
    );
    assert.equal(s.suppressed.personalization, 1, JSON.stringify(s));
    await until(
      async () => (await api('GET', '/v1/users/pz2')).json.sends.length === 0,
      'pz2 leaves the ledger',
    );
    const exposed = (await api('GET', `/v1/campaigns/${key}/exposures`)).json.exposures.map(
      (e) => e.userId,
    );
    assert.deepEqual(exposed, ['pz1']);
  });

  it('a schedule whose time passed while paused runs at resume', async () => {
    await api('POST', '/v1/users', { users: [{ id: 'late1', properties: { late: true } }] });
    const rc = await api('POST', '/v1/cohorts', {
      name: 'late',
      rule: { property: 'late', op: 'eq', value: true },
    });
    const { at, ms } = await scheduleAhead();
    const c = await createCampaign({
      webhook: spec(`${sink.origin}/late`),
      target: { cohort: rc.json.cohort.id },
      send: { type: 'schedule', at, timeZone: 'UTC' },
    });
    assert.equal((await api('POST', `/v1/campaigns/${c.key}/start`)).status, 200);
    assert.equal((await api('POST', `/v1/campaigns/${c.key}/pause`)).status, 200);
    await clock.advancePast(ms);
    await clock.workspaceAlarmDone();
    assert.equal(hitsTo(sink, '/late').length, 0);
    assert.equal((await api('POST', `/v1/campaigns/${c.key}/resume`)).status, 200);
    await until(() => hitsTo(sink, '/late').length === 1, 'the run at resume');
  });

  it('a repeating schedule moves nextRunAt on after a run', async () => {
    const { at } = await scheduleAhead();
    const c = await createCampaign({
      webhook: spec(`${sink.origin}/rep`),
      target: { allUsers: true },
      send: { type: 'schedule', at, timeZone: 'UTC', repeat: { every: 1, unit: 'days' } },
    });
    const started = (await api('POST', `/v1/campaigns/${c.key}/start`)).json.campaign;
    const first = Date.parse(started.nextRunAt);
    await clock.advancePast(first);
    const next = await until(async () => {
      const g = (await api('GET', `/v1/campaigns/${c.key}`)).json.campaign;
      return g.nextRunAt && Date.parse(g.nextRunAt) > first && g;
    }, 'the next run');
    assert.equal(Date.parse(next.nextRunAt) - first, 24 * 3600 * 1000);
    assert.equal(next.status, 'running');
    await api('POST', `/v1/campaigns/${c.key}/end`);
  });

  it('API sends: recipient properties override the profile for that message only; personalization refusals', async () => {
    await api('POST', '/v1/users', {
      users: [
        { id: 'ov1', properties: { plan: 'pro' } },
        { id: 'inj', properties: { plan: 'a\r\nX-Evil: 1' } },
      ],
    });
    const key = await apiCampaign({ webhook: spec(`${sink.origin}/ov`) });
    const r = await api('POST', `/v1/campaigns/${key}/send`, {
      recipients: [{ userId: 'ov1', properties: { plan: 'vip' } }, { userId: 'inj' }],
    });
    assert.equal(r.json.accepted, 1, JSON.stringify(r.json));
    assert.equal(r.json.suppressed.personalization, 1);
    await until(() => hitsTo(sink, '/ov').length === 1, 'the override send');
    assert.equal(sink.header(hitsTo(sink, '/ov')[0], 'x-plan').toString(), 'vip');
    assert.deepEqual((await api('GET', '/v1/users/ov1')).json.properties, { plan: 'pro' });
    const s = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
    assertStats(s);
    assert.equal(s.suppressed.personalization, 1);
  });

  it('Idempotency-Key with another body is refused; ended campaigns take no sends', async () => {
    const key = await apiCampaign();
    await api(
      'POST',
      `/v1/campaigns/${key}/send`,
      { recipients: [{ userId: 'ik1' }] },
      { 'idempotency-key': 'same' },
    );
    const r = await api(
      'POST',
      `/v1/campaigns/${key}/send`,
      { recipients: [{ userId: 'ik2' }] },
      { 'idempotency-key': 'same' },
    );
    assert.ok(r.status === 409 || r.status === 422, r.text);
    await api('POST', `/v1/campaigns/${key}/end`);
    assertError(
      await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'ik3' }] }),
      409,
    );
  });

  it('DELETE user forgets the ledger: the same campaign reaches them again', async () => {
    const key = await apiCampaign();
    assert.equal(
      (await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'del1' }] })).json
        .accepted,
      1,
    );
    assert.equal((await api('GET', '/v1/users/del1')).json.sends.length, 1);
    await api('DELETE', '/v1/users/del1');
    assert.equal(
      (await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'del1' }] })).json
        .accepted,
      1,
    );
  });

  it('cohort rules: typed comparisons, events with count and within, dates', async () => {
    const now = Date.now();
    await api('POST', '/v1/users', {
      users: [
        { id: 'rc1', properties: { score: '42', joined: '2026-01-15T00:00:00Z', grp: 'rc' } },
        { id: 'rc2', properties: { score: 7, grp: 'rc' } },
      ],
    });
    await api('POST', '/v1/events', {
      events: [
        {
          userId: 'rc1',
          key: 'rcbuy',
          properties: { amount: 20 },
          at: new Date(now - 3600e3).toISOString(),
        },
        { userId: 'rc1', key: 'rcbuy', properties: { amount: 30 } },
        {
          userId: 'rc2',
          key: 'rcbuy',
          properties: { amount: 50 },
          at: new Date(now - 40 * 86400e3).toISOString(),
        },
      ],
    });
    const est = async (rule) => {
      const c = await api('POST', '/v1/cohorts', {
        name: 'r',
        rule: { all: [{ property: 'grp', op: 'eq', value: 'rc' }, rule] },
      });
      assert.equal(c.status, 201, c.text);
      const e = await api('POST', `/v1/cohorts/${c.json.cohort.id}/estimate`);
      return e.json.sample.sort();
    };
    assert.deepEqual(await est({ property: 'score', op: 'gt', value: 40 }), ['rc1']);
    assert.deepEqual(await est({ property: 'score', op: 'between', value: [5, 10] }), ['rc2']);
    assert.deepEqual(
      await est({ property: 'joined', op: 'before', value: '2026-02-01T00:00:00Z' }),
      ['rc1'],
    );
    assert.deepEqual(
      await est({
        event: 'rcbuy',
        op: 'did',
        count: { op: 'gte', value: 2 },
        within: { last: 7, unit: 'days' },
      }),
      ['rc1'],
    );
    assert.deepEqual(await est({ event: 'rcbuy', op: 'did', within: { last: 30, unit: 'days' } }), [
      'rc1',
    ]);
    assert.deepEqual(
      await est({ event: 'rcbuy', op: 'did_not', within: { last: 30, unit: 'days' } }),
      ['rc2'],
    );
    assert.deepEqual(
      await est({
        event: 'rcbuy',
        op: 'did',
        where: [{ property: 'amount', op: 'gte', value: 45 }],
      }),
      ['rc2'],
    );
    assert.deepEqual(await est({ not: { property: 'score', op: 'exists' } }), []);
  });

  it('an event for a user outside the cohort triggers nothing and counts not_in_cohort', async () => {
    await api('POST', '/v1/users', {
      users: [
        { id: 'in1', properties: { vip: true } },
        { id: 'out1', properties: { vip: false } },
      ],
    });
    const rc = await api('POST', '/v1/cohorts', {
      name: 'vip',
      rule: { property: 'vip', op: 'eq', value: true },
    });
    const c = await createCampaign({
      webhook: spec(`${sink.origin}/vip`),
      target: { cohort: rc.json.cohort.id },
      send: { type: 'event', event: 'vipev' },
    });
    await api('POST', `/v1/campaigns/${c.key}/start`);
    const r = await api('POST', '/v1/events', {
      events: [
        { userId: 'in1', key: 'vipev' },
        { userId: 'out1', key: 'vipev' },
        { userId: 'in1', key: 'other' },
      ],
    });
    assert.equal(r.json.accepted, 3);
    assert.equal(r.json.triggered, 1);
    const s = (await api('GET', `/v1/campaigns/${c.key}/stats`)).json;
    assertStats(s);
    assert.equal(s.targeted, 2);
    assert.equal(s.suppressed.not_in_cohort, 1);
  });

  it('an event send with a delay is pending until its time', async () => {
    const c = await createCampaign({
      webhook: spec(`${sink.origin}/delay`),
      target: { allUsers: true },
      send: { type: 'event', event: 'delayed', delay: { value: 1, unit: 'hours' } },
    });
    await api('POST', `/v1/campaigns/${c.key}/start`);
    const r = await api('POST', '/v1/events', { events: [{ userId: 'dl1', key: 'delayed' }] });
    assert.equal(r.json.triggered, 1);
    const s = (await api('GET', `/v1/campaigns/${c.key}/stats`)).json;
    assertStats(s);
    assert.equal(s.pending, 1);
    assert.equal(
      (await api('GET', `/v1/campaigns/${c.key}/deliveries?state=pending`)).json.deliveries.length,
      1,
    );
    await api('POST', `/v1/campaigns/${c.key}/end`);
    const e = (await api('GET', `/v1/campaigns/${c.key}/stats`)).json;
    assertStats(e);
    assert.equal(e.suppressed.cancelled, 1);
  });

  it('retry of a delivery that did not fail is refused, not replayed', async () => {
    const key = await apiCampaign({ webhook: spec(`${sink.origin}/okretry`) });
    await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'okr' }] });
    const d = await until(
      async () =>
        (await api('GET', `/v1/campaigns/${key}/deliveries?state=delivered`)).json.deliveries[0],
      'delivered',
    );
    const r = await api('POST', `/v1/deliveries/${encodeURIComponent(d.id)}/retry`);
    assertError(r, 409);
  });

  it('oversized bodies are 413 in the error shape', async () => {
    const big = JSON.stringify({
      users: [{ id: 'big', properties: { x: 'a'.repeat(5 * 1024 * 1024) } }],
    });
    assertError(await api('POST', '/v1/users', big), 413);
  });

  it('retried counts messages that needed more than one attempt', async () => {
    const key = await apiCampaign({
      webhook: { ...spec(`${flakySink.origin}/flaky/{{ user.id }}`) },
    });
    await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'fl1' }] });
    const s = await until(async () => {
      const x = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
      return x.delivered === 1 && x;
    }, 'the retried delivery');
    assertStats(s);
    assert.equal(s.retried, 1);
    const d = (await api('GET', `/v1/campaigns/${key}/deliveries`)).json.deliveries[0];
    assert.equal(d.attempts.length, 2);
  });

  it('pause: an attempt already started finishes and its retries go on', async () => {
    const key = await apiCampaign({
      webhook: spec(`${flakySink.origin}/paused-retry/{{ user.id }}`),
    });
    await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'pr1' }] });
    await until(
      () => flakySink.hits.some((h) => h.path === '/paused-retry/pr1'),
      'the first attempt (503)',
    );
    assert.equal((await api('POST', `/v1/campaigns/${key}/pause`)).status, 200);
    const s = await until(async () => {
      const x = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
      return x.delivered === 1 && x;
    }, 'the retry while paused');
    assertStats(s);
    assert.equal(s.retried, 1);
  });

  it('a replayed failed delivery that succeeds moves from failed to delivered', async () => {
    const key = await apiCampaign({ webhook: spec(`${flakySink.origin}/x4/{{ user.id }}`) });
    await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'rp1' }] });
    const failed = await until(
      async () =>
        (await api('GET', `/v1/campaigns/${key}/deliveries?state=failed`)).json.deliveries[0],
      'the failure',
    );
    assert.equal((await api('GET', `/v1/campaigns/${key}/stats`)).json.failed, 1);
    const r = await api('POST', `/v1/deliveries/${encodeURIComponent(failed.id)}/retry`);
    assert.ok(r.status === 200 || r.status === 202, r.text);
    const s = await until(async () => {
      const x = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
      return x.delivered === 1 && x;
    }, 'the replay delivered');
    assertStats(s);
    assert.equal(s.failed, 0);
    assert.equal(s.sent, 1);
    const d = (await api('GET', `/v1/campaigns/${key}/deliveries?state=delivered`)).json
      .deliveries[0];
    assert.equal(d.id, failed.id);
    assert.equal(d.attempts.at(-1).status, 200);
  });

  it('racing for the last slot of a cap: exactly one campaign gets it', async () => {
    await api('PUT', '/v1/settings/frequency-capping', {
      rules: [{ limit: 1, period: { value: 1, unit: 'hours' } }],
    });
    const capped = { resend: null, frequencyCapping: true };
    const keys = await Promise.all([
      apiCampaign({ fatigue: capped }),
      apiCampaign({ fatigue: capped }),
      apiCampaign({ fatigue: capped }),
    ]);
    const answers = await Promise.all(
      keys.map((k) =>
        api('POST', `/v1/campaigns/${k}/send`, { recipients: [{ userId: 'race1' }] }),
      ),
    );
    assert.equal(
      answers.reduce((a, r) => a + r.json.accepted, 0),
      1,
      JSON.stringify(answers.map((r) => r.json)),
    );
    assert.equal(
      answers.reduce((a, r) => a + r.json.suppressed.frequency_cap, 0),
      2,
    );
    const same = await apiCampaign();
    const twice = await Promise.all(
      [1, 2].map(() =>
        api('POST', `/v1/campaigns/${same}/send`, { recipients: [{ userId: 'race2' }] }),
      ),
    );
    assert.equal(
      twice.reduce((a, r) => a + r.json.accepted, 0),
      1,
    );
    await api('PUT', '/v1/settings/frequency-capping', { rules: [] });
  });

  it('two identical calls with one Idempotency-Key at once send once', async () => {
    const key = await apiCampaign({ webhook: spec(`${sink.origin}/idem-race`) });
    const body = { recipients: [{ userId: 'ir1' }, { userId: 'ir2' }] };
    const answers = await Promise.all(
      [1, 2].map(() =>
        api('POST', `/v1/campaigns/${key}/send`, body, { 'idempotency-key': 'race' }),
      ),
    );
    const ok = answers.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, answers.map((r) => r.text).join('\n'));
    for (const r of answers) assert.ok(r.status === 200 || r.status === 409, r.text);
    for (const r of ok) assert.deepEqual(r.json, ok[0].json);
    const s = (await api('GET', `/v1/campaigns/${key}/stats`)).json;
    assert.equal(s.targeted, 2);
    assert.equal(s.sent, 2);
  });

  it('Idempotency-Keys are per campaign', async () => {
    const [a, b] = await Promise.all([apiCampaign(), apiCampaign()]);
    const ra = await api(
      'POST',
      `/v1/campaigns/${a}/send`,
      { recipients: [{ userId: 'idp' }] },
      { 'idempotency-key': 'shared' },
    );
    const rb = await api(
      'POST',
      `/v1/campaigns/${b}/send`,
      { recipients: [{ userId: 'idp' }] },
      { 'idempotency-key': 'shared' },
    );
    assert.equal(ra.json.accepted, 1);
    assert.equal(rb.json.accepted, 1);
    assert.notEqual(ra.json.dispatchId, rb.json.dispatchId);
  });

  it('a running campaign checks its cohort as it is now (PUT applies)', async () => {
    await api('POST', '/v1/users', {
      users: [
        { id: 'cr1', properties: { crplan: 'free' } },
        { id: 'cr2', properties: { crplan: 'free' } },
      ],
    });
    const rc = await api('POST', '/v1/cohorts', {
      name: 'cr',
      rule: { property: 'crplan', op: 'eq', value: 'pro' },
    });
    const key = await apiCampaign({ target: { cohort: rc.json.cohort.id } });
    let r = await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'cr1' }] });
    assert.equal(r.json.suppressed.not_in_cohort, 1);
    assert.equal(
      (
        await api('PUT', `/v1/cohorts/${rc.json.cohort.id}`, {
          rule: { property: 'crplan', op: 'eq', value: 'free' },
        })
      ).status,
      200,
    );
    r = await api('POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'cr2' }] });
    assert.equal(r.json.accepted, 1, JSON.stringify(r.json));
  });

  it('a cohort targeted by a paused or running campaign cannot be deleted', async () => {
    const rc = await api('POST', '/v1/cohorts', {
      name: 'held',
      rule: { property: 'plan', op: 'exists' },
    });
    const cid = rc.json.cohort.id;
    const key = await apiCampaign({ target: { cohort: cid } });
    assertError(await api('DELETE', `/v1/cohorts/${cid}`), 409);
    await api('POST', `/v1/campaigns/${key}/pause`);
    assertError(await api('DELETE', `/v1/cohorts/${cid}`), 409);
    assert.equal((await api('GET', `/v1/cohorts/${cid}`)).status, 200);
  });

  it('accepted work and Idempotency-Keys survive SIGKILL + restart', async () => {
    const key = await apiCampaign({ webhook: spec(`${sink.origin}/restart`) });
    const body = { recipients: [{ userId: 'rs1' }] };
    const first = (
      await api('POST', `/v1/campaigns/${key}/send`, body, { 'idempotency-key': 'restart-1' })
    ).json;
    assert.equal(first.accepted, 1);
    await until(() => hitsTo(sink, '/restart').length === 1, 'the send');
    // Work accepted but not yet done when the process dies: paced messages
    // and a schedule armed before the kill (due once the clock moves on).
    const paced = await apiCampaign({
      webhook: spec(`${sink.origin}/kill-paced`),
      rateLimit: { perMinute: 30 },
    });
    assert.equal(
      (
        await api('POST', `/v1/campaigns/${paced}/send`, {
          recipients: ['kp1', 'kp2', 'kp3'].map((userId) => ({ userId })),
        })
      ).json.accepted,
      3,
    );
    await api('POST', '/v1/users', { users: [{ id: 'ks1', properties: { killsched: true } }] });
    const rc = await api('POST', '/v1/cohorts', {
      name: 'ks',
      rule: { property: 'killsched', op: 'eq', value: true },
    });
    const { at, ms: runAt } = await scheduleAhead();
    const sched = await createCampaign({
      webhook: spec(`${sink.origin}/kill-sched`),
      target: { cohort: rc.json.cohort.id },
      send: { type: 'schedule', at, timeZone: 'UTC' },
    });
    assert.equal((await api('POST', `/v1/campaigns/${sched.key}/start`)).status, 200);
    clockAhead = await clock.ahead();
    child.kill('SIGKILL');
    await exited;
    // workerd is miniflare's child: a SIGKILLed start.mjs must not leave it
    // holding the port (it did: the restart failed with EADDRINUSE).
    const port = new URL(origin).port;
    await until(
      () =>
        new Promise((resolve) => {
          const s = net.connect(Number(port), '127.0.0.1');
          s.once('connect', () => (s.destroy(), resolve(false)));
          s.once('error', () => resolve(true));
        }),
      'the killed worker to let go of its port',
    );
    output = '';
    child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
      cwd: ROOT,
      env: {
        ...process.env,
        HOOKCAST_API_KEY: KEY,
        HOOKCAST_PORT: port,
        HOOKCAST_SINK_PORT: '0',
        HOOKCAST_STATE_DIR: stateDir,
        ...clockEnv(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    await new Promise((resolve, reject) => {
      child.stdout.on('data', () => output.includes('Ctrl-C stops everything') && resolve());
      exited.then(({ code }) => reject(new Error(`start.mjs exited (${code}):\n${output}`)));
    });
    const again = await api('POST', `/v1/campaigns/${key}/send`, body, {
      'idempotency-key': 'restart-1',
    });
    assert.deepEqual(again.json, first);
    assert.equal((await api('GET', `/v1/campaigns/${key}/stats`)).json.sent, 1);
    assert.equal((await api('GET', '/v1/users/rs1')).json.sends.length, 1);
    assert.equal(hitsTo(sink, '/restart').length, 1);
    assert.equal(hitsTo(sink, '/kill-sched').length, 0, 'not before its time');
    await clock.advancePast(runAt);
    await until(
      () => hitsTo(sink, '/kill-sched').length >= 1,
      'the schedule armed before the kill',
    );
    await until(
      async () => (await api('GET', `/v1/campaigns/${paced}/stats`)).json.delivered === 3,
      'the paced messages',
    );
    assert.deepEqual(
      [...new Set(hitsTo(sink, '/kill-paced').map((h) => JSON.parse(h.body).id))].sort(),
      ['kp1', 'kp2', 'kp3'],
    );
    assertStats((await api('GET', `/v1/campaigns/${sched.key}/stats`)).json);
  });
});
