// Campaign delivery through the real worker in workerd (miniflare) to real
// HTTP sinks on 127.0.0.1: pacing, pause/resume, edit while paused, end,
// retries, the deliveries and exposures pages, replay of a failed
// delivery, the audience check, and two campaigns racing for a user's last
// frequency-cap slot. Campaigns are API-triggered (POST .../send) so each
// test decides exactly when its messages are accepted. The worker runs with
// a test clock (workers/clock_worker.js): the pause and end tests stop it,
// so pacing holds every message after the first until the test moves it,
// rather than racing the wall clock.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink, startEdge } from './edge_helpers.mjs';
import { CLOCK_WORKER, testClock } from './helpers/test_clock.mjs';

let edge;
const sinks = [];
async function sink(handler = ok) {
  const s = await startSink(handler);
  sinks.push(s);
  return s;
}
function ok(req, res) {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  edge = await startEdge({ allowLocalHttp: true, scriptPath: CLOCK_WORKER });
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

/** A running API campaign sending to `s` (fields override the defaults). */
async function apiCampaign(s, fields = {}) {
  const { campaign } = await call(
    'POST',
    '/v1/campaigns',
    {
      title: 'dispatch test',
      webhook: {
        url: `${s.origin}/hook/{{ user.id }}`,
        method: 'POST',
        body: '{"user": "{{ user.id }}", "v": 1}',
      },
      target: { allUsers: true },
      send: { type: 'api' },
      ...fields,
    },
    201,
  );
  await call('POST', `/v1/campaigns/${campaign.key}/start`);
  return campaign.key;
}

async function send(key, userIds, extra = {}) {
  return call('POST', `/v1/campaigns/${key}/send`, {
    recipients: userIds.map((userId) => ({ userId })),
    ...extra,
  });
}

const stats = (key) => call('GET', `/v1/campaigns/${key}/stats`);

const clock = testClock((method, path, body) => edge.api(method, path, body));

/** Runs `body` with the worker's clock stopped (the pump's pacing then never comes due by itself). */
async function withFrozenClock(body) {
  await clock.freeze();
  try {
    return await body();
  } finally {
    await clock.unfreeze();
  }
}

/** Moves the stopped clock forward by `ms` (the paced slice's alarm with it). */
const advanceClock = (key, ms) => clock.advance(ms, [[key, 'paced']]);

/** How many messages the campaign's paced slice would start at the worker's now. */
const dueNow = (key) => clock.dueNow(key, 'paced');

/** Polls stats until `done(stats)` (at most ~20 s). */
async function waitStats(key, done) {
  let s;
  for (let i = 0; i < 400; i++) {
    s = await stats(key);
    if (done(s)) return s;
    await sleep(50);
  }
  assert.fail(`stats never settled: ${JSON.stringify(s)}`);
}

async function waitHits(s, n) {
  for (let i = 0; i < 400 && s.hits.length < n; i++) await sleep(50);
  assert.ok(s.hits.length >= n, `the sink saw ${s.hits.length} of ${n}`);
}

/** Every delivery of a campaign, page by page (`limit` per page). */
async function allDeliveries(key, { state, limit = 100 } = {}) {
  const out = [];
  const pages = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: String(limit) });
    if (state) q.set('state', state);
    if (cursor) q.set('cursor', cursor);
    const page = await call('GET', `/v1/campaigns/${key}/deliveries?${q}`);
    pages.push(page.deliveries.length);
    out.push(...page.deliveries);
    cursor = page.nextCursor;
  } while (cursor);
  return { deliveries: out, pages };
}

const ids = (prefix, n) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
const sumSuppressed = (s) => Object.values(s.suppressed).reduce((a, b) => a + b, 0);

