// Delivery throughput against a local keep-alive sink (127.0.0.1 only).
//
// Rows, each at concurrency 1, 16 and 64, N sends (BENCH_N, default 2000):
//   hookcast pipeline (workerd)   a first attempt: render + fetch (timeout, manual redirect,
//                                 webhook-id) + bounded capture + retry decision, no persistence
//   hookcast retry attempt        the same plus the engine's SSRF re-check (every retry and
//                                 every attempt after a restart pays it)
//   bare fetch (workerd)          a plain POST fetch loop in the same workerd, body read: the baseline
//   Node fetch                    Node's built-in fetch
//   undici request()              undici's request() on a Pool of `concurrency` connections
// plus one row for the full API with persistence: POST /v1/deliveries?wait=1
// with N contexts (Durable Object + SQLite, the object's fixed concurrency 32).
// Then "where the time goes": workerd's CPU time per send (from
// /proc/<workerd>/stat, so other processes on the machine do not count) at
// concurrency 64 with the pipeline's stages added one at a time; and the
// engine stages looped alone (inside workerd, timed from outside, and in Node).
//
// Run: node bench/delivery_bench.mjs   (needs dist/ built: bash scripts/build.sh wasm)
//      BENCH_N (default 2000) sends per cell, BENCH_ROUNDS (default 3) runs per cell, best kept.

import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as undiciRequest, Pool } from 'undici';
import { createEdgeMiniflare } from '../edge/miniflare.mjs';
import { cpuMs, workerdPids } from './workerd_proc.mjs';
import { createEngine } from '../src/js/node.js';

const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCIES = [1, 16, 64];
const KEY = 'bench-key';

// The sink runs in its own thread (own event loop), so the Node clients
// below do not share theirs with the server they measure.
const sinkThread = new Worker(
  `const http = require('node:http');
   const { parentPort } = require('node:worker_threads');
   const server = http.createServer((req, res) => {
     req.resume();
     req.on('end', () => {
       res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
       res.end('{"ok":true}');
     });
   });
   server.keepAliveTimeout = 30000;
   server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
   parentPort.on('message', () => server.close(() => process.exit(0)));`,
  { eval: true },
);
const sinkPort = await new Promise((resolve, reject) => {
  sinkThread.once('message', resolve);
  sinkThread.once('error', reject);
});
const sink = { address: () => ({ port: sinkPort }) };
const target = `http://127.0.0.1:${sink.address().port}/hook`;
const spec = {
  url: `http://127.0.0.1:${sink.address().port}/hook/{{ user.id }}`,
  method: 'POST',
  headers: [{ key: 'X-Name', value: '{{ user.name | default: "there" }}' }],
  body: '{"user": "{{ user.id }}", "name": "{{ user.name }}"}',
};

const here = path.dirname(fileURLToPath(import.meta.url));
const mf = createEdgeMiniflare({
  apiKey: KEY,
  allowLocalHttp: true,
  scriptPath: path.join(here, 'edge_bench_worker.js'),
});
await mf.ready;

// workerd's own CPU time (user + system, ms), summed over the workerd
// processes this process started (miniflare runs one). null off Linux.
const WORKERD = workerdPids();
function workerdCpuMs() {
  return WORKERD.length === 0 ? null : cpuMs(WORKERD);
}

async function inWorkerd(mode, concurrency) {
  const res = await mf.dispatchFetch('http://bench/bench', {
    method: 'POST',
    body: JSON.stringify({ mode, target, n: N, concurrency, spec }),
  });
  const out = await res.json();
  if (!res.ok || out.failures) throw new Error(`${mode}: ${JSON.stringify(out).slice(0, 300)}`);
  return out.ms;
}

async function loop(concurrency, one) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < N) {
        next++;
        await one();
      }
    }),
  );
  return performance.now() - t0;
}

