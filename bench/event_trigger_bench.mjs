// What event-based campaigns cost POST /v1/events, in one workerd with its
// state on disk (as `npm start`), against a local sink (127.0.0.1 only).
// Events/s accepted, each row beside the baseline measured in the same run
// (no running event campaign):
//   baseline      no event campaign running
//   no match      5 running event campaigns on keys the events never carry
//                 (the workspace round trip and the per-event key test)
//   where, 10 %   1 running campaign on the events' key whose `where`
//                 (amount >= 90, the engine's compiled cohort rule) matches
//                 about 10 % of the events: those become triggers, each
//                 decided and recorded in the shard (cohort, fatigue,
//                 personalization, ledger, outbox) and sent
//   all match     1 running campaign triggered by every event
// Each row sends BENCH_TRIGGER_CALLS (10) calls of 1000 events, 4 in flight,
// every event for a fresh user (so once-per-user fatigue never suppresses),
// best of BENCH_TRIGGER_ROUNDS (3).
// Run: node bench/event_trigger_bench.mjs   (needs dist/: bash scripts/build.sh wasm)

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createEdgeMiniflare } from '../edge/miniflare.mjs';

const env = process.env;
const CALLS = Number(env.BENCH_TRIGGER_CALLS ?? 10);
const ROUNDS = Number(env.BENCH_TRIGGER_ROUNDS ?? 3);
const PER_CALL = 1000;
const IN_FLIGHT = 4;
const KEY = 'bench-key';

const sink = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-length': 2 });
    res.end('{}');
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-trigger-bench-'));
const mf = createEdgeMiniflare({ apiKey: KEY, persistDir: dir, allowLocalHttp: true });
await mf.ready;

async function call(method, route, body) {
  const res = await mf.dispatchFetch(`http://bench${route}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

let userSeq = 0;
function bodies() {
  const out = [];
  for (let c = 0; c < CALLS; c++) {
    const events = [];
    for (let i = 0; i < PER_CALL; i++) {
      const n = userSeq++;
      events.push({
        userId: `bu${n}`,
        key: 'purchase',
        properties: { amount: (n * 37) % 100, sku: `sku-${n % 500}` },
      });
    }
    out.push(JSON.stringify({ events }));
  }
  return out;
}

/** Events/s of one round, and the triggered count it answered. */
async function round() {
  const list = bodies();
  let next = 0;
  let triggered = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < list.length) {
        // Not `triggered += await …`: that reads `triggered` before the await and loses the other workers' counts.
        const answer = await call('POST', '/v1/events', list[next++]);
        triggered += answer.triggered;
      }
    }),
  );
  return { perSec: (CALLS * PER_CALL) / ((performance.now() - t0) / 1000), triggered };
}

async function best() {
  let top = { perSec: 0, triggered: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    const x = await round();
    if (x.perSec > top.perSec) top = x;
  }
  return top;
}

async function campaign(send) {
  const c = await call('POST', '/v1/campaigns', {
    title: 'bench',
    webhook: {
      url: `${sinkUrl}/e/{{ user.id }}`,
      method: 'POST',
      body: '{"sku": "{{ event.sku }}"}',
    },
    target: { allUsers: true },
    send,
  });
  await call('POST', `/v1/campaigns/${c.campaign.key}/start`);
  return c.campaign.key;
}
const end = (key) => call('POST', `/v1/campaigns/${key}/end`);

const rows = [];
await round(); // warm-up: engine, objects, SQLite files
rows.push(['baseline (no event campaign)', await best()]);
const others = [];
for (let i = 0; i < 5; i++) others.push(await campaign({ type: 'event', event: `other_${i}` }));
rows.push(['5 campaigns, no match', await best()]);
for (const k of others) await end(k);
const triggering = [];
let k = await campaign({
  type: 'event',
  event: 'purchase',
  where: [{ property: 'amount', op: 'gte', value: 90 }],
});
rows.push(['1 campaign, where matches 10 %', await best()]);
await call('POST', `/v1/campaigns/${k}/pause`);
triggering.push(k);
k = await campaign({ type: 'event', event: 'purchase' });
rows.push(['1 campaign, every event triggers', await best()]);
await call('POST', `/v1/campaigns/${k}/pause`);
triggering.push(k);

// Nothing lost: every accepted message of every round is delivered.
for (const key of triggering) {
  await call('POST', `/v1/campaigns/${key}/resume`);
  let s;
  for (let i = 0; i < 600; i++) {
    s = await call('GET', `/v1/campaigns/${key}/stats`);
    if (s.delivered + s.failed === s.sent) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (s.delivered !== s.targeted) throw new Error(`campaign ${key}: ${JSON.stringify(s)}`);
  console.log(`${key}: all ${s.delivered} accepted messages delivered`);
}

const base = rows[0][1].perSec;
console.log(
  `\nPOST /v1/events with running event campaigns (${CALLS} x ${PER_CALL} events, ${IN_FLIGHT} in flight, best of ${ROUNDS}; load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
);
console.log('| case | events/s | triggered per round | vs baseline |');
console.log('|---|---:|---:|---:|');
for (const [name, r] of rows)
  console.log(
    `| ${name} | ${Math.round(r.perSec)} | ${r.triggered} | ${(r.perSec / base).toFixed(2)}x |`,
  );

await mf.dispose();
sink.closeAllConnections?.();
sink.close();
fs.rmSync(dir, { recursive: true, force: true });
