// A campaign with a control group and a goal, through `npm start` (the real
// worker in workerd, state on disk), against a sink on 127.0.0.1:
// * 3,000 recipients of an API campaign with a 10 % control group, sent in
//   two halves with a SIGKILL + restart in between: every user keeps their
//   group (the exposures' groups equal the engine's assignment before and
//   after), control users receive nothing, the stats add up with
//   suppressed.control;
// * control records take no frequency-cap slot: a second capped campaign
//   reaches exactly the first one's control users;
// * goal events for a known share of each group (plus ones that must not
//   count: the wrong property, before the send, a second one of a user)
//   give results whose rates, uplift, interval and p-value equal the values
//   computed here from the counts with the published formulas (Wilson score
//   intervals combined as Newcombe's method 10; the pooled z-test), also
//   after another SIGKILL;
// * bad experiments are 400 with located problems.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink } from './edge_helpers.mjs';
import { KillableStart } from './helpers/npm_start.mjs';
import { apiClient } from './helpers/api_client.mjs';
import { createEngine } from '../../src/js/node.js';

const KEY = 'experiment-key-0123456789abcdef';
const USERS = 3000;
const CONTROL_PERCENT = 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = new KillableStart({ key: KEY, prefix: 'hookcast-experiment-' });
let sink = null;
after(async () => {
  server.dispose();
  await sink?.close();
});

/** One call to the worker at `origin`, its answer held to docs/openapi.yaml. */
const api = (origin, method, p, body) => apiClient(() => origin, KEY).call(method, p, body);