const body = JSON.stringify({ user: 'bench' });
async function nodeFetch(concurrency) {
  return loop(concurrency, async () => {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  });
}
async function undici(concurrency) {
  const pool = new Pool(`http://127.0.0.1:${sink.address().port}`, { connections: concurrency });
  try {
    return await loop(concurrency, async () => {
      const res = await undiciRequest(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        dispatcher: pool,
      });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    });
  } finally {
    await pool.close();
  }
}

const rows = [];
const rps = (ms) => (N / ms) * 1000;
// Warm-up: engine instantiation, connection pools, JIT.
await inWorkerd('pipeline', 4);
await inWorkerd('bare', 4);
// Each cell is the best of ROUNDS runs, rows interleaved, so a noisy
// neighbour on this shared machine hurts every row alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const best = async (fn) => {
  let ms = Infinity;
  for (let r = 0; r < ROUNDS; r++) ms = Math.min(ms, await fn());
  return ms;
};
for (const c of CONCURRENCIES) {
  const bare = await best(() => inWorkerd('bare', c));
  const pipeline = await best(() => inWorkerd('pipeline', c));
  const retry = await best(() => inWorkerd('retry', c));
  const nf = await best(() => nodeFetch(c));
  const un = await best(() => undici(c));
  rows.push({ c, name: 'hookcast pipeline (workerd)', ms: pipeline, base: bare });
  rows.push({ c, name: 'hookcast retry attempt (workerd)', ms: retry, base: bare });
  rows.push({ c, name: 'bare fetch (workerd)', ms: bare, base: bare });
  rows.push({ c, name: 'Node 20 fetch', ms: nf, base: bare });
  rows.push({ c, name: 'undici request()', ms: un, base: bare });
}

// The whole API with persistence: one batch of N contexts through the Durable Object.
const contexts = Array.from({ length: N }, (_, i) => ({
  user: { id: `u${i}`, properties: { name: 'Ada' } },
}));
const t0 = performance.now();
const res = await mf.dispatchFetch('http://bench/v1/deliveries?wait=1', {
  method: 'POST',
  headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ spec, contexts }),
});
const out = await res.json();
const apiMs = performance.now() - t0;
const delivered = out.deliveries?.filter((d) => d.status === 'delivered').length ?? 0;
if (delivered !== N)
  throw new Error(
    `/v1/deliveries delivered ${delivered} of ${N}: ${JSON.stringify(out).slice(0, 300)}`,
  );
const bare32 = await inWorkerd('bare', 32);

// Where the time goes: each engine stage alone, looped inside workerd and
// timed from outside (workerd freezes its clock during CPU work), minus an
// empty loop; and the same stages in Node on the same wasm, for comparison.
const STAGE_N = 20_000;
async function workerdStage(stage) {
  const t = performance.now();
  const r = await mf.dispatchFetch(`http://bench/bench?stage=${stage}`, {
    method: 'POST',
    body: JSON.stringify({ mode: 'stages', n: STAGE_N, spec }),
  });
  await r.json();
  return performance.now() - t;
}
// Stages added one at a time, at concurrency 64 where workerd's one thread
// is the limit: workerd CPU µs per send, the least of ROUNDS runs each.
const BREAKDOWN = [
  ['bare', 'bare fetch + body read'],
  ['send', 'sendOnce (one pre-rendered request)'],
  ['render', '+ render (renderBatch of 64)'],
  ['pipeline', '+ retry decision = first attempt'],
  ['retry', '+ SSRF re-check = retry attempt'],
];
const cpuUs = {};
if (workerdCpuMs() !== null) {
  for (const [mode] of BREAKDOWN) cpuUs[mode] = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    for (const [mode] of BREAKDOWN) {
      const before = workerdCpuMs();
      await inWorkerd(mode, 64);
      cpuUs[mode] = Math.min(cpuUs[mode], ((workerdCpuMs() - before) / N) * 1000);
    }
  }
}

