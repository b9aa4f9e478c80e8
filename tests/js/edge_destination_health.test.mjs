// Destination health through `npm start` (the test clock's worker, real
// sinks on 127.0.0.1): the circuit breaker of edge/src/destinations/.
//
// 1. A campaign to a sink that fails its first 25 requests: the host turns
//    unhealthy after 20 consecutive failures, the messages are held (GET
//    /v1/campaigns/:key/waiting), a SIGKILL + restart while they are held loses
//    none and sends nothing, then the sink receives one probe per 60 s of
//    the test clock and nothing else until a probe gets 200, and then every
//    held message exactly once.
// 2. The single-request batch API holds too, shares the host's state with
//    campaigns, and POST /v1/destinations/:host/resume sends what it held.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink } from './edge_helpers.mjs';
import { KillableStart } from './helpers/npm_start.mjs';
import { apiClient, until } from './helpers/api_client.mjs';
import { CLOCK_WORKER, testClock } from './helpers/test_clock.mjs';

const KEY = 'destinations-key-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = new KillableStart({ key: KEY, prefix: 'hookcast-destinations-' });
const sinks = [];
after(async () => {
  server.dispose();
  for (const s of sinks) await s.close();
});

let clockAhead = 0;
let origin = null;
const start = async () =>
  (origin = await server.start({
    HOOKCAST_TEST_WORKER: CLOCK_WORKER,
    HOOKCAST_TEST_CLOCK_OFFSET_MS: String(clockAhead),
  }));

const { call, api } = apiClient(() => origin, KEY);
const clock = testClock(call);
const waitingOf = async (key) => (await api('GET', `/v1/campaigns/${key}/waiting`)).waiting;

async function destination(host) {
  const { destinations } = await api('GET', '/v1/destinations');
  return destinations.find((d) => d.host === host) ?? null;
}

/** Waits until the sink's count has not moved for `quietMs` (attempts in flight have landed). */
async function settled(sink, quietMs = 1500) {
  let n = -1;
  while (n !== sink.hits.length) {
    n = sink.hits.length;
    await sleep(quietMs);
  }
  return n;
}