/** Every exposure of campaign `key`: Map userId → group. */
async function exposures(origin, key) {
  const groups = new Map();
  let cursor = null;
  do {
    const r = await api(
      origin,
      'GET',
      `/v1/campaigns/${key}/exposures?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    assert.equal(r.status, 200, r.text);
    for (const e of r.json.exposures) {
      assert.ok(!groups.has(e.userId), `${e.userId} exposed once`);
      groups.set(e.userId, e.group);
    }
    cursor = r.json.nextCursor;
  } while (cursor);
  return groups;
}

async function statsWhen(origin, key, done) {
  let s;
  for (let i = 0; i < 1200; i++) {
    s = (await api(origin, 'GET', `/v1/campaigns/${key}/stats`)).json;
    if (done(s)) return s;
    await sleep(100);
  }
  assert.fail(`stats never got there: ${JSON.stringify(s)}`);
}

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

async function send(origin, key, ids) {
  const accepted = { accepted: 0, control: 0 };
  for (let i = 0; i < ids.length; i += 1000) {
    const r = await api(origin, 'POST', `/v1/campaigns/${key}/send`, {
      recipients: ids.slice(i, i + 1000).map((userId) => ({ userId })),
    });
    assert.equal(r.status, 200, r.text);
    accepted.accepted += r.json.accepted;
    accepted.control += r.json.suppressed.control;
  }
  return accepted;
}

// ---- the published formulas, computed here from the counts -------------------------

const Z = 1.959963984540054; // the standard normal quantile of 0.975

/** Wilson's score interval (Wilson 1927) of x successes in n. */
function wilson(x, n) {
  const p = x / n;
  const centre = (x + (Z * Z) / 2) / (n + Z * Z);
  const half = (Z * Math.sqrt(n * p * (1 - p) + (Z * Z) / 4)) / (n + Z * Z);
  return [centre - half, centre + half];
}

/** erfc by its continued fraction (x ≥ 0.5) or Taylor series: ~1e-14 here. */
function erfc(x) {
  if (x < 0.5) {
    let sum = 0;
    let term = x;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-x * x) / (n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let k = 200; k >= 1; k--) f = k / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

/** Newcombe (1998) method 10 and the pooled two-proportion z-test. */
function expectedUplift(sent, control) {
  const p1 = sent.converted / sent.users;
  const p2 = control.converted / control.users;
  const [l1, u1] = wilson(sent.converted, sent.users);
  const [l2, u2] = wilson(control.converted, control.users);
  const d = p1 - p2;
  const pooled = (sent.converted + control.converted) / (sent.users + control.users);
  const z = d / Math.sqrt(pooled * (1 - pooled) * (1 / sent.users + 1 / control.users));
  return {
    absolute: d,
    relative: d / p2,
    ci95: [d - Math.hypot(p1 - l1, u2 - p2), d + Math.hypot(u1 - p1, p2 - l2)],
    pValue: erfc(Math.abs(z) / Math.SQRT2),
  };
}

it('control group, goal and uplift through npm start, across two SIGKILLs', async () => {
  const engine = await createEngine();
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  let origin = await server.start();

  // Bad experiments: 400, located, nothing stored.
  const bad = await api(origin, 'POST', '/v1/campaigns', {
    title: 'bad',
    experiment: {
      controlPercent: 60,
      goal: { event: 'purchase', within: { value: 31, unit: 'days' } },
    },
  });
  assert.equal(bad.status, 400, bad.text);
  assert.deepEqual(bad.json.problems.map((p) => p.field).sort(), [
    'experiment.controlPercent',
    'experiment.goal.within.value',
  ]);

  // One message per user per day across campaigns that apply the caps.
  assert.equal(
    (
      await api(origin, 'PUT', '/v1/settings/frequency-capping', {
        rules: [{ limit: 1, period: { value: 1, unit: 'days' } }],
      })
    ).status,
    200,
  );
  const goal = {
    event: 'purchase',
    where: [{ property: 'amount', op: 'gte', value: 10 }],
    within: { value: 7, unit: 'days' },
  };
  const created = await api(origin, 'POST', '/v1/campaigns', {
    title: 'measured',
    webhook: {
      url: `${sink.origin}/exp/{{ user.id }}`,
      method: 'POST',
      body: '{"u": "{{ user.id }}"}',
    },
    target: { allUsers: true },
    send: { type: 'api' },
    fatigue: { resend: null, frequencyCapping: true },
    experiment: { controlPercent: 50 },
  });
  assert.equal(created.status, 201, created.text);
  const key = created.json.campaign.key;
  // PATCH replaces the experiment whole.
  const patched = await api(origin, 'PATCH', `/v1/campaigns/${key}`, {
    experiment: { controlPercent: CONTROL_PERCENT, goal },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.json.campaign.experiment, { controlPercent: CONTROL_PERCENT, goal });
  assert.equal((await api(origin, 'POST', `/v1/campaigns/${key}/start`)).status, 200);
  const editWhileRunning = await api(origin, 'PATCH', `/v1/campaigns/${key}`, {
    experiment: { controlPercent: 20 },
  });
  assert.equal(editWhileRunning.status, 409, editWhileRunning.text);

  const ids = Array.from({ length: USERS }, (_, i) => `ex-${String(i).padStart(5, '0')}`);
  const drawn = engine.controlGroups(key, ids, CONTROL_PERCENT);
  const inControl = new Map(ids.map((id, i) => [id, drawn[i]]));
  const controlIds = ids.filter((id) => inControl.get(id));
  const sentIds = ids.filter((id) => !inControl.get(id));
  // 3000 draws at 10 %: 300 ± 16 (one standard error); the engine's own share test is in the native suite.
  assert.ok(controlIds.length > 240 && controlIds.length < 360, `control ${controlIds.length}`);

  // The first half, then SIGKILL and restart: the groups survive.
  const half = ids.slice(0, USERS / 2);
  const first = await send(origin, key, half);
  assert.equal(first.control, half.filter((id) => inControl.get(id)).length);
  assert.equal(first.accepted + first.control, half.length);
  const before = await exposures(origin, key);
  server.kill();
  origin = await server.start();
  const afterKill = await exposures(origin, key);
  assert.deepEqual(
    [...afterKill].sort(),
    [...before].sort(),
    'every user in their group after the restart',
  );

  // Everyone (the first half again: once per user, control users included).
  const second = await send(origin, key, ids);
  assert.equal(second.accepted + first.accepted, sentIds.length);
  assert.equal(second.control + first.control, controlIds.length);
  const groups = await exposures(origin, key);
  assert.equal(groups.size, USERS);
  for (const id of ids) assert.equal(groups.get(id), inControl.get(id) ? 'control' : 'sent', id);

  const s = await statsWhen(origin, key, (x) => x.delivered === sentIds.length && x.pending === 0);
  assertAddsUp(s);
  assert.equal(s.suppressed.control, controlIds.length);
  assert.equal(
    s.suppressed.already_sent,
    USERS / 2,
    'the repeated half: once per user, control users too',
  );
  const hit = new Set(
    sink.hits.filter((h) => h.path.startsWith('/exp/')).map((h) => h.path.split('/')[2]),
  );
  assert.equal(hit.size, sentIds.length);
  for (const id of controlIds) assert.ok(!hit.has(id), `control user ${id} received nothing`);
  assert.equal(
    (await api(origin, 'GET', `/v1/users/${controlIds[0]}`)).json.sends.length,
    0,
    'a control record is not a send',
  );

  // Caps: a second capped campaign now reaches exactly the control users.
  const other = await api(origin, 'POST', '/v1/campaigns', {
    title: 'capped',
    webhook: { url: `${sink.origin}/cap/{{ user.id }}`, method: 'POST', body: '{}' },
    target: { allUsers: true },
    send: { type: 'api' },
    fatigue: { resend: null, frequencyCapping: true },
  });
  const otherKey = other.json.campaign.key;
  assert.equal((await api(origin, 'POST', `/v1/campaigns/${otherKey}/start`)).status, 200);
  let capped = 0;
  let reached = 0;
  for (let i = 0; i < USERS; i += 1000) {
    const r = await api(origin, 'POST', `/v1/campaigns/${otherKey}/send`, {
      recipients: ids.slice(i, i + 1000).map((userId) => ({ userId })),
    });
    reached += r.json.accepted;
    capped += r.json.suppressed.frequency_cap;
  }
  assert.equal(reached, controlIds.length, 'control users kept their cap slot');
  assert.equal(capped, sentIds.length);

  // Results before any goal event: both groups, nobody converted.
  let r = await api(origin, 'GET', `/v1/campaigns/${key}/results`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.goal, goal);
  assert.deepEqual(r.json.groups.control, { users: controlIds.length, converted: 0, rate: 0 });

  // Goal events: 30 % of the sent group, 15 % of the control group; and
  // events that must not count.
  const now = Date.now();
  const convertSent = sentIds.filter((_, i) => i % 10 < 3);
  const convertControl = controlIds.filter((_, i) => i % 20 < 3);
  const events = [];
  for (const id of [...convertSent, ...convertControl])
    events.push({ userId: id, key: 'purchase', properties: { amount: 25 } });
  for (const id of convertSent.slice(0, 50))
    events.push({ userId: id, key: 'purchase', properties: { amount: 40 } }); // a second one: one conversion per send
  for (const id of sentIds.filter((_, i) => i % 10 === 5))
    events.push({ userId: id, key: 'purchase', properties: { amount: 5 } }); // where fails
  for (const id of sentIds.filter((_, i) => i % 10 === 6))
    events.push({
      userId: id,
      key: 'purchase',
      properties: { amount: 50 },
      at: new Date(now - 3_600_000).toISOString(),
    }); // before the send
  for (const id of controlIds.filter((_, i) => i % 20 === 7))
    events.push({ userId: id, key: 'browse', properties: { amount: 50 } }); // another event
  for (let i = 0; i < events.length; i += 1000) {
    const e = await api(origin, 'POST', '/v1/events', { events: events.slice(i, i + 1000) });
    assert.equal(e.status, 200, e.text);
  }

  const sentCounts = { users: sentIds.length, converted: convertSent.length };
  const controlCounts = { users: controlIds.length, converted: convertControl.length };
  const want = expectedUplift(sentCounts, controlCounts);
  const check = (answer) => {
    assert.deepEqual(answer.groups.sent, {
      ...sentCounts,
      rate: sentCounts.converted / sentCounts.users,
    });
    assert.deepEqual(answer.groups.control, {
      ...controlCounts,
      rate: controlCounts.converted / controlCounts.users,
    });
    const u = answer.uplift;
    assert.ok(u, 'an uplift with 30+ users a group');
    assert.ok(
      Math.abs(u.absolute - want.absolute) < 1e-12,
      `absolute ${u.absolute} vs ${want.absolute}`,
    );
    assert.ok(
      Math.abs(u.relative - want.relative) < 1e-9,
      `relative ${u.relative} vs ${want.relative}`,
    );
    assert.ok(
      Math.abs(u.ci95[0] - want.ci95[0]) < 1e-9,
      `ci95 low ${u.ci95[0]} vs ${want.ci95[0]}`,
    );
    assert.ok(
      Math.abs(u.ci95[1] - want.ci95[1]) < 1e-9,
      `ci95 high ${u.ci95[1]} vs ${want.ci95[1]}`,
    );
    assert.ok(Math.abs(u.pValue - want.pValue) < 1e-9, `pValue ${u.pValue} vs ${want.pValue}`);
  };
  r = await api(origin, 'GET', `/v1/campaigns/${key}/results`);
  check(r.json);
  // The results survive a SIGKILL.
  server.kill();
  origin = await server.start();
  check((await api(origin, 'GET', `/v1/campaigns/${key}/results`)).json);
  const later = await statsWhen(origin, key, (x) => x.pending === 0);
  assertAddsUp(later);
  assert.equal(later.suppressed.control, controlIds.length);

  // A campaign without an experiment answers its sent group and no uplift.
  const plain = await api(origin, 'GET', `/v1/campaigns/${otherKey}/results`);
  assert.equal(plain.status, 200, plain.text);
  assert.equal(plain.json.goal, null);
  assert.equal(plain.json.uplift, null);
  assert.equal(plain.json.groups.sent.users, controlIds.length);
  assert.equal((await api(origin, 'GET', '/v1/campaigns/c_999_aaaa/results')).status, 404);
});
