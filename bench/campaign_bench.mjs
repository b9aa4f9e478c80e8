// Campaign scale, measured the way a user measures it: the product started as
// `npm start` starts it (scripts/start.mjs in its own process group: node,
// and workerd with its state on disk), driven only through its public HTTP
// API, against a keep-alive sink on 127.0.0.1 in its own thread.
//
// For each audience size (BENCH_CAMPAIGN_SIZES, default "10000,100000";
// BENCH_MILLION=1 adds 1,000,000, which takes several minutes):
//   1. N users through POST /v1/users (1000 per call, 4 calls in flight);
//   2. one scheduled campaign to all of them: time from the scheduled
//      instant to the first and the last message at the sink, sends/s
//      (first to last), every user's message counted exactly once (the sink
//      keeps a bit per user and counts duplicates), workerd's RSS sampled
//      every 250 ms (peak: all, anonymous, file-backed) and after;
//   3. the baselines, in the same run, to the same sink with the same
//      bodies and the same number of requests in flight as the campaign had
//      (its slices × the attempts each keeps in flight; BENCH_IN_FLIGHT
//      overrides): a Node undici loop (a Pool of that many connections: what a
//      user's own script would do), and a bare fetch loop inside one
//      workerd (the ceiling of one workerd thread).
// Then event-triggered sends: POST /v1/events answer → the sink receiving
// that user's request, p50/p99 over BENCH_EVENTS (300) events sent one
// after another.
//
// Run: node bench/campaign_bench.mjs   (npm run bench runs it; needs dist/:
// bash scripts/build.sh wasm)

import { Worker } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import {
  createEdgeMiniflare,
  LOCAL_SLICE_SETTINGS,
  readWranglerConfig,
} from '../edge/miniflare.mjs';
import { MAX_ATTEMPTS_PER_RUN } from '../edge/src/constants.js';
import { KillableStart } from '../tests/js/helpers/npm_start.mjs';
import { cpuMs, rssMiB, workerdPids } from './workerd_proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const KEY = 'bench-key-0123456789';
const SIZES = (env.BENCH_CAMPAIGN_SIZES ?? '10000,100000')
  .split(',')
  .map(Number)
  .concat(env.BENCH_MILLION === '1' ? [1_000_000] : []);
/** Attempts in flight per slice with npm start's settings. */
const PER_SLICE = Number(LOCAL_SLICE_SETTINGS.HOOKCAST_SLICE_CONCURRENCY);
const EVENTS = Number(env.BENCH_EVENTS ?? 300);
const MAX_USERS = Math.max(...SIZES);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the sink: its own thread ---------------------------------------------------------
// Paths: /s/u<i> (the campaign: a bit per user, duplicates counted),
// /e/u<i> (event sends: arrival times posted back), anything else counted.
const sinkThread = new Worker(
  `const http = require('node:http');
   const { parentPort, workerData } = require('node:worker_threads');
   let seen = new Uint8Array(workerData.maxUsers);
   let count = 0, dup = 0, first = null, last = null;
   // The receiver's answer time (Cloudflare part), and requests in flight per dispatch slice (from webhook-id).
   let delayMs = 0;
   const inflight = new Map();
   let maxInflight = 0;
   const dupIds = [];
   const server = http.createServer((req, res) => {
     const id = req.headers['webhook-id'] ?? '';
     const slice = id.startsWith('cmsg_') ? id.split('_').slice(-2, -1)[0] : null;
     if (slice !== null) {
       const n = (inflight.get(slice) ?? 0) + 1;
       inflight.set(slice, n);
       if (n > maxInflight) maxInflight = n;
     }
     req.resume();
     req.on('end', () => {
       const answer = () => {
         const now = Date.now();
         count++;
         if (first === null) first = now;
         last = now;
         const url = req.url;
         if (url.startsWith('/s/u')) {
           const i = Number(url.slice(4));
           if (seen[i]) { dup++; if (dupIds.length < 10) dupIds.push(id); } else seen[i] = 1;
         } else if (url.startsWith('/e/')) parentPort.postMessage({ event: url.slice(3), at: now });
         if (slice !== null) inflight.set(slice, inflight.get(slice) - 1);
         res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
         res.end('{"ok":true}');
       };
       if (delayMs > 0) setTimeout(answer, delayMs);
       else answer();
     });
   });
   server.keepAliveTimeout = 60000;
   server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
   parentPort.on('message', (m) => {
     if (m === 'stop') server.close(() => process.exit(0));
     else if (m === 'reset' || m.reset) {
       count = 0; dup = 0; first = null; last = null; seen.fill(0);
       delayMs = m.delayMs ?? 0; inflight.clear(); maxInflight = 0; dupIds.length = 0;
       parentPort.postMessage({ reset: true });
     } else if (m === 'read') {
       let distinct = 0;
       for (let i = 0; i < seen.length; i++) distinct += seen[i];
       parentPort.postMessage({ count, dup, distinct, first, last, slices: inflight.size, maxInflight, dupIds });
     }
   });`,
  { eval: true, workerData: { maxUsers: MAX_USERS } },
);
const sinkPort = await new Promise((resolve) => sinkThread.once('message', (m) => resolve(m.port)));
const sinkOrigin = `http://127.0.0.1:${sinkPort}`;
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

