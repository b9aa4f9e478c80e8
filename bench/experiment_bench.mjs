// What experiments cost, in one workerd with its state on disk (as `npm
// start`), against a local sink (127.0.0.1 only):
//   results      GET /v1/campaigns/:key/results (16 shard reads of the kept
//                counts + the engine's comparison), median of 30, at two
//                audience sizes: it should not grow with the audience.
//                Baseline: GET …/stats of the same campaign (the same
//                16-shard fan-out plus the dispatch slices), called in turn
//                with it once every message is delivered.
//   goal events  POST /v1/events, 1000 per call, 4 in flight: events that
//                match the campaign's goal (each one a ledger lookup, the
//                engine's window rule and a conversion row in the
//                transaction that stores it) vs events of a key no goal
//                names (baseline), same users, same run.
// Run: node bench/experiment_bench.mjs   (needs dist/: bash scripts/build.sh wasm)
//   BENCH_EXPERIMENT_USERS (default 20000): the larger audience.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createEdgeMiniflare } from '../edge/miniflare.mjs';

const USERS = Number(process.env.BENCH_EXPERIMENT_USERS ?? 20000);
const KEY = 'bench-key';
const IN_FLIGHT = 4;

const sink = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-length': 2 });
    res.end('{}');
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-experiment-bench-'));
const mf = createEdgeMiniflare({ apiKey: KEY, persistDir: dir, allowLocalHttp: true });
await mf.ready;

async function call(method, route, body) {
  const res = await mf.dispatchFetch(`http://bench${route}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Runs `jobs` (functions) IN_FLIGHT at a time; answers the seconds taken. */
async function pool(jobs) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Median ms of each route, called in turn (so both see the same load), n times. */
async function medianMs(routes, n = 30) {
  const times = routes.map(() => []);
  for (let i = 0; i < n; i++) {
    for (const [k, route] of routes.entries()) {
      const t = performance.now();
      await call('GET', route);
      times[k].push(performance.now() - t);
    }
  }
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(n / 2)]);
}

/** Waits until every accepted message is delivered (the dispatch objects idle). */
async function settled() {
  for (;;) {
    const s = await call('GET', `/v1/campaigns/${campaign.key}/stats`);
    if (s.pending === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ids = Array.from({ length: USERS }, (_, i) => `b-${i}`);
const { campaign } = await call('POST', '/v1/campaigns', {
  title: 'bench',
  webhook: { url: `${sinkUrl}/{{ user.id }}`, method: 'POST', body: '{}' },
  target: { allUsers: true },
  send: { type: 'api' },
  experiment: {
    controlPercent: 10,
    goal: {
      event: 'purchase',
      where: [{ property: 'amount', op: 'gte', value: 10 }],
      within: { value: 7, unit: 'days' },
    },
  },
});
await call('POST', `/v1/campaigns/${campaign.key}/start`);
const sendTo = (list) =>
  pool(
    Array.from(
      { length: Math.ceil(list.length / 1000) },
      (_, c) => () =>
        call('POST', `/v1/campaigns/${campaign.key}/send`, {
          recipients: list.slice(c * 1000, c * 1000 + 1000).map((userId) => ({ userId })),
        }),
    ),
  );

const rows = [];
const small = Math.max(1000, Math.floor(USERS / 10));
await sendTo(ids.slice(0, small));
const routes = ['results', 'stats'].map((r) => `/v1/campaigns/${campaign.key}/${r}`);
await settled();
rows.push([`${small} users`, ...(await medianMs(routes))]);
const sendSeconds = await sendTo(ids.slice(small));
await settled();
rows.push([`${USERS} users`, ...(await medianMs(routes))]);

const eventsOf = (key) =>
  Array.from(
    { length: Math.ceil(USERS / 1000) },
    (_, c) => () =>
      call('POST', '/v1/events', {
        events: ids
          .slice(c * 1000, c * 1000 + 1000)
          .map((userId) => ({ userId, key, properties: { amount: 25 } })),
      }),
  );
const baseline = USERS / (await pool(eventsOf('browse')));
const goal = USERS / (await pool(eventsOf('purchase')));
const results = await call('GET', `/v1/campaigns/${campaign.key}/results`);

console.log(
  `experiment bench: ${USERS} users, 10 % control, sent in ${sendSeconds.toFixed(1)} s (${((USERS - small) / sendSeconds).toFixed(0)} decisions/s)`,
);
console.log('| audience | GET results (median ms) | baseline: GET stats (median ms) |');
console.log('|---|---:|---:|');
for (const [name, r, s] of rows) console.log(`| ${name} | ${r.toFixed(1)} | ${s.toFixed(1)} |`);
console.log('| POST /v1/events | events/s | vs baseline |');
console.log('|---|---:|---:|');
console.log(`| key no goal names (baseline) | ${baseline.toFixed(0)} | 1.00x |`);
console.log(
  `| goal events (every one a conversion check) | ${goal.toFixed(0)} | ${(goal / baseline).toFixed(2)}x |`,
);
console.log(
  `check: sent ${results.groups.sent.users} (converted ${results.groups.sent.converted}), control ${results.groups.control.users} (converted ${results.groups.control.converted})`,
);
if (
  results.groups.sent.users + results.groups.control.users !== USERS ||
  results.groups.sent.converted !== results.groups.sent.users ||
  results.groups.control.converted !== results.groups.control.users
) {
  console.error('experiment bench: the counts do not add up');
  process.exitCode = 1;
}

await mf.dispose();
sink.close();
fs.rmSync(dir, { recursive: true, force: true });
