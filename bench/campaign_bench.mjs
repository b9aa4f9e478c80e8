// Campaign scale against a local sink (127.0.0.1 only), through the API of
// the real worker in workerd with its state on disk (as `npm start`):
//
//   1. a scheduled campaign to N users (BENCH_CAMPAIGN_USERS, default
//      100,000; also a 10,000 run for the memory comparison), the users
//      ingested through POST /v1/users: time from the scheduled instant to
//      the first and the last message at the sink, sends/s, beside a bare
//      fetch loop inside the same workerd at the same concurrency (16 slices
//      × 32 attempts in flight), and workerd's RSS (peak over the run, and
//      after it) for 10k vs N;
//   2. event-triggered sends: latency from the POST /v1/events answer to the
//      sink receiving that user's request, p50/p99 over BENCH_EVENTS (1000)
//      events sent one after another.
//
// Run: node bench/campaign_bench.mjs   (needs dist/: bash scripts/build.sh wasm)

import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEdgeMiniflare } from '../edge/miniflare.mjs';
import { cpuMs, rssMiB, workerdPids } from './workerd_proc.mjs';
/** Attempts in flight per delivery object (edge/src/delivery/attempts.js CONCURRENCY). */
const CONCURRENCY = 32;

const here = path.dirname(fileURLToPath(import.meta.url));
const KEY = 'bench-key';
const BIG = Number(process.env.BENCH_CAMPAIGN_USERS ?? 100_000);
const SMALL = Math.min(10_000, BIG);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const SLICES = 16;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the sink: its own thread, records arrival times ----------------------------------
const sinkThread = new Worker(
  `const http = require('node:http');
   const { parentPort } = require('node:worker_threads');
   let count = 0, first = null, last = null;
   const watched = new Map();
   const server = http.createServer((req, res) => {
     req.resume();
     req.on('end', () => {
       const now = Date.now();
       count++;
       if (first === null) first = now;
       last = now;
       if (req.url.startsWith('/event/')) parentPort.postMessage({ event: req.url.slice(7), at: now });
       res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
       res.end('{"ok":true}');
     });
   });
   server.keepAliveTimeout = 30000;
   server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
   parentPort.on('message', (m) => {
     if (m === 'stop') server.close(() => process.exit(0));
     else if (m === 'reset') { count = 0; first = null; last = null; parentPort.postMessage({ reset: true }); }
     else if (m === 'read') parentPort.postMessage({ count, first, last });
   });`,
  { eval: true },
);
const sinkPort = await new Promise((resolve) => sinkThread.once('message', (m) => resolve(m.port)));
const eventArrivals = new Map();
const replies = [];
sinkThread.on('message', (m) => {
  if (m.event !== undefined) eventArrivals.set(m.event, m.at);
  else replies.shift()?.(m);
});
const askSink = (msg) =>
  new Promise((resolve) => {
    replies.push(resolve);
    sinkThread.postMessage(msg);
  });

// ---- workerd -----------------------------------------------------------------------------

async function startWorker() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-campaign-bench-'));
  const before = new Set(workerdPids());
  const mf = createEdgeMiniflare({
    apiKey: KEY,
    allowLocalHttp: true,
    persistDir: process.env.BENCH_PERSIST === '0' ? undefined : dir,
    scriptPath: path.join(here, 'edge_bench_worker.js'),
  });
  await mf.ready;
  const pids = workerdPids().filter((p) => !before.has(p));
  async function api(method, p, body) {
    const res = await mf.dispatchFetch(`http://bench${p}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  }
  return {
    mf,
    api,
    pids,
    async close() {
      await mf.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const spec = (kind) => ({
  url: `http://127.0.0.1:${sinkPort}/${kind}/{{ user.id }}`,
  method: 'POST',
  headers: [{ key: 'X-Plan', value: '{{ user.plan | default: "free" }}' }],
  body: '{"user": "{{ user.id }}", "name": "{{ user.name | default: "there" }}", "n": {{ user.n }}}',
});

/** Ingests `n` users through POST /v1/users, 1000 per call, 4 calls at once. */
async function ingest(w, n) {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < n) {
        const from = next;
        next += 1000;
        const users = [];
        for (let i = from; i < Math.min(n, from + 1000); i++)
          users.push({
            id: `u${i}`,
            properties: { name: `User ${i}`, plan: i % 2 ? 'pro' : 'free', n: i },
          });
        await w.api('POST', '/v1/users', { users });
      }
    }),
  );
  return performance.now() - t0;
}

/** A UTC local date-time `ms` from now, to the second (schedules are local times). */
function utcLocal(ms) {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19);
}