// ---- the product, as npm start runs it ------------------------------------------------------

async function startProduct(environment = {}) {
  const product = new KillableStart({ key: KEY, prefix: 'hookcast-campaign-bench-' });
  let origin = await product.start(environment);
  const pids = () => workerdPids(product.pid);
  async function api(method, p, body) {
    const res = await fetch(`${origin}${p}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  }
  /** SIGKILL (node and workerd), then npm start again on the same state folder. */
  async function restart() {
    product.kill();
    origin = await product.start(environment);
  }
  return { product, api, pids, restart };
}

const webhook = (kind) => ({
  url: `${sinkOrigin}/${kind}/{{ user.id }}`,
  method: 'POST',
  headers: [{ key: 'X-Plan', value: '{{ user.plan | default: "free" }}' }],
  body: '{"user": "{{ user.id }}", "name": "{{ user.name | default: "there" }}", "n": {{ user.n }}}',
});
/** The body the webhook renders for user i (the baselines send the same bytes). */
const bodyOf = (i) => `{"user": "u${i}", "name": "User ${i}", "n": ${i}}`;

/** Ingests users u0 … u(n-1) through POST /v1/users, 1000 per call, 4 calls at once. */
async function ingest(api, n) {
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
        await api('POST', '/v1/users', { users });
      }
    }),
  );
  return performance.now() - t0;
}

/** A UTC local date-time `ms` from now, to the second (schedules are local times). */
function utcLocal(ms) {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19);
}

/** Peak and latest workerd RSS (MiB) of `pids()`, sampled by sample(). */
function rssWatch(pids) {
  const peak = { VmRSS: 0, RssAnon: 0, RssFile: 0 };
  return {
    peak,
    sample() {
      const p = pids();
      for (const field of Object.keys(peak)) peak[field] = Math.max(peak[field], rssMiB(p, field));
    },
  };
}

/**
 * One scheduled campaign to `n` users through the product's API; `environment`
 * for npm start (slice settings), `delayMs` the sink's answer time; `killAt`
 * (0…1): SIGKILL the product once that share of the users got their message,
 * start it again on the same state, and wait for every user.
 */
async function scheduledRun(
  n,
  { environment = {}, delayMs = 0, killAt = null, streamEvents = 0 } = {},
) {
  const { product, api, pids, restart } = await startProduct(environment);
  try {
    const ingestMs = await ingest(api, n);
    const rssIngested = rssMiB(pids());
    await askSink({ reset: true, delayMs });
    const at = utcLocal(Date.now() + 3000);
    const scheduledMs = Date.parse(`${at}Z`);
    const { campaign } = await api('POST', '/v1/campaigns', {
      title: `bench ${n}`,
      webhook: webhook('s'),
      target: { allUsers: true },
      send: { type: 'schedule', at, timeZone: 'UTC' },
    });
    await api('POST', `/v1/campaigns/${campaign.key}/start`);
    const rss = rssWatch(pids);
    while (Date.now() < scheduledMs - 100) {
      rss.sample();
      await sleep(50);
    }
    const cpu0 = cpuMs(pids());
    let sink = await askSink('read');
    let lastProgress = Date.now();
    let killedAt = null;
    for (let seen = 0; sink.distinct < n && Date.now() - lastProgress < 120_000;) {
      rss.sample();
      await sleep(250);
      sink = await askSink('read');
      if (sink.count > seen) {
        seen = sink.count;
        lastProgress = Date.now();
      }
      if (killAt !== null && killedAt === null && sink.distinct >= killAt * n) {
        killedAt = sink.distinct;
        await restart();
        lastProgress = Date.now();
      }
    }
    const cpuCampaign = killedAt === null ? cpuMs(pids()) - cpu0 : NaN;
    if (sink.distinct < n)
      console.error(
        `campaign bench: ${n - sink.distinct} users got nothing for 120 s; stats ${JSON.stringify(await api('GET', `/v1/campaigns/${campaign.key}/stats`))}; destinations ${JSON.stringify(await api('GET', '/v1/destinations'))}; npm start printed:\n${product.output().slice(-8000)}`,
      );
    let stats;
    for (let i = 0; i < 200; i++) {
      rss.sample();
      stats = await api('GET', `/v1/campaigns/${campaign.key}/stats`);
      if (stats.delivered + stats.failed >= n) break;
      await sleep(250);
    }
    await sleep(2000);
    const rssAfter = rssMiB(pids());
    // Why a user got a message twice: the attempts of a few such deliveries.
    const twice = [];
    for (const id of sink.dupIds) {
      const d = await api('GET', `/v1/deliveries/${id}`);
      twice.push(
        `${id}: ${d.attempts.map((a) => `${a.status ?? a.error}@${a.startedAt}`).join(' ')}`,
      );
    }
    if (twice.length) console.error(`campaign bench: sent twice:\n  ${twice.join('\n  ')}`);
    const stream = streamEvents > 0 ? await eventStream(api, pids, streamEvents) : null;
    return {
      n,
      ingestMs,
      firstMs: sink.first - scheduledMs,
      lastMs: sink.last - scheduledMs,
      rate: (sink.count - 1) / ((sink.last - sink.first) / 1000),
      received: sink.count,
      slices: sink.slices,
      maxInflight: sink.maxInflight,
      distinct: sink.distinct,
      duplicates: sink.dup,
      killedAt,
      stream,
      cpuUs: (cpuCampaign * 1000) / Math.max(1, sink.count),
      stats,
      rssIngested,
      peak: rss.peak,
      rssAfter,
    };
  } finally {
    product.dispose();
  }
}

/**
 * After the scheduled campaign, on the same audience: an event campaign
 * (every event of key "ping" sends, resend allowed after a minute) under a
 * stream of `count` events (1000 per call, 4 calls in flight) for the first
 * users; events/s accepted, how many arrived at the sink, workerd's RSS peak.
 */
async function eventStream(api, pids, count) {
  const { campaign } = await api('POST', '/v1/campaigns', {
    title: 'bench event stream',
    webhook: webhook('x'),
    target: { allUsers: true },
    send: { type: 'event', event: 'ping' },
    fatigue: { resend: { every: 1, unit: 'minutes' }, frequencyCapping: false },
  });
  await api('POST', `/v1/campaigns/${campaign.key}/start`);
  await askSink({ reset: true });
  const rss = rssWatch(pids);
  const t0 = performance.now();
  let next = 0;
  let triggered = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        const from = next;
        next += 1000;
        const events = [];
        for (let i = from; i < Math.min(count, from + 1000); i++)
          events.push({ userId: `u${i}`, key: 'ping', properties: { i } });
        // Not `triggered += await …`: that reads `triggered` before the await.
        const answer = await api('POST', '/v1/events', { events });
        triggered += answer.triggered;
        rss.sample();
      }
    }),
  );
  const acceptMs = performance.now() - t0;
  let sink = await askSink('read');
  // Every event sends (a fresh user for this campaign each): wait for `count`.
  for (let quiet = 0; sink.count < count && quiet < 240; quiet++) {
    rss.sample();
    await sleep(250);
    const now = await askSink('read');
    if (now.count > sink.count) quiet = 0;
    sink = now;
  }
  const stats = await api('GET', `/v1/campaigns/${campaign.key}/stats`);
  return {
    count,
    triggered,
    sent: stats.sent,
    eventsPerSecond: count / (acceptMs / 1000),
    received: sink.count,
    peak: rss.peak.VmRSS,
  };
}

/** Requests/s (first to last arrival at the sink) of `send` run `n` times, `inFlight` at once. */
async function sinkRate(n, inFlight, send) {
  await askSink({ reset: true });
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await send(next++);
    }),
  );
  const sink = await askSink('read');
  return (sink.count - 1) / ((sink.last - sink.first) / 1000);
}

/** The user's own script: undici on a Pool of `inFlight` keep-alive connections, same bodies. */
async function undiciLoop(n, inFlight) {
  const pool = new Pool(sinkOrigin, { connections: inFlight });
  try {
    return await sinkRate(n, inFlight, async (i) => {
      const res = await pool.request({
        path: `/u/u${i}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-plan': i % 2 ? 'pro' : 'free' },
        body: bodyOf(i),
      });
      await res.body.text();
    });
  } finally {
    await pool.close();
  }
}

