// Where POST /v1/events spends workerd's CPU when a running event campaign
// is triggered by every event: the V8 CPU profiler of workerd's isolate
// (through its inspector on 127.0.0.1, as bench/campaign_profile.mjs) over
// BENCH_TRIGGER_CALLS (10) calls of 1000 events, 4 in flight, every event for
// a fresh user: the decisions, the hand-off to the dispatch objects and the
// deliveries to a local sink, all in the one workerd. Prints self time per function
// (µs per event), most first, and per source file, and workerd's CPU per
// event from /proc. BENCH_PROFILE_CAMPAIGN=0: no campaign started (plain
// ingestion); BENCH_PROFILE_WHERE=1: 10 % of the events trigger; BENCH_CALLERS=1: each function named with its caller. A diagnosis tool beside event_trigger_bench.mjs.
//
// Run: node bench/event_trigger_profile.mjs   (needs dist/: bash scripts/build.sh wasm)

import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createEdgeMiniflare } from '../edge/miniflare.mjs';
import { cpuMs, workerdPids } from './workerd_proc.mjs';

const WebSocket = createRequire(createRequire(import.meta.url).resolve('miniflare'))('ws');
const KEY = 'bench-key';
const CALLS = Number(process.env.BENCH_TRIGGER_CALLS ?? 10);
// 0: no campaign at all (plain ingestion, the baseline).
const CAMPAIGN = (process.env.BENCH_PROFILE_CAMPAIGN ?? '1') === '1';
// 1: the campaign's `where` (amount >= 90) matches about 10 % of the events.
const WHERE = process.env.BENCH_PROFILE_WHERE === '1';
// 1: every function named with its caller.
const CALLERS = process.env.BENCH_CALLERS === '1';
const TOP = Number(process.env.BENCH_TOP ?? 40);
const PER_CALL = 1000;
const IN_FLIGHT = 4;

const sink = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-length': 2 });
    res.end('{}');
  });
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-trigger-profile-'));
const inspectorPort = await freePort();
const mf = createEdgeMiniflare({
  apiKey: KEY,
  allowLocalHttp: true,
  persistDir: dir,
  inspectorPort,
});
await mf.ready;
const pids = workerdPids();
const api = async (method, p, body) => {
  const res = await mf.dispatchFetch(`http://bench${p}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
};
let userSeq = 0;
const bodies = () =>
  Array.from({ length: CALLS }, () =>
    JSON.stringify({
      events: Array.from({ length: PER_CALL }, () => {
        const n = userSeq++;
        return {
          userId: `bu${n}`,
          key: 'purchase',
          properties: { amount: (n * 37) % 100, sku: `sku-${n % 500}` },
        };
      }),
    }),
  );
const round = async () => {
  const list = bodies();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < list.length) await api('POST', '/v1/events', list[next++]);
    }),
  );
};

try {
  const { campaign } = await api('POST', '/v1/campaigns', {
    title: 'profile',
    webhook: {
      url: `http://127.0.0.1:${sink.address().port}/e/{{ user.id }}`,
      method: 'POST',
      body: '{"sku": "{{ event.sku }}"}',
    },
    target: { allUsers: true },
    send: {
      type: 'event',
      event: 'purchase',
      ...(WHERE ? { where: [{ property: 'amount', op: 'gte', value: 90 }] } : {}),
    },
  });
  if (CAMPAIGN) await api('POST', `/v1/campaigns/${campaign.key}/start`);
  await round(); // warm-up
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target =
    targets.find((t) => /core:user/.test(t.id ?? '') || /core:user/.test(t.title ?? '')) ??
    targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.id && pending.has(m.id)) {
      pending.get(m.id)(m);
      pending.delete(m.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 200 });
  await send('Profiler.start');
  const cpu0 = cpuMs(pids);
  const t0 = performance.now();
  await round();
  const wall = performance.now() - t0;
  const cpu1 = cpuMs(pids);
  const { result } = await send('Profiler.stop');
  ws.close();
  const N = CALLS * PER_CALL;
  const { nodes, samples, timeDeltas } = result.profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map();
  for (let i = 0; i < samples.length; i++)
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  const fnUs = new Map();
  const fileUs = new Map();
  let total = 0;
  let idle = 0;
  const short = (url) => url.replace(/^.*\/(edge|src|dist)\//, '$1/');
  for (const [id, us] of selfUs) {
    const cf = byId.get(id).callFrame;
    const file = cf.url ? short(cf.url) : `(${cf.functionName || 'native'})`;
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') {
      idle += us;
      continue;
    }
    total += us;
    let name = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
    if ((CALLERS || !cf.url) && parentOf.has(id)) {
      const p = byId.get(parentOf.get(id)).callFrame;
      name = `${cf.functionName || '(native)'} ← ${p.functionName || '(anonymous)'} ${short(p.url)}:${p.lineNumber + 1}`;
    }
    fnUs.set(name, (fnUs.get(name) ?? 0) + us);
    fileUs.set(file, (fileUs.get(file) ?? 0) + us);
  }
  const per = (us) => (us / N).toFixed(1).padStart(7);
  console.log(
    `\nevent trigger profile (${!CAMPAIGN ? 'no campaign' : WHERE ? 'where matches 10 %' : 'every event triggers'}): ${N} events, ${wall.toFixed(0)} ms wall (${Math.round(N / (wall / 1000))} events/s);` +
      ` workerd CPU ${(((cpu1 - cpu0) * 1000) / N).toFixed(0)} µs per event (/proc); JS samples ${(total / N).toFixed(0)} µs per event (+ ${(idle / N).toFixed(0)} idle/program)\n`,
  );
  console.log('  µs/evt  function (self time)');
  for (const [name, us] of [...fnUs].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`  ${per(us)}  ${name}`);
  console.log('\n  µs/evt  file (self time)');
  for (const [file, us] of [...fileUs].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`  ${per(us)}  ${file}`);
} finally {
  await mf.dispose();
  sink.closeAllConnections?.();
  sink.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