it(
  '20 failures turn a host unhealthy; held messages survive SIGKILL; only probes until one gets 200; then each message once',
  { timeout: 240_000 },
  async () => {
    const FAILS = 25;
    const sink = await startSink((req, res, hit, n) => {
      res.writeHead(n <= FAILS ? 500 : 200);
      res.end();
    });
    sinks.push(sink);
    const host = `127.0.0.1:${sink.port}`;
    await start();
    const users = Array.from({ length: 30 }, (_, i) => `d${i}`);
    const { campaign } = await api('POST', '/v1/campaigns', {
      title: 'breaker',
      webhook: {
        url: `${sink.origin}/d/{{ user.id }}`,
        method: 'POST',
        body: '{"u": "{{ user.id }}"}',
      },
      target: { allUsers: true },
      send: { type: 'api' },
      rateLimit: { perMinute: 600 }, // one object, one at a time: the trip point is exact
    });
    const key = campaign.key;
    const slices = [[key, 'paced']];
    await api('POST', `/v1/campaigns/${key}/start`);
    const sent = await api('POST', `/v1/campaigns/${key}/send`, {
      recipients: users.map((userId) => ({ userId })),
    });
    assert.equal(sent.accepted, 30);

    const tripped = await until('the host turns unhealthy', async () => {
      const d = await destination(host);
      return d?.state === 'unhealthy' ? d : null;
    });
    const beforeProbes = await settled(sink);
    assert.ok(
      beforeProbes >= 20 && beforeProbes <= 22,
      `tripped after 20 consecutive failures (+ at most what was in flight): ${beforeProbes}`,
    );
    assert.ok(tripped.failures >= 20);
    assert.equal(tripped.lastError, 'HTTP 500');
    assert.ok(
      Date.parse(tripped.nextProbeAt) - Date.parse(tripped.since) === 60_000,
      JSON.stringify(tripped),
    );
    let stats = await api('GET', `/v1/campaigns/${key}/stats`);
    assert.equal(stats.delivered, 0);
    assert.equal(stats.failed, 0, 'held messages keep their retry budget: none failed');
    assert.equal(stats.pending, 30);
    assert.deepEqual(await waitingOf(key), { quietHours: 0, destination: 30 });

    // SIGKILL while held; the restart holds on (nothing sent) and loses nothing.
    clockAhead = await clock.ahead();
    server.kill();
    await start();
    const afterRestart = await destination(host);
    assert.equal(afterRestart.state, 'unhealthy');
    stats = await api('GET', `/v1/campaigns/${key}/stats`);
    assert.equal(stats.pending, 30);
    assert.equal((await waitingOf(key)).destination, 30);
    assert.equal(
      await settled(sink),
      beforeProbes,
      'nothing is attempted while the host is unhealthy, restart or not',
    );

    // Probes: exactly one request per 60 s of the clock, failing until the sink's 26th request.
    let probes = 0;
    while (sink.hits.length < FAILS + 1) {
      const n = sink.hits.length;
      await clock.advance(60_000, slices, [host]);
      await until('a probe arrives', () => sink.hits.length > n);
      probes++;
      if (sink.hits.length <= FAILS) {
        assert.equal(await settled(sink, 800), n + 1, 'one probe, nothing else');
        const d = await destination(host);
        assert.equal(d.state, 'unhealthy');
      }
    }
    assert.equal(probes, FAILS + 1 - beforeProbes, 'every request after the trip was a probe');

    stats = await until('every held message delivered', async () => {
      const s = await api('GET', `/v1/campaigns/${key}/stats`);
      return s.delivered === 30 ? s : null;
    });
    assert.equal(stats.failed, 0);
    assert.equal(stats.pending, 0);
    assert.equal((await waitingOf(key)).destination, 0);
    assert.equal((await destination(host)).state, 'healthy');
    await settled(sink, 800);
    const ok = sink.hits.slice(FAILS);
    assert.equal(ok.length, 30, 'each held message once after the recovery, nothing more');
    assert.deepEqual(ok.map((h) => h.path.split('/')[2]).sort(), [...users].sort());
  },
);

it(
  'the batch API holds for an unhealthy host too; resume by hand sends what it held',
  { timeout: 120_000 },
  async () => {
    if (!origin) await start();
    let healthy = false;
    const sink = await startSink((req, res) => {
      res.writeHead(healthy ? 200 : 503);
      res.end();
    });
    sinks.push(sink);
    const host = `127.0.0.1:${sink.port}`;
    const spec = { url: `${sink.origin}/b`, method: 'POST', body: '{"n": {{ event.n }}}' };
    // 20 one-message batches: each is its own delivery object, the count is the host's.
    for (let i = 0; i < 20; i++)
      await api('POST', '/v1/deliveries', { spec, contexts: [{ event: { n: i } }] });
    await until(
      'the host turns unhealthy',
      async () => (await destination(host))?.state === 'unhealthy',
    );
    const held = await api('POST', '/v1/deliveries', {
      spec,
      contexts: [{ event: { n: 100 } }, { event: { n: 101 } }],
    });
    const before = await settled(sink);
    const [first] = held.deliveries;
    const d = await api('GET', `/v1/deliveries/${encodeURIComponent(first.id)}`);
    assert.equal(d.status, 'pending');
    assert.equal(
      d.attempts.length,
      0,
      'a new batch to an unhealthy host is held before its first attempt',
    );

    assert.equal((await call('POST', '/v1/destinations/nowhere.example:1/resume')).status, 404);
    assert.equal(
      (await call('POST', `/v1/destinations/${encodeURIComponent('bad host!')}/resume`)).status,
      400,
    );
    healthy = true;
    const resumed = await api('POST', `/v1/destinations/${host}/resume`);
    assert.equal(resumed.destination.state, 'healthy');
    assert.equal(resumed.destination.failures, 0);
    assert.equal(resumed.destination.nextProbeAt, null);
    await until(
      'the held batch is delivered',
      async () => (await api('GET', `/v1/batches/${held.batch}`)).counts?.delivered === 2,
    );
    assert.ok(sink.hits.length > before);
  },
);