/** A bare fetch loop inside one workerd (its own, idle otherwise): `inFlight` at once. */
async function bareWorkerdLoop(n, inFlight) {
  const mf = createEdgeMiniflare({
    apiKey: KEY,
    allowLocalHttp: true,
    scriptPath: path.join(here, 'edge_bench_worker.js'),
  });
  try {
    await mf.ready;
    await askSink({ reset: true });
    const res = await mf.dispatchFetch('http://bench/bench', {
      method: 'POST',
      body: JSON.stringify({
        mode: 'bare',
        target: `${sinkOrigin}/bare`,
        n,
        concurrency: inFlight,
      }),
    });
    await res.json();
    const sink = await askSink('read');
    return (sink.count - 1) / ((sink.last - sink.first) / 1000);
  } finally {
    await mf.dispose();
  }
}

/** Event-triggered latency: POST /v1/events answer → sink receipt. */
async function eventRun() {
  const { product, api } = await startProduct();
  try {
    await askSink({ reset: true }); // a sink answering at once (the Cloudflare part slows it)
    await ingest(api, 1000);
    const { campaign } = await api('POST', '/v1/campaigns', {
      title: 'bench events',
      webhook: webhook('e'),
      target: { allUsers: true },
      send: { type: 'event', event: 'ping' },
      fatigue: { resend: { every: 1, unit: 'minutes' }, frequencyCapping: false },
    });
    await api('POST', `/v1/campaigns/${campaign.key}/start`);
    const lat = [];
    let triggered = 0;
    for (let i = 0; i < EVENTS; i++) {
      const user = `u${i % 1000}`;
      eventArrivals.delete(user);
      const answer = await api('POST', '/v1/events', {
        events: [{ userId: user, key: 'ping', properties: { i } }],
      });
      const answeredAt = Date.now();
      triggered += answer.triggered;
      if (answer.triggered === 0) continue;
      for (let k = 0; k < 2000 && !eventArrivals.has(user); k++) await sleep(1);
      if (eventArrivals.has(user)) lat.push(eventArrivals.get(user) - answeredAt);
    }
    lat.sort((a, b) => a - b);
    const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
    return { triggered, measured: lat.length, p50: pct(50), p99: pct(99) };
  } finally {
    product.dispose();
  }
}

