// Delivery throughput against a local keep-alive sink (127.0.0.1 only).
//
// Rows, each at concurrency 1, 16 and 64, N sends (BENCH_N, default 2000):
//   hookcast pipeline (workerd)   render + SSRF guard + fetch + capture + retry decision, no persistence
//   bare fetch (workerd)          the same POST with a plain fetch loop in the same workerd: the baseline
//   Node fetch                    Node's built-in fetch
//   undici request()              undici's request() on a Pool of `concurrency` connections
// plus one row for the full API with persistence: POST /v1/deliveries?wait=1
// with N contexts (Durable Object + SQLite, the object's fixed concurrency 32).
// Then "where the time goes": the engine stages timed alone in Node
// (workerd freezes timers during CPU work, so stages cannot be timed there).
//
// Run: node bench/delivery_bench.mjs   (needs dist/ built: bash scripts/build.sh wasm)

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as undiciRequest, Pool } from 'undici';
import { createEdgeMiniflare, REPO_ROOT } from '../edge/miniflare.mjs';
import { createEngine } from '../src/js/node.js';

const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCIES = [1, 16, 64];
const KEY = 'bench-key';

const sink = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
    res.end('{"ok":true}');
  });
});
sink.keepAliveTimeout = 30_000;
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const target = `http://127.0.0.1:${sink.address().port}/hook`;
const spec = {
  url: `http://127.0.0.1:${sink.address().port}/hook/{{ user.id }}`,
  method: 'POST',
  headers: [{ key: 'X-Name', value: '{{ user.name | default: "there" }}' }],
  body: '{"user": "{{ user.id }}", "name": "{{ user.name }}"}',
};

const here = path.dirname(fileURLToPath(import.meta.url));
const mf = createEdgeMiniflare({ apiKey: KEY, allowLocalHttp: true, scriptPath: path.join(here, 'edge_bench_worker.js') });
await mf.ready;

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
    const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  });
}
async function undici(concurrency) {
  const pool = new Pool(`http://127.0.0.1:${sink.address().port}`, { connections: concurrency });
  try {
    return await loop(concurrency, async () => {
      const res = await undiciRequest(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher: pool });
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
for (const c of CONCURRENCIES) {
  const bare = await inWorkerd('bare', c);
  const pipeline = await inWorkerd('pipeline', c);
  const nf = await nodeFetch(c);
  const un = await undici(c);
  rows.push({ c, name: 'hookcast pipeline (workerd)', ms: pipeline, base: bare });
  rows.push({ c, name: 'bare fetch (workerd)', ms: bare, base: bare });
  rows.push({ c, name: 'Node 20 fetch', ms: nf, base: bare });
  rows.push({ c, name: 'undici request()', ms: un, base: bare });
}

// The whole API with persistence: one batch of N contexts through the Durable Object.
const contexts = Array.from({ length: N }, (_, i) => ({ user: { id: `u${i}`, properties: { name: 'Ada' } } }));
const t0 = performance.now();
const res = await mf.dispatchFetch('http://bench/v1/deliveries?wait=1', {
  method: 'POST',
  headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ spec, contexts }),
});
const out = await res.json();
const apiMs = performance.now() - t0;
const delivered = out.deliveries?.filter((d) => d.status === 'delivered').length ?? 0;
if (delivered !== N) throw new Error(`/v1/deliveries delivered ${delivered} of ${N}: ${JSON.stringify(out).slice(0, 300)}`);
const bare32 = await inWorkerd('bare', 32);

// Where the time goes: each engine stage alone, in Node, same wasm.
const engine = await createEngine();
const compiled = engine.compile(spec, { allowLocalHttp: true });
const STAGE_N = 20_000;
const stage = (fn) => {
  for (let i = 0; i < 500; i++) fn(i);
  const s = performance.now();
  for (let i = 0; i < STAGE_N; i++) fn(i);
  return ((performance.now() - s) / STAGE_N) * 1000;
};
const ctx = (i) => ({ user: { id: `u${i}`, properties: { name: 'Ada' } } });
const sample = compiled.webhook.render(ctx(0)).request;
const stages = {
  'render (compiled)': stage((i) => compiled.webhook.render(ctx(i))),
  'render (from spec)': stage((i) => engine.render(spec, ctx(i), { allowLocalHttp: true })),
  'SSRF guard (validate url)': stage(() => engine.validate({ url: sample.url, method: 'GET' }, { allowLocalHttp: true })),
  'retry decision': stage((i) => engine.retryDecision({ status: 200 }, 1, 1_700_000_000_000 + i)),
};

await mf.dispose();
await new Promise((r) => sink.close(r));

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log(`\nhookcast delivery benchmark — N=${N} POSTs per row to a keep-alive sink on 127.0.0.1 (node ${process.version}, ${rows.length / 4} concurrency levels)\n`);
console.log(`${pad('concurrency', 12)}${pad('client', 32)}${lpad('req/s', 10)}${lpad('vs bare workerd fetch', 24)}`);
for (const r of rows) {
  console.log(`${pad(r.c, 12)}${pad(r.name, 32)}${lpad(rps(r.ms).toFixed(0), 10)}${lpad(`${(r.base / r.ms).toFixed(2)}x`, 24)}`);
}
console.log(`${pad(32, 12)}${pad('POST /v1/deliveries (DO+SQLite)', 32)}${lpad(rps(apiMs).toFixed(0), 10)}${lpad(`${(bare32 / apiMs).toFixed(2)}x`, 24)}   (vs bare fetch at 32: ${rps(bare32).toFixed(0)} req/s)`);
console.log('\nwhere the time goes (engine stages alone, Node, same wasm; µs per call):');
for (const [k, v] of Object.entries(stages)) console.log(`  ${pad(k, 28)}${lpad(v.toFixed(2), 8)} µs`);
const perSendPipeline = (rows[0].ms / N) * 1000;
const perSendBare = (rows[1].ms / N) * 1000;
console.log(`  at concurrency 1 one send costs ${perSendPipeline.toFixed(0)} µs through the pipeline vs ${perSendBare.toFixed(0)} µs bare;` +
  ` the engine stages above add ~${(stages['render (compiled)'] + stages['SSRF guard (validate url)'] + stages['retry decision']).toFixed(0)} µs,` +
  ' the rest is fetch + headers + bounded body capture + the abort timer.');