describe('campaign dispatch', () => {
  it('paces a rate-limited campaign: one dispatch at a time, at least 60/N s apart, in stored order', async () => {
    const s = await sink();
    const key = await apiCampaign(s, { rateLimit: { perMinute: 600 } });
    const users = ids('pace', 6);
    const answer = await send(key, users);
    assert.equal(answer.accepted, 6);
    const st = await waitStats(key, (x) => x.delivered === 6);
    assert.equal(st.sent, 6);
    assert.equal(s.hits.length, 6);
    const { deliveries } = await allDeliveries(key);
    // One paced slice: its stored order is its dispatch order.
    assert.deepEqual(
      s.hits.map((h) => s.header(h, 'webhook-id').toString()),
      deliveries.map((d) => d.id),
    );
    const starts = deliveries.map((d) => Date.parse(d.attempts[0].startedAt));
    for (let i = 1; i < starts.length; i++) {
      // The paced interval is 100 ms between picks; an attempt's start is
      // taken a little after its pick, hence the margin. Unpaced, these
      // attempts start within a few ms of each other.
      assert.ok(
        starts[i] - starts[i - 1] >= 90,
        `dispatch ${i} came ${starts[i] - starts[i - 1]} ms after the previous one`,
      );
    }
    for (let i = 1; i < s.hits.length; i++)
      assert.ok(s.hits[i].at > s.hits[i - 1].at, 'the sink saw them one after another');
  });

  it('pause holds what was not dispatched, an edit while paused applies to it, resume sends it', async () => {
    const s = await sink();
    const key = await apiCampaign(s, { rateLimit: { perMinute: 120 } });
    const users = ids('pause', 5);
    await withFrozenClock(async () => {
      await send(key, users);
      // The first message goes at once; the next waits for a paced
      // interval, which a stopped clock never reaches.
      await waitHits(s, 1);
      await call('POST', `/v1/campaigns/${key}/pause`);
      await advanceClock(key, 1500); // three paced intervals
      assert.equal(await dueNow(key), 0, 'nothing is due while paused, however long the pause');
      assert.equal(s.hits.length, 1, 'nothing was dispatched while paused');
      const st = await stats(key);
      assert.equal(st.sent, 5);
      assert.equal(st.pending, 5 - st.delivered);
      await call('PATCH', `/v1/campaigns/${key}`, {
        webhook: {
          url: `${s.origin}/edited/{{ user.id }}`,
          method: 'POST',
          body: '{"user": "{{ user.id }}", "v": 2}',
        },
      });
      await call('POST', `/v1/campaigns/${key}/resume`);
    });
    await waitStats(key, (x) => x.delivered === 5);
    assert.equal(s.hits.length, 5, 'each user once');
    assert.deepEqual(new Set(s.hits.map((h) => h.path.split('/')[2])), new Set(users));
    assert.equal(JSON.parse(s.hits[0].body).v, 1);
    for (const h of s.hits.slice(1)) {
      assert.equal(JSON.parse(h.body).v, 2, 'rendered with the edited webhook');
      assert.match(h.path, /^\/edited\//);
    }
  });

  it('end cancels what was not dispatched and moves it from sent to suppressed.cancelled', async () => {
    const s = await sink();
    const key = await apiCampaign(s, { rateLimit: { perMinute: 60 } });
    const st = await withFrozenClock(async () => {
      await send(key, ids('end', 4));
      await waitHits(s, 1);
      await call('POST', `/v1/campaigns/${key}/end`);
      const ended = await waitStats(key, (x) => x.pending === 0);
      await advanceClock(key, 10_000); // ten paced intervals
      assert.equal(await dueNow(key), 0, 'nothing is due after end');
      return ended;
    });
    assert.equal(s.hits.length, 1, 'nothing more after end');
    assert.equal(st.delivered, 1);
    assert.equal(st.suppressed.cancelled, 3);
    assert.equal(st.sent, 1);
    assert.equal(st.targeted, st.sent + sumSuppressed(st));
    const cancelled = await allDeliveries(key, { state: 'cancelled' });
    assert.equal(cancelled.deliveries.length, 3);
    for (const d of cancelled.deliveries) {
      assert.equal(d.status, 'cancelled');
      assert.deepEqual(d.attempts, []);
      assert.equal(d.request, null);
    }
  });

  it('retries a 503 and delivers on the next attempt with the same webhook-id; counts it as retried', async () => {
    const seen = new Map();
    const s = await sink((req, res) => {
      const id = req.headers['webhook-id'];
      seen.set(id, (seen.get(id) ?? 0) + 1);
      res.writeHead(seen.get(id) === 1 ? 503 : 200);
      res.end();
    });
    const key = await apiCampaign(s);
    await send(key, ids('retry', 3));
    const st = await waitStats(key, (x) => x.delivered === 3);
    assert.equal(st.retried, 3);
    assert.equal(s.hits.length, 6);
    const { deliveries } = await allDeliveries(key);
    for (const d of deliveries) {
      assert.deepEqual(
        d.attempts.map((a) => a.status),
        [503, 200],
      );
      assert.equal(d.attempts[0].reason, 'server_error');
      assert.equal(seen.get(d.id), 2);
      const one = await call('GET', `/v1/deliveries/${d.id}`);
      assert.deepEqual(one, d);
    }
  });

  it('pages deliveries and exposures across slices, with a state filter', async () => {
    const s = await sink((req, res) => {
      // Users whose id ends in 7 are refused for good.
      res.writeHead(req.url.endsWith('7') ? 400 : 200);
      res.end();
    });
    const key = await apiCampaign(s);
    const users = ids('page', 25);
    await send(key, users);
    await waitStats(key, (x) => x.pending === 0 && x.sent === 25);
    const all = await allDeliveries(key, { limit: 10 });
    assert.deepEqual(all.pages, [10, 10, 5]);
    assert.equal(new Set(all.deliveries.map((d) => d.id)).size, 25);
    assert.deepEqual(new Set(all.deliveries.map((d) => d.userId)), new Set(users));
    const failedUsers = users.filter((u) => u.endsWith('7'));
    const failed = await allDeliveries(key, { state: 'failed', limit: 2 });
    assert.deepEqual(failed.deliveries.map((d) => d.userId).sort(), failedUsers.sort());
    for (const d of failed.deliveries) assert.equal(d.status, 'failed');
    const delivered = await allDeliveries(key, { state: 'delivered', limit: 7 });
    assert.equal(delivered.deliveries.length, 25 - failedUsers.length);
    assert.deepEqual(
      (await call('GET', `/v1/campaigns/${key}/deliveries?state=pending`)).deliveries,
      [],
    );
    assert.equal((await edge.api('GET', `/v1/campaigns/${key}/deliveries?state=sent`)).status, 400);
    assert.equal(
      (await edge.api('GET', `/v1/campaigns/${key}/deliveries?cursor=nonsense`)).status,
      400,
    );

    const exposures = [];
    const pages = [];
    let cursor = null;
    do {
      const page = await call(
        'GET',
        `/v1/campaigns/${key}/exposures?limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      );
      pages.push(page.exposures.length);
      exposures.push(...page.exposures);
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(pages, [10, 10, 5]);
    assert.deepEqual(exposures.map((e) => e.userId).sort(), [...users].sort());
    for (const e of exposures) assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal((await edge.api('GET', '/v1/campaigns/c_1_aaaa/exposures')).status, 404);
  });

  it('replays a failed delivery with the same webhook-id and a new attempt history', async () => {
    let refuse = true;
    const s = await sink((req, res) => {
      res.writeHead(refuse ? 422 : 200);
      res.end();
    });
    const key = await apiCampaign(s);
    await send(key, ['replay-1']);
    await waitStats(key, (x) => x.failed === 1);
    const [d] = (await allDeliveries(key)).deliveries;
    assert.equal(d.status, 'failed');
    assert.equal((await edge.api('POST', `/v1/deliveries/${d.id}/retry`)).status, 202);
    refuse = false;
    // The replay may have gone before `refuse` flipped: replay until delivered.
    let again;
    for (let i = 0; i < 100; i++) {
      again = await call('GET', `/v1/deliveries/${d.id}`);
      if (again.status === 'delivered') break;
      if (again.status === 'failed') await edge.api('POST', `/v1/deliveries/${d.id}/retry`);
      await sleep(50);
    }
    assert.equal(again.status, 'delivered');
    assert.equal(again.attempts.length, 1);
    assert.equal(again.attempts[0].status, 200);
    assert.equal(again.earlierRuns[0].attempts[0].status, 422);
    assert.deepEqual(again.request, d.request, 'the exact stored request');
    assert.ok(s.hits.length >= 2);
    for (const h of s.hits) assert.equal(s.header(h, 'webhook-id').toString(), d.id);
    assert.deepEqual(s.hits[s.hits.length - 1].body, s.hits[0].body);
    const conflict = await edge.api('POST', `/v1/deliveries/${d.id}/retry`);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.json.error.code, 'not_failed');
    assert.equal(
      (await edge.api('POST', `/v1/deliveries/${d.id.replace(/_\d+$/, '_999')}/retry`)).status,
      404,
    );
    assert.equal((await edge.api('POST', '/v1/deliveries/nope/retry')).status, 404);
  });

  it('audience check: candidates, would-send, fallbacks, refusals with samples, fatigue — as counted by brute force', async () => {
    const s = await sink();
    const users = Array.from({ length: 60 }, (_, i) => {
      const properties = { plan: i % 3 === 0 ? 'free' : 'pro' };
      if (i % 4 !== 0) properties.city = i % 8 === 1 ? '' : `City ${i}`;
      properties.name = i % 10 === 5 ? 'Evil\r\nX-Injected: 1' : `User ${i}`;
      return { id: `aud-${String(i).padStart(2, '0')}`, properties };
    });
    await call('POST', '/v1/users', { users });
    const { cohort } = await call(
      'POST',
      '/v1/cohorts',
      { name: 'pro users', rule: { property: 'plan', op: 'eq', value: 'pro' } },
      201,
    );
    const key = await apiCampaign(s, {
      target: { cohort: cohort.id },
      webhook: {
        url: `${s.origin}/aud/{{ user.id }}`,
        method: 'POST',
        headers: [{ key: 'X-Name', value: '{{ user.name }}' }],
        body: '{"city": "{{ user.city | default: "somewhere" }}"}',
      },
    });
    // Some members already got it (sent through the API first).
    const members = users.filter((u) => u.properties.plan === 'pro');
    const okMember = (u) => !u.properties.name.includes('\r');
    const already = members
      .filter(okMember)
      .slice(0, 7)
      .map((u) => u.id);
    const first = await send(key, already);
    assert.equal(first.accepted, 7);
    const check = await call('POST', `/v1/campaigns/${key}/audience-check`);

    const refused = members.filter((u) => !okMember(u) && !already.includes(u.id));
    const would = members.filter((u) => okMember(u) && !already.includes(u.id));
    const fallback = would.filter((u) => !u.properties.city);
    assert.equal(check.candidates, members.length);
    assert.equal(check.wouldSend, would.length);
    assert.equal(check.suppressed.already_sent, already.length);
    assert.equal(check.refused.header_injection.count, refused.length);
    assert.deepEqual(
      [...check.refused.header_injection.sample].sort(),
      refused
        .map((u) => u.id)
        .slice(0, 10)
        .sort(),
    );
    assert.equal(check.fallbacks['user.city'], fallback.length);
    assert.equal(
      check.candidates,
      check.wouldSend + check.refused.header_injection.count + sumSuppressed(check),
    );
  });

  it('an event send with a delay waits until the event time plus the delay (engine calendar), undispatched', async () => {
    const s = await sink();
    const { campaign } = await call(
      'POST',
      '/v1/campaigns',
      {
        title: 'delayed',
        webhook: {
          url: `${s.origin}/delayed/{{ user.id }}`,
          method: 'POST',
          body: '{"e": "{{ event.key }}"}',
        },
        target: { allUsers: true },
        send: { type: 'event', event: 'signup', delay: { value: 1, unit: 'hours' } },
      },
      201,
    );
    await call('POST', `/v1/campaigns/${campaign.key}/start`);
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const answer = await call('POST', '/v1/events', {
      events: [{ userId: 'delayed-1', key: 'signup', at: at.toISOString() }],
    });
    assert.equal(answer.triggered, 1);
    let page;
    for (let i = 0; i < 100; i++) {
      page = await call('GET', `/v1/campaigns/${campaign.key}/deliveries`);
      if (page.deliveries.length === 1) break;
      await sleep(50);
    }
    const [d] = page.deliveries;
    assert.equal(d.userId, 'delayed-1');
    assert.equal(d.status, 'pending');
    assert.equal(d.request, null, 'not rendered before it is due');
    assert.equal(d.notBefore, new Date(at.getTime() + 3_600_000).toISOString());
    const st = await stats(campaign.key);
    assert.equal(st.sent, 1);
    assert.equal(st.pending, 1);
    assert.equal(s.hits.length, 0);
  });

  it('two campaigns racing for the last frequency-cap slot of the same users never both get it', async () => {
    const s = await sink();
    await call('PUT', '/v1/settings/frequency-capping', {
      rules: [{ limit: 1, period: { value: 1, unit: 'days' } }],
    });
    try {
      const a = await apiCampaign(s, { fatigue: { resend: null, frequencyCapping: true } });
      const b = await apiCampaign(s, { fatigue: { resend: null, frequencyCapping: true } });
      const users = ids('race', 30);
      // Each user is raced separately, both campaigns at once.
      const answers = await Promise.all(users.flatMap((u) => [send(a, [u]), send(b, [u])]));
      for (let i = 0; i < users.length; i++) {
        const pair = [answers[2 * i], answers[2 * i + 1]];
        assert.equal(
          pair[0].accepted + pair[1].accepted,
          1,
          `${users[i]}: exactly one campaign got the slot`,
        );
        assert.equal(
          (pair[0].suppressed.frequency_cap ?? 0) + (pair[1].suppressed.frequency_cap ?? 0),
          1,
        );
      }
      const [sa, sb] = await Promise.all([stats(a), stats(b)]);
      assert.equal(sa.sent + sb.sent, users.length);
      assert.equal(sa.suppressed.frequency_cap + sb.suppressed.frequency_cap, users.length);
      for (const u of users.slice(0, 5))
        assert.equal((await call('GET', `/v1/users/${u}`)).sends.length, 1);
    } finally {
      await call('PUT', '/v1/settings/frequency-capping', { rules: [] });
    }
  });
});
