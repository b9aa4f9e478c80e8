// The V8 CPU profiler of workerd's worker isolate, through its inspector on
// 127.0.0.1, and the self time of a profile summed per function and per
// file. Shared by bench/campaign_profile.mjs and bench/event_trigger_profile.mjs.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createEdgeMiniflare } from '../edge/miniflare.mjs';
import { workerdPids } from './workerd_proc.mjs';

// miniflare's own dependency (Node 20 has no WebSocket client of its own).
const WebSocket = createRequire(createRequire(import.meta.url).resolve('miniflare'))('ws');

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * The edge worker in its own workerd, state on disk in a fresh folder named
 * from `prefix`, loopback http allowed, its V8 inspector on a free port:
 * { mf, api(method, path, body), pids, inspectorPort, dispose() }. `body`
 * may be JSON text already.
 */
export async function startProfiledWorker(prefix, key) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const inspectorPort = await freePort();
  const before = new Set(workerdPids());
  const mf = createEdgeMiniflare({
    apiKey: key,
    allowLocalHttp: true,
    persistDir: dir,
    inspectorPort,
  });
  await mf.ready;
  const pids = workerdPids().filter((p) => !before.has(p));
  const api = async (method, p, body) => {
    const res = await mf.dispatchFetch(`http://bench${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  return {
    mf,
    api,
    pids,
    inspectorPort,
    async dispose() {
      await mf.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Connects to the worker's isolate (the one inspector target that is not an
 * internal service) and enables the profiler, sampling every 200 µs.
 * Resolves to { start(), stop() → the profile, close() }.
 * @param {number} inspectorPort
 */
export async function connectProfiler(inspectorPort) {
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
  return {
    start: () => send('Profiler.start'),
    stop: async () => (await send('Profiler.stop')).result.profile,
    close: () => ws.close(),
  };
}

/**
 * Self time (µs) of `profile` per function ("name file:line"; a runtime
 * function such as exec or transactionSync, or every function with
 * `callers`, is named with its JS caller) and per file, with the total and
 * the idle/program time apart. Returns { byFunction, byFile, total, idle }
 * (Maps sorted by time, most first).
 */
export function selfTimes(profile, { callers = false } = {}) {
  const { nodes, samples, timeDeltas } = profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map();
  for (let i = 0; i < samples.length; i++)
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  const byFunction = new Map();
  const byFile = new Map();
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
    if ((callers || !cf.url) && parentOf.has(id)) {
      const p = byId.get(parentOf.get(id)).callFrame;
      name = `${cf.functionName || '(native)'} ← ${p.functionName || '(anonymous)'} ${short(p.url)}:${p.lineNumber + 1}`;
    }
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const sorted = (m) => new Map([...m].sort((a, b) => b[1] - a[1]));
  return { byFunction: sorted(byFunction), byFile: sorted(byFile), total, idle };
}

/** Prints the `top` functions and 20 files of `times` (selfTimes), in µs per `unit` over `n` units. */
export function printSelfTimes(times, n, unit, top) {
  const per = (us) => (us / n).toFixed(1).padStart(7);
  console.log(`  µs/${unit}  function (self time)`);
  for (const [name, us] of [...times.byFunction].slice(0, top))
    console.log(`  ${per(us)}  ${name}`);
  console.log(`\n  µs/${unit}  file (self time)`);
  for (const [file, us] of [...times.byFile].slice(0, 20)) console.log(`  ${per(us)}  ${file}`);
}
