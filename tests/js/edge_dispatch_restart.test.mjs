// Nothing lost: `npm start` (scripts/start.mjs, a child process group:
// node plus its workerd) is killed with SIGKILL in the middle of a paced
// 20-user campaign, then started again on the same state folder. Every user
// still gets the message; none gets it twice except the one attempt that
// may have been in flight at the kill, and then with the same webhook-id;
// the stats add up.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink } from './edge_helpers.mjs';
import { KillableStart } from './helpers/npm_start.mjs';
import { checkAnswer } from './helpers/openapi_check.mjs';

const KEY = 'restart-key-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = new KillableStart({ key: KEY, prefix: 'hookcast-dispatch-restart-' });
let sink = null;
after(async () => {
  server.dispose();
  await sink?.close();
});
const start = () => server.start();
const stop = () => server.kill();

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
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${text}`);
  return JSON.parse(text);
}

it(
  'a paced 20-user campaign killed mid-way (SIGKILL) finishes after a restart: each user once, stats add up',
  { timeout: 120_000 },
  async () => {
    sink = await startSink((req, res) => {
      res.writeHead(200);
      res.end();
    });
    let origin = await start();
    const { campaign } = await api(origin, 'POST', '/v1/campaigns', {
      title: 'restart',
      webhook: {
        url: `${sink.origin}/r/{{ user.id }}`,
        method: 'POST',
        body: '{"u": "{{ user.id }}"}',
      },
      target: { allUsers: true },
      send: { type: 'api' },
      rateLimit: { perMinute: 300 }, // one every 200 ms
    });
    const key = campaign.key;
    await api(origin, 'POST', `/v1/campaigns/${key}/start`);
    const users = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const sent = await api(origin, 'POST', `/v1/campaigns/${key}/send`, {
      recipients: users.map((userId) => ({ userId })),
    });
    assert.equal(sent.accepted, 20);
    for (let i = 0; i < 200 && sink.hits.length < 5; i++) await sleep(20);
    stop();
    const atKill = sink.hits.length;
    assert.ok(atKill >= 5 && atKill < 20, `killed mid-way (${atKill} of 20 received)`);

    origin = await start();
    let stats;
    for (let i = 0; i < 600; i++) {
      stats = await api(origin, 'GET', `/v1/campaigns/${key}/stats`);
      if (stats.delivered === 20) break;
      await sleep(100);
    }
    assert.equal(stats.delivered, 20, JSON.stringify(stats));
    assert.equal(stats.targeted, 20);
    assert.equal(stats.sent, 20);
    assert.equal(stats.pending, 0);
    assert.equal(stats.failed, 0);

    const byUser = new Map();
    for (const h of sink.hits) {
      const u = h.path.split('/')[2];
      if (!byUser.has(u)) byUser.set(u, []);
      byUser.get(u).push(sink.header(h, 'webhook-id').toString());
    }
    assert.deepEqual([...byUser.keys()].sort(), [...users].sort(), 'every user got it');
    const twice = [...byUser].filter(([, idsOf]) => idsOf.length > 1);
    assert.ok(
      twice.length <= 1,
      `at most the one attempt in flight at the kill was repeated: ${JSON.stringify(twice)}`,
    );
    for (const [, idsOf] of twice)
      assert.equal(new Set(idsOf).size, 1, 'a repeat carries the same webhook-id');
    assert.equal(
      new Set([...byUser.values()].map((v) => v[0])).size,
      20,
      'one webhook-id per user',
    );
  },
);