/** One scheduled campaign to `n` users: timings, rate, RSS. */
async function scheduledRun(n) {
  const w = await startWorker();
  try {
    const ingestMs = await ingest(w, n);
    const rssIngested = rssMiB(w.pids);
    await askSink('reset');
    const at = utcLocal(Date.now() + 3000);
    const scheduledMs = Date.parse(`${at}Z`);
    const { campaign } = await w.api('POST', '/v1/campaigns', {
      title: `bench ${n}`,
      webhook: spec('s'),
      target: { allUsers: true },
      send: { type: 'schedule', at, timeZone: 'UTC' },
    });
    await w.api('POST', `/v1/campaigns/${campaign.key}/start`);
    while (Date.now() < scheduledMs - 200) await sleep(20);
    const cpu0 = cpuMs(w.pids);
    let peak = 0;
    let sink;
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      peak = Math.max(peak, rssMiB(w.pids));
      sink = await askSink('read');
      if (sink.count >= n || Date.now() > deadline) break;
      await sleep(250);
    }
    // The last result flush lands within FLUSH_MS of the last send.
    await sleep(300);
    const cpuCampaign = cpuMs(w.pids) - cpu0;
    const stats = await w.api('GET', `/v1/campaigns/${campaign.key}/stats`);
    await sleep(2000);
    const rssAfter = rssMiB(w.pids);
    // The baseline: a bare fetch loop in the same workerd, same concurrency.
    const bareN = Math.min(n, 20_000);
    const cpuBare0 = cpuMs(w.pids);
    const res = await w.mf.dispatchFetch('http://bench/bench', {
      method: 'POST',
      body: JSON.stringify({
        mode: 'bare',
        target: `http://127.0.0.1:${sinkPort}/bare`,
        n: bareN,
        concurrency: SLICES * CONCURRENCY,
      }),
    });
    const bare = await res.json();
    const cpuBare = cpuMs(w.pids) - cpuBare0;
    return {
      n,
      ingestMs,
      firstMs: sink.first - scheduledMs,
      lastMs: sink.last - scheduledMs,
      rate: (sink.count - 1) / ((sink.last - sink.first) / 1000),
      received: sink.count,
      bareRate: (bareN / bare.ms) * 1000,
      cpuUs: (cpuCampaign * 1000) / sink.count,
      bareCpuUs: (cpuBare * 1000) / bareN,
      stats,
      rssIngested,
      peak,
      rssAfter,
    };
  } finally {
    await w.close();
  }
}

/** Event-triggered latency: POST /v1/events answer → sink receipt. */
async function eventRun() {
  const w = await startWorker();
  try {
    await ingest(w, 1000);
    const { campaign } = await w.api('POST', '/v1/campaigns', {
      title: 'bench events',
      webhook: spec('event'),
      target: { allUsers: true },
      send: { type: 'event', event: 'ping' },
      fatigue: { resend: { every: 1, unit: 'minutes' }, frequencyCapping: false },
    });
    await w.api('POST', `/v1/campaigns/${campaign.key}/start`);
    const lat = [];
    const fromPost = [];
    let triggered = 0;
    for (let i = 0; i < EVENTS; i++) {
      const user = `u${i % 1000}`;
      const tag = `${user}`;
      eventArrivals.delete(tag);
      const postedAt = Date.now();
      const answer = await w.api('POST', '/v1/events', {
        events: [{ userId: user, key: 'ping', properties: { i } }],
      });
      const answeredAt = Date.now();
      triggered += answer.triggered;
      if (answer.triggered === 0) continue;
      for (let k = 0; k < 2000 && !eventArrivals.has(tag); k++) await sleep(1);
      if (eventArrivals.has(tag)) {
        lat.push(eventArrivals.get(tag) - answeredAt);
        fromPost.push(eventArrivals.get(tag) - postedAt);
      }
    }
    const pct = (list, p) => {
      const sorted = [...list].sort((a, b) => a - b);
      return sorted.length
        ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
        : NaN;
    };
    return {
      triggered,
      measured: lat.length,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      postP50: pct(fromPost, 50),
      postP99: pct(fromPost, 99),
    };
  } finally {
    await w.close();
  }
}

// BENCH_ONLY=events|schedule runs one part.
const only = process.env.BENCH_ONLY ?? '';
const small = only !== 'events' && SMALL < BIG ? await scheduledRun(SMALL) : null;
const big = only !== 'events' ? await scheduledRun(BIG) : null;
const events = only !== 'schedule' ? await eventRun() : null;
sinkThread.postMessage('stop');

console.log(
  `\nhookcast campaign benchmark — scheduled campaign through the API, sink on 127.0.0.1 (node ${process.version})\n`,
);
const row = (r) =>
  `  ${String(r.n).padStart(7)} users  ingest ${(r.ingestMs / 1000).toFixed(1)} s   first ${(r.firstMs / 1000).toFixed(2)} s, last ${(r.lastMs / 1000).toFixed(2)} s after the scheduled instant   ` +
  `${r.rate.toFixed(0)} sends/s   bare fetch ${r.bareRate.toFixed(0)}/s  → ${(r.rate / r.bareRate).toFixed(2)}x   ` +
  `workerd CPU ${r.cpuUs.toFixed(0)} µs per message (bare fetch ${r.bareCpuUs.toFixed(0)})   ` +
  `workerd RSS ${r.rssIngested.toFixed(0)} MiB ingested, peak ${r.peak.toFixed(0)}, after ${r.rssAfter.toFixed(0)} MiB   ` +
  `(received ${r.received}; stats sent ${r.stats.sent}, delivered ${r.stats.delivered})`;
if (small) console.log(row(small));
if (big) console.log(row(big));
if (small && big)
  console.log(
    `  RSS peak ${BIG} vs ${SMALL} users: ${(big.peak / small.peak).toFixed(2)}x for ${(BIG / SMALL).toFixed(0)}x the users`,
  );
if (events)
  console.log(
    `\nevent-triggered: POST /v1/events answer → sink receipt over ${events.measured} of ${EVENTS} events (triggered ${events.triggered}): p50 ${events.p50} ms, p99 ${events.p99} ms` +
      ` (negative: the request reached the sink before the answer reached the client); from the POST being sent: p50 ${events.postP50} ms, p99 ${events.postP99} ms`,
  );