await workerdStage('render'); // warm-up
const emptyMs = await workerdStage('empty');
const inWorkerdUs = {};
for (const st of ['render', 'guard', 'decide'])
  inWorkerdUs[st] = (((await workerdStage(st)) - emptyMs) / STAGE_N) * 1000;

const engine = await createEngine();
const compiled = engine.compile(spec, { allowLocalHttp: true });
const stage = (fn) => {
  for (let i = 0; i < 500; i++) fn(i);
  const s = performance.now();
  for (let i = 0; i < STAGE_N; i++) fn(i);
  return ((performance.now() - s) / STAGE_N) * 1000;
};
const ctx = (i) => ({ user: { id: `u${i}`, properties: { name: 'Ada' } } });
const sample = compiled.webhook.render(ctx(0)).request;
const inNodeUs = {
  render: stage((i) => compiled.webhook.render(ctx(i))),
  guard: stage(() => engine.checkDestination(sample.url, { allowLocalHttp: true })),
  decide: stage((i) => engine.retryDecision({ status: 200 }, 1, 1_700_000_000_000 + i)),
};
const STAGE_NAMES = {
  render: 'render (compiled spec)',
  guard: 'SSRF guard (engine.checkDestination)',
  decide: 'retry decision',
};

await mf.dispose();
sinkThread.postMessage('stop');
await new Promise((r) => sinkThread.once('exit', r));

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log(
  `\nhookcast delivery benchmark — N=${N} POSTs per row to a keep-alive sink on 127.0.0.1 (best of ${ROUNDS}; node ${process.version}; sink in its own thread)\n`,
);
console.log(
  `${pad('concurrency', 12)}${pad('client', 34)}${lpad('req/s', 10)}${lpad('vs bare workerd fetch', 24)}`,
);
for (const r of rows) {
  console.log(
    `${pad(r.c, 12)}${pad(r.name, 34)}${lpad(rps(r.ms).toFixed(0), 10)}${lpad(`${(r.base / r.ms).toFixed(2)}x`, 24)}`,
  );
}
console.log(
  `${pad(32, 12)}${pad('POST /v1/deliveries (DO+SQLite)', 34)}${lpad(rps(apiMs).toFixed(0), 10)}${lpad(`${(bare32 / apiMs).toFixed(2)}x`, 24)}   (vs bare fetch at 32: ${rps(bare32).toFixed(0)} req/s)`,
);
if (Object.keys(cpuUs).length) {
  console.log(
    `\nwhere the time goes at concurrency 64: workerd CPU µs per send (least of ${ROUNDS}; /proc, 10 ms ticks over ${N} sends):`,
  );
  let prev = null;
  for (const [mode, label] of BREAKDOWN) {
    const step =
      prev === null
        ? ''
        : `${cpuUs[mode] - prev >= 0 ? '+' : ''}${(cpuUs[mode] - prev).toFixed(0)}`;
    console.log(`  ${pad(label, 42)}${lpad(cpuUs[mode].toFixed(0), 8)}${lpad(step, 8)}`);
    prev = cpuUs[mode];
  }
  console.log(
    `  first attempt / bare: ${(cpuUs.bare / cpuUs.pipeline).toFixed(2)}x of the CPU rate; retry attempt / bare: ${(cpuUs.bare / cpuUs.retry).toFixed(2)}x`,
  );
} else {
  console.log('\n(workerd CPU breakdown skipped: no /proc)');
}
console.log(`\nengine stages looped alone (µs per call, ${STAGE_N} calls; the same wasm in both):`);
console.log(`  ${pad('stage', 42)}${lpad('workerd', 10)}${lpad('Node', 10)}`);
for (const k of Object.keys(STAGE_NAMES))
  console.log(
    `  ${pad(STAGE_NAMES[k], 42)}${lpad(inWorkerdUs[k].toFixed(2), 10)}${lpad(inNodeUs[k].toFixed(2), 10)}`,
  );
console.log(
  '  (in the pipeline, interleaved with I/O, the same calls cost several times more: see the step sizes above)',
);
