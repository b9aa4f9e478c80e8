// Recovering failed messages through the real worker in workerd to real
// sinks on 127.0.0.1: POST /v1/deliveries/:id/retry { render } ("stored":
// the exact request again; "current": the context rendered again with the
// campaign's webhook now), POST /v1/campaigns/:key/resend-failed (failed →
// pending → delivered, `sent` unchanged, held while paused), a failed
// message still counting for the duplicate rule, and exposures
// { userId, at, deliveryId, status } in time order across every slice.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink, startEdge } from './edge_helpers.mjs';

let edge;
const sinks = [];
/** A sink answering `status` to every request. */
async function sink(status = 200) {
  const s = await startSink((req, res) => {
    res.writeHead(status);
    res.end();
  });
  sinks.push(s);
  return s;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  // One dispatch slice per 5 messages (edge/src/delivery/slices.js), so a few dozen
  // messages spread over several slices, as a big send's do.
  edge = await startEdge({ allowLocalHttp: true, bindings: { HOOKCAST_SLICE_USERS: '5' } });
});
after(async () => {
  await edge?.close();
  await Promise.all(sinks.map((s) => s.close()));
});

async function call(method, path, body, expect = 200) {
  const res = await edge.api(method, path, body);
  assert.equal(res.status, expect, `${method} ${path}: ${res.text}`);
  return res.json;
}

/** A running API campaign whose webhook posts to `s` (a 422 there fails at once: no retry). */
async function apiCampaign(s, title = 'recovery') {
  const { campaign } = await call(
    'POST',
    '/v1/campaigns',
    {
      title,
      webhook: {
        url: `${s.origin}/hook/{{ user.id }}`,
        method: 'POST',
        body: '{"user": "{{ user.id }}"}',
      },
      target: { allUsers: true },
      send: { type: 'api' },
    },
    201,
  );
  await call('POST', `/v1/campaigns/${campaign.key}/start`);
  return campaign.key;
}
const send = (key, ids) =>
  call('POST', `/v1/campaigns/${key}/send`, { recipients: ids.map((userId) => ({ userId })) });
