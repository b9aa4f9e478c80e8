// workerd memory over many deliveries (issue 6: "Memory that only grows").
//
// Sends BENCH_MEMORY_N (default 100,000) deliveries through POST
// /v1/deliveries in batches of BENCH_MEMORY_BATCH (default 100) contexts,
// BENCH_MEMORY_PARALLEL (8) batches at a time, to a local sink, with the
// Durable Object state on disk as `npm start` keeps it. Prints workerd's
// RSS at 10k, 50k and 100k deliveries, and again after 20 s idle. The
// baseline, in its own workerd: the same number of bare fetch() calls to the
// same sink (no hookcast code), 100 per request, 8 requests at once:
// workerd itself keeps memory per fetch, and this shows how much.
//
// Run: node bench/memory_bench.mjs   (needs dist/: bash scripts/build.sh wasm)

import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEdgeMiniflare } from '../edge/miniflare.mjs';
import { rssMiB as rssOf, workerdPids } from './workerd_proc.mjs';

const N = Number(process.env.BENCH_MEMORY_N ?? 100_000);
const BATCH = Number(process.env.BENCH_MEMORY_BATCH ?? 100);
const PARALLEL = Number(process.env.BENCH_MEMORY_PARALLEL ?? 8);
const MARKS = [10_000, 50_000, 100_000].filter((m) => m <= N);
const KEY = 'bench-key';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const sinkThread = new Worker(
  `const http = require('node:http');
   const { parentPort } = require('node:worker_threads');
   const server = http.createServer((req, res) => {
     req.resume();
     req.on('end', () => { res.writeHead(200, { 'content-length': 2 }); res.end('ok'); });
   });
   server.keepAliveTimeout = 30000;
   server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
   parentPort.on('message', () => server.close(() => process.exit(0)));`,
  { eval: true },
);
const sinkPort = await new Promise((resolve) => sinkThread.once('message', resolve));

// ---- baseline: bare fetch in its own workerd ------------------------------------------
const here = path.dirname(fileURLToPath(import.meta.url));
const bareRows = [];
{
  const before = new Set(workerdPids());
  const bare = createEdgeMiniflare({
    apiKey: KEY,
    allowLocalHttp: true,
    scriptPath: path.join(here, 'edge_bench_worker.js'),
  });
  await bare.ready;
  const barePids = workerdPids().filter((p) => !before.has(p));
  let done = 0;
  let nextBare = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (nextBare < N) {
        const n = Math.min(BATCH, N - nextBare);
        nextBare += n;
        const res = await bare.dispatchFetch('http://bench/bench', {
          method: 'POST',
          body: JSON.stringify({
            mode: 'bare',
            target: `http://127.0.0.1:${sinkPort}/bare`,
            n,
            concurrency: Math.min(32, n),
          }),
        });
        const out = await res.json();
        if (out.failures) throw new Error(`bare fetch failed: ${JSON.stringify(out)}`);
        const was = done;
        done += n;
        for (const m of MARKS)
          if (was < m && done >= m) bareRows.push({ at: m, rss: rssOf(barePids) });
      }
    }),
  );
  await bare.dispose();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-memory-bench-'));
const before = new Set(workerdPids());
const mf = createEdgeMiniflare({ apiKey: KEY, allowLocalHttp: true, persistDir: dir });
await mf.ready;
const pids = workerdPids().filter((p) => !before.has(p));

const rssMiB = () => rssOf(pids);

const spec = {
  url: `http://127.0.0.1:${sinkPort}/m/{{ user.id }}`,
  method: 'POST',
  headers: [{ key: 'X-Name', value: '{{ user.name | default: "there" }}' }],
  body: '{"user": "{{ user.id }}", "name": "{{ user.name }}"}',
};

const rows = [];
let sent = 0;
let next = 0;
const startRss = rssMiB();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    while (next < N) {
      const from = next;
      next += BATCH;
      const contexts = Array.from({ length: Math.min(BATCH, N - from) }, (_, i) => ({
        user: { id: `u${from + i}`, properties: { name: 'Ada' } },
      }));
      const res = await mf.dispatchFetch('http://bench/v1/deliveries?wait=1', {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ spec, contexts }),
      });
      const out = await res.json();
      if (res.status !== 200 || out.deliveries.some((d) => d.status !== 'delivered'))
        throw new Error(`batch failed: ${JSON.stringify(out).slice(0, 300)}`);
      const was = sent;
      sent += contexts.length;
      for (const m of MARKS)
        if (was < m && sent >= m)
          rows.push({ at: m, rss: rssMiB(), s: (performance.now() - t0) / 1000 });
    }
  }),
);
await sleep(20_000);
const idle = rssMiB();
await mf.dispose();
sinkThread.postMessage('stop');
fs.rmSync(dir, { recursive: true, force: true });

console.log(
  `\nworkerd RSS over POST /v1/deliveries (${BATCH} contexts per batch, ${PARALLEL} batches at once, state on disk)`,
);
console.log(`  start ${startRss.toFixed(0)} MiB`);
for (const r of rows) {
  const base = bareRows.find((b) => b.at === r.at);
  console.log(
    `  ${String(r.at).padStart(7)} deliveries  ${r.rss.toFixed(0).padStart(5)} MiB   (${r.s.toFixed(1)} s)   bare fetch baseline ${base ? base.rss.toFixed(0) : '?'} MiB  → ${base ? (r.rss / base.rss).toFixed(2) : '?'}x`,
  );
}
console.log(`  after 20 s idle  ${idle.toFixed(0)} MiB`);