const only = env.BENCH_ONLY ?? '';
const load = os.loadavg()[0];
const rows = [];
if (only === '' || only === 'schedule')
  for (const n of SIZES) {
    // The largest audience also gets an event campaign under a stream of events.
    const run = await scheduledRun(n, {
      streamEvents: n === MAX_USERS ? Number(env.BENCH_EVENT_STREAM ?? Math.min(n, 100_000)) : 0,
    });
    const base = Math.min(n, 100_000);
    run.inFlight = Number(env.BENCH_IN_FLIGHT ?? run.slices * PER_SLICE);
    run.undici = await undiciLoop(base, run.inFlight);
    run.bare = await bareWorkerdLoop(Math.min(n, 50_000), run.inFlight);
    rows.push(run);
    console.error(`campaign bench: ${n} users done`);
  }
// The Cloudflare shape (edge/wrangler.jsonc's slice settings: 6 attempts in
// flight per slice, as an invocation opens at most 6 connections) with a
// receiver that answers in CF_DELAY_MS: the per-slice rate those limits
// allow, measured, from which the 1M-user figures are derived.
const CF_USERS = Number(env.BENCH_CLOUDFLARE_USERS ?? 50_000);
const CF_DELAY_MS = Number(env.BENCH_CLOUDFLARE_DELAY_MS ?? 50);
const cfVars = readWranglerConfig().vars;
const cfEnvironment = Object.fromEntries(
  ['HOOKCAST_SLICE_USERS', 'HOOKCAST_MAX_SLICES', 'HOOKCAST_SLICE_CONCURRENCY'].map((k) => [
    k,
    String(cfVars[k]),
  ]),
);
// SIGKILL mid-send (BENCH_KILL_AT, e.g. 0.5): nothing lost, duplicates counted.
const KILL_AT = env.BENCH_KILL_AT ? Number(env.BENCH_KILL_AT) : null;
const killed =
  KILL_AT !== null && (only === '' || only === 'kill')
    ? await scheduledRun(Number(env.BENCH_KILL_USERS ?? 100_000), { killAt: KILL_AT })
    : null;
const cloudflare =
  only === '' || only === 'cloudflare'
    ? await scheduledRun(CF_USERS, { environment: cfEnvironment, delayMs: CF_DELAY_MS })
    : null;
const events = only === '' || only === 'events' ? await eventRun() : null;
sinkThread.postMessage('stop');