const stats = (key) => call('GET', `/v1/campaigns/${key}/stats`);
async function waitStats(key, done) {
  let s;
  for (let i = 0; i < 400; i++) {
    s = await stats(key);
    if (done(s)) return s;
    await sleep(50);
  }
  assert.fail(`stats never settled: ${JSON.stringify(s)}`);
}
async function deliveries(key, state) {
  return (
    await call('GET', `/v1/campaigns/${key}/deliveries?limit=1000${state ? `&state=${state}` : ''}`)
  ).deliveries;
}
async function allExposures(key, limit) {
  const out = [];
  let cursor = null;
  do {
    const page = await call(
      'GET',
      `/v1/campaigns/${key}/exposures?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    assert.ok(page.exposures.length <= limit);
    out.push(...page.exposures);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe('recovering failed messages', () => {
  it('fix the webhook while paused, resend every failed message with one call: counts add up', async () => {
    const dead = await sink(422);
    const fixed = await sink(200);
    const key = await apiCampaign(dead);
    const users = ['rec-a', 'rec-b', 'rec-c'];
    await send(key, users);
    let s = await waitStats(key, (x) => x.failed === 3);
    assert.equal(s.sent, 3);

    // A failed message still counts for the duplicate rule.
    const again = await send(key, ['rec-a']);
    assert.equal(again.accepted, 0);
    assert.equal(again.suppressed.already_sent, 1);

    const failed = await deliveries(key, 'failed');
    const exposed = await allExposures(key, 1000);
    assert.deepEqual(exposed.map((e) => e.userId).sort(), users);
    for (const e of exposed) {
      assert.deepEqual(Object.keys(e).sort(), ['at', 'deliveryId', 'group', 'status', 'userId']);
      assert.equal(e.group, 'sent', 'no experiment: every exposure is in the sent group');
      assert.equal(e.status, 'failed');
      assert.equal(
        failed.find((d) => d.id === e.deliveryId)?.userId,
        e.userId,
        "deliveryId names that user's delivery",
      );
    }

    // Pause, fix the URL, resend: they wait while paused.
    await call('POST', `/v1/campaigns/${key}/pause`);
    await call('PATCH', `/v1/campaigns/${key}`, {
      webhook: {
        url: `${fixed.origin}/fixed/{{ user.id }}`,
        method: 'POST',
        body: '{"user": "{{ user.id }}", "v": 2}',
      },
    });
    assert.deepEqual(await call('POST', `/v1/campaigns/${key}/resend-failed`, undefined, 202), {
      ok: true,
      resent: 3,
    });
    s = await stats(key);
    assert.equal(s.failed, 0);
    assert.equal(s.pending, 3);
    assert.equal(s.sent, 3, 'sent does not change');
    assert.equal(fixed.hits.length, 0, 'nothing goes out while paused');
    for (const e of await allExposures(key, 2)) assert.equal(e.status, 'pending');

    await call('POST', `/v1/campaigns/${key}/resume`);
    s = await waitStats(key, (x) => x.delivered === 3);
    assert.equal(s.sent, 3);
    assert.equal(s.failed + s.pending, 0);
    assert.equal(s.targeted, 4);
    assert.equal(dead.hits.length, 3, 'the dead URL was not tried again');
    assert.equal(fixed.hits.length, 3);
    for (const d of await deliveries(key)) {
      assert.equal(d.status, 'delivered');
      assert.equal(d.request.url, `${fixed.origin}/fixed/${d.userId}`);
      assert.equal(d.earlierRuns.length, 1);
      assert.equal(
        d.earlierRuns[0].request.url,
        `${dead.origin}/hook/${d.userId}`,
        'the earlier run keeps the request it sent',
      );
      assert.equal(d.earlierRuns[0].attempts[0].status, 422);
      const hit = fixed.hits.find((h) => h.path === `/fixed/${d.userId}`);
      assert.equal(fixed.header(hit, 'webhook-id').toString(), d.id, 'same webhook-id');
      assert.equal(JSON.parse(hit.body).v, 2, 'rendered with the current webhook');
    }
    // Nothing failed is left: resending again resends nothing.
    assert.equal(
      (await call('POST', `/v1/campaigns/${key}/resend-failed`, undefined, 202)).resent,
      0,
    );
  });

  it('retry one delivery: stored replays the exact request, current renders the fixed webhook', async () => {
    const dead = await sink(422);
    const fixed = await sink(200);
    const key = await apiCampaign(dead);
    await send(key, ['one-a', 'one-b']);
    await waitStats(key, (x) => x.failed === 2);
    const [a, b] = (await deliveries(key, 'failed')).sort((x, y) =>
      x.userId.localeCompare(y.userId),
    );

    const bad = await edge.api('POST', `/v1/deliveries/${a.id}/retry`, { render: 'latest' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalid_render');
    assert.equal(bad.json.problems[0].field, 'render');

    // Stored (the default, also with an explicit body): the same bytes to the same dead URL.
    assert.equal(
      (await call('POST', `/v1/deliveries/${b.id}/retry`, { render: 'stored' }, 202)).delivery.id,
      b.id,
    );
    await waitStats(key, (x) => x.failed === 2 && x.pending === 0);
    assert.equal(dead.hits.filter((h) => h.path === '/hook/one-b').length, 2);

    await call('POST', `/v1/campaigns/${key}/pause`);
    await call('PATCH', `/v1/campaigns/${key}`, {
      webhook: { url: `${fixed.origin}/now/{{ user.id }}`, method: 'POST' },
    });
    await call('POST', `/v1/campaigns/${key}/resume`);
    const answer = await call('POST', `/v1/deliveries/${a.id}/retry`, { render: 'current' }, 202);
    assert.equal(answer.delivery.status, 'pending');
    await waitStats(key, (x) => x.delivered === 1 && x.pending === 0);
    const done = await call('GET', `/v1/deliveries/${a.id}`);
    assert.equal(done.status, 'delivered');
    assert.equal(done.request.url, `${fixed.origin}/now/one-a`);
    assert.equal(done.earlierRuns[0].request.url, `${dead.origin}/hook/one-a`);
    assert.equal(fixed.header(fixed.hits[0], 'webhook-id').toString(), a.id);

    const notFailed = await edge.api('POST', `/v1/deliveries/${a.id}/retry`, { render: 'current' });
    assert.equal(notFailed.status, 409);
    assert.equal(notFailed.json.error.code, 'not_failed');

    // Ended: nothing of it is sent again.
    await call('POST', `/v1/campaigns/${key}/end`);
    const ended = await edge.api('POST', `/v1/deliveries/${b.id}/retry`);
    assert.equal(ended.status, 409);
    assert.equal(ended.json.error.code, 'campaign_ended');
    const resend = await edge.api('POST', `/v1/campaigns/${key}/resend-failed`);
    assert.equal(resend.status, 409);
    assert.equal(resend.json.error.code, 'invalid_transition');
    assert.equal((await stats(key)).failed, 1);
  });

  it('resend-failed needs a running or paused campaign', async () => {
    const s = await sink(200);
    const { campaign } = await call(
      'POST',
      '/v1/campaigns',
      { title: 'ready one', webhook: { url: `${s.origin}/x`, method: 'POST' } },
      201,
    );
    const r = await edge.api('POST', `/v1/campaigns/${campaign.key}/resend-failed`);
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'invalid_transition');
    // The statuses named are those the engine's capabilities resend in.
    assert.match(r.json.error.message, /is ready: .* only while it is running or paused\./);
    assert.equal((await edge.api('POST', '/v1/campaigns/c_1_nope/resend-failed')).status, 404);
  });

  it('exposures are in time order across every slice, page by page', async () => {
    const s = await sink(200);
    const key = await apiCampaign(s, 'exposure order');
    const first = Array.from({ length: 20 }, (_, i) => `ord-${i}`);
    const second = Array.from({ length: 20 }, (_, i) => `ord2-${i}`);
    await send(key, first);
    await sleep(5); // a later send start time for the second call
    await send(key, second);
    await waitStats(key, (x) => x.delivered === 40);
    const whole = await allExposures(key, 1000);
    assert.equal(whole.length, 40);
    const times = whole.map((e) => Date.parse(e.at));
    assert.deepEqual(
      times,
      [...times].sort((x, y) => x - y),
      'in time order',
    );
    assert.deepEqual(
      new Set(whole.slice(0, 20).map((e) => e.userId)),
      new Set(first),
      'the first call first',
    );
    assert.ok(
      new Set(whole.map((e) => e.deliveryId.split('_').slice(-2, -1)[0])).size > 1,
      'from more than one slice',
    );
    assert.deepEqual(await allExposures(key, 7), whole, 'pages of 7 give the same sequence');
    for (const e of whole) assert.equal(e.status, 'delivered');
  });
});