console.log(
  `\nhookcast campaign benchmark — npm start's API, a scheduled campaign to every user, sink on 127.0.0.1 in its own thread (node ${process.version}, load ${load.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}); the baselines keep as many requests in flight as the campaign did\n`,
);
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
for (const r of rows)
  console.log(
    `  ${String(r.n).padStart(8)} users  ingest ${Math.round(r.n / (r.ingestMs / 1000))} users/s   first ${s(r.firstMs)}, last ${s(r.lastMs)} after the scheduled instant   ` +
      `${Math.round(r.rate)} sends/s   (${r.inFlight} in flight) undici loop ${Math.round(r.undici)}/s → ${(r.rate / r.undici).toFixed(2)}x   ` +
      `bare workerd fetch ${Math.round(r.bare)}/s → ${(r.rate / r.bare).toFixed(2)}x   workerd CPU ${Math.round(r.cpuUs)} µs/message   ` +
      `RSS ingested ${Math.round(r.rssIngested)} MiB, peak ${Math.round(r.peak.VmRSS)} (anon ${Math.round(r.peak.RssAnon)}, file ${Math.round(r.peak.RssFile)}), after ${Math.round(r.rssAfter)} MiB   ` +
      `received ${r.received} (${r.distinct} users, ${r.duplicates} duplicates, ${r.slices} slices); stats sent ${r.stats.sent}, delivered ${r.stats.delivered}`,
  );
for (const r of rows)
  if (r.stream)
    console.log(
      `  ${String(r.n).padStart(8)} users, then an event campaign: ${r.stream.count} events (every one sending) accepted at ${Math.round(r.stream.eventsPerSecond)} events/s (answers: ${r.stream.triggered} triggered), ${r.stream.received} messages arrived, stats sent ${r.stream.sent}; workerd RSS peak ${Math.round(r.stream.peak)} MiB`,
    );
if (killed)
  console.log(
    `\nSIGKILL of npm start (node and workerd) after ${killed.killedAt} of ${killed.n} users got their message, then npm start again on the same state: ` +
      `${killed.distinct} of ${killed.n} users received it (${killed.duplicates} duplicates: attempts whose result was not yet written, sent again with the same webhook-id); last message ${s(killed.lastMs)} after the scheduled instant; stats sent ${killed.stats.sent}, delivered ${killed.stats.delivered}`,
  );
if (cloudflare) {
  const c = cloudflare;
  const perSlice = c.rate / c.slices;
  const concurrency = Number(cfEnvironment.HOOKCAST_SLICE_CONCURRENCY);
  const sliceUsers = Number(cfEnvironment.HOOKCAST_SLICE_USERS);
  const maxSlices = Number(cfEnvironment.HOOKCAST_MAX_SLICES);
  console.log(
    `\nCloudflare shape (${JSON.stringify(cfEnvironment)}), receiver answering in ${CF_DELAY_MS} ms: ${c.n} users over ${c.slices} slices, ` +
      `at most ${c.maxInflight} requests in flight per slice (limit ${concurrency}), ${Math.round(c.rate)} sends/s = ${perSlice.toFixed(1)}/s per slice ` +
      `(${((perSlice / (concurrency / (CF_DELAY_MS / 1000))) * 100).toFixed(0)} % of ${concurrency} connections / ${CF_DELAY_MS} ms), every user once: ${c.distinct === c.n && c.duplicates === 0}; workerd CPU ${Math.round(c.cpuUs)} µs/message`,
  );
  const slices = Math.min(maxSlices, Math.ceil(1_000_000 / sliceUsers));
  for (const latency of [CF_DELAY_MS, 100, 250]) {
    // The per-slice rate scales with the receiver's answer time (connections are the limit).
    const rate = perSlice * (CF_DELAY_MS / latency) * slices;
    console.log(
      `  derived: 1,000,000 users on Cloudflare, receiver at ${latency} ms: ${slices} slices × ${(rate / slices).toFixed(1)}/s = ${Math.round(rate)} sends/s, last message after ~${Math.round(1_000_000 / rate)} s;` +
        ` CPU per object ${(((rate / slices) * c.cpuUs) / 1000).toFixed(0)} ms/s, per invocation of ${MAX_ATTEMPTS_PER_RUN} attempts ~${((MAX_ATTEMPTS_PER_RUN * c.cpuUs) / 1e6).toFixed(1)} s (limit 30 s)`,
    );
  }
}
if (events)
  console.log(
    `\nevent-triggered: POST /v1/events answer → sink receipt over ${events.measured} of ${EVENTS} events (triggered ${events.triggered}): p50 ${events.p50} ms, p99 ${events.p99} ms (negative: the request reached the sink before the answer reached the client)`,
  );
