// Audience benchmarks (users, events, cohorts in user-shard Durable Objects),
// each beside a baseline measured in the same run, in the same workerd:
//
// (a) ingestion: events/s accepted by POST /v1/events (1000 events per call,
//     4 calls in flight) vs a bare Durable Object inserting the same rows
//     into the same table and indexes with no checks (bench/audience_bench_worker.js).
// (b) cohort estimate over BENCH_ESTIMATE_USERS users (default 100k): "plan
//     is pro AND at least 2 purchases in the last 7 days", POST
//     /v1/cohorts/:id/estimate (16 shards, the engine's compiled cohort) vs
//     one hand-written SQL query over the same data in one object. Both
//     answers are checked against a count computed here from the data sent.
// (c) memory: workerd's RSS (/proc/<pid>/status VmRSS, sampled every 250 ms)
//     while BENCH_RSS_EVENTS events (default 200k; the README figure is
//     BENCH_RSS_EVENTS=1000000) are ingested through POST /v1/events.
//
// Each part runs in its own fresh workerd with storage in a temporary folder
// (as `npm start` stores it), removed at the end.
// Run: node bench/audience_bench.mjs   (needs dist/: bash scripts/build.sh wasm)
//      BENCH_ONLY=a|b|c runs one part; BENCH_INGEST_ROUNDS (3) rounds of
//      BENCH_INGEST_CALLS (20) calls per side for (a), best kept.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEdgeMiniflare } from '../edge/miniflare.mjs';
import { cpuMs, rssMiB, workerdPids } from './workerd_proc.mjs';
import { prng } from '../tests/js/helpers/prng.mjs';

const env = process.env;
const ONLY = env.BENCH_ONLY ?? 'abc';
const PER_CALL = 1000;
const IN_FLIGHT = 4;
const INGEST_ROUNDS = Number(env.BENCH_INGEST_ROUNDS ?? 3);
const INGEST_CALLS = Number(env.BENCH_INGEST_CALLS ?? 20);
const ESTIMATE_USERS = Number(env.BENCH_ESTIMATE_USERS ?? 100_000);
const RSS_EVENTS = Number(env.BENCH_RSS_EVENTS ?? 200_000);
const KEY = 'bench-key';
const DAY = 86_400_000;
const here = path.dirname(fileURLToPath(import.meta.url));

const tmpDirs = [];
async function startWorkerd() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-audience-bench-'));
  tmpDirs.push(dir);
  const mf = createEdgeMiniflare({
    apiKey: KEY,
    persistDir: dir,
    scriptPath: path.join(here, 'audience_bench_worker.js'),
    durableObjects: { BARE: { className: 'BareEvents', useSQLite: true } },
  });
  await mf.ready;
  return mf;
}

/** POSTs `body` (text) to `route`; throws unless 200. */
async function post(mf, route, body) {
  const res = await mf.dispatchFetch(`http://bench${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`${route}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Sends every body to `route`, IN_FLIGHT at a time; answers the wall time in ms. */
async function sendAll(mf, route, bodies) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) await post(mf, route, bodies[next++]);
    }),
  );
  return performance.now() - t0;
}

const rssParts = (pids) =>
  `${rssMiB(pids).toFixed(0)} (anon ${rssMiB(pids, 'RssAnon').toFixed(0)})`;

const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const KEYS = ['purchase', 'view', 'login', 'add_to_cart'];
/** One POST /v1/events body: PER_CALL events over `users` user ids. */
function eventsBody(rand, users, prefix, nowMs) {
  const events = [];
  for (let i = 0; i < PER_CALL; i++) {
    events.push({
      userId: `${prefix}${Math.floor(rand() * users)}`,
      key: KEYS[Math.floor(rand() * KEYS.length)],
      properties: {
        amount: Math.round(rand() * 10000) / 100,
        sku: `sku-${Math.floor(rand() * 500)}`,
        coupon: rand() < 0.2,
      },
      at: new Date(nowMs - Math.floor(rand() * 30 * DAY)).toISOString(),
    });
  }
  return JSON.stringify({ events });
}

const lines = [];
const out = (s = '') => {
  lines.push(s);
  console.log(s);
};
out(
  `hookcast audience benchmark — node ${process.version}, ${os.cpus().length} cores, load average at start ${loadavg()}`,
);

// ---- (a) ingestion --------------------------------------------------------------
if (ONLY.includes('a')) {
  const mf = await startWorkerd();
  const rand = prng(1);
  const now = Date.now();
  const round = () =>
    Array.from({ length: INGEST_CALLS }, () => eventsBody(rand, 20_000, 'ing-', now));
  // Warm-up: engine, shards and the bare object created, JIT.
  await sendAll(mf, '/v1/events', round().slice(0, 4));
  await sendAll(mf, '/bench/bare-events', round().slice(0, 4));
  await sendAll(mf, '/bench/bare-events-16', round().slice(0, 4));
  let ours = Infinity;
  let bare = Infinity;
  let checks = Infinity;
  let bare16 = Infinity;
  const cpu = { ours: Infinity, bare: Infinity, checks: Infinity, bare16: Infinity };
  const pids = workerdPids();
  const timed = async (route, bodies, name) => {
    const c0 = cpuMs(pids);
    const ms = await sendAll(mf, route, bodies);
    cpu[name] = Math.min(cpu[name], cpuMs(pids) - c0);
    return ms;
  };
  for (let r = 0; r < INGEST_ROUNDS; r++) {
    const bodies = round();
    ours = Math.min(ours, await timed('/v1/events', bodies, 'ours'));
    bare = Math.min(bare, await timed('/bench/bare-events', bodies, 'bare'));
    bare16 = Math.min(bare16, await timed('/bench/bare-events-16', bodies, 'bare16'));
    checks = Math.min(checks, await timed('/bench/check-events', bodies, 'checks'));
  }
  const n = INGEST_CALLS * PER_CALL;
  const rate = (ms) => ((n / ms) * 1000).toFixed(0);
  out(
    `\n(a) ingestion: ${n} events per round (${INGEST_CALLS} calls x ${PER_CALL}, ${IN_FLIGHT} in flight), best of ${INGEST_ROUNDS}`,
  );
  out(
    `    POST /v1/events (checks, 16 shards, users + summary)  ${rate(ours).padStart(8)} events/s   ${(bare / ours).toFixed(2)}x of the baseline`,
  );
  out(
    `    bare Durable Object, same rows, no checks            ${rate(bare).padStart(8)} events/s`,
  );
  out(
    `    bare, same rows over 16 objects (the shards' hash)    ${rate(bare16).padStart(8)} events/s   POST /v1/events is ${(bare16 / ours).toFixed(2)}x of this`,
  );
  out(
    `    body read + checks alone, nothing stored              ${rate(checks).padStart(8)} events/s`,
  );
  const us = (ms) => ((ms / n) * 1000).toFixed(1).padStart(6);
  out(
    `    workerd CPU per event (least of ${INGEST_ROUNDS}; /proc, 10 ms ticks): POST /v1/events ${us(cpu.ours)} µs = checks ${us(cpu.checks)} µs + storing ${us(cpu.ours - cpu.checks)} µs; bare ${us(cpu.bare)} µs; bare over 16 objects ${us(cpu.bare16)} µs`,
  );
  await mf.dispose();
}

// ---- (b) cohort estimate ------------------------------------------------------------
if (ONLY.includes('b')) {
  const mf = await startWorkerd();
  const rand = prng(2);
  const now = Date.now();
  const since = now - 7 * DAY;
  const PLANS = ['free', 'pro', 'team'];
  let expected = 0;
  const userBodies = [];
  const eventBodies = [];
  let users = [];
  let events = [];
  const flushUsers = () => {
    if (users.length) userBodies.push(JSON.stringify({ users }));
    users = [];
  };
  const flushEvents = () => {
    if (events.length) eventBodies.push(JSON.stringify({ events }));
    events = [];
  };
  for (let u = 0; u < ESTIMATE_USERS; u++) {
    const id = `user-${u}`;
    const plan = PLANS[Math.floor(rand() * PLANS.length)];
    users.push({
      id,
      properties: { plan, age: 18 + Math.floor(rand() * 60), country: rand() < 0.5 ? 'KR' : 'US' },
    });
    if (users.length === PER_CALL) flushUsers();
    // 0-4 purchases over the last 14 days, and one view.
    const purchases = Math.floor(rand() * 5);
    let recent = 0;
    for (let p = 0; p < purchases; p++) {
      let at = now - 60_000 - Math.floor(rand() * 14 * DAY);
      // Nothing within 10 minutes of the window's edge: loading takes a while.
      if (Math.abs(at - since) < 600_000) at += 1_200_000;
      if (at >= since) recent++;
      events.push({
        userId: id,
        key: 'purchase',
        properties: { amount: Math.round(rand() * 100) },
        at: new Date(at).toISOString(),
      });
      if (events.length === PER_CALL) flushEvents();
    }
    events.push({
      userId: id,
      key: 'view',
      at: new Date(now - Math.floor(rand() * 14 * DAY)).toISOString(),
    });
    if (events.length === PER_CALL) flushEvents();
    if (plan === 'pro' && recent >= 2) expected++;
  }
  flushUsers();
  flushEvents();
  const eventCount = eventBodies.reduce((n, b) => n + JSON.parse(b).events.length, 0);
  const loadT0 = performance.now();
  await sendAll(mf, '/v1/users', userBodies);
  await sendAll(mf, '/v1/events', eventBodies);
  const loadMs = performance.now() - loadT0;
  await sendAll(mf, '/bench/bare-users', userBodies);
  await sendAll(mf, '/bench/bare-events', eventBodies);

  const rule = {
    all: [
      { property: 'plan', op: 'eq', value: 'pro' },
      {
        event: 'purchase',
        op: 'did',
        count: { op: 'gte', value: 2 },
        within: { last: 7, unit: 'days' },
      },
    ],
  };
  const { cohort } = await post(
    mf,
    '/v1/cohorts',
    JSON.stringify({ name: 'pro, 2+ purchases this week', rule }),
  );
  const ROUNDS = Number(env.BENCH_ESTIMATE_ROUNDS ?? 5);
  const pids = workerdPids();
  // Wall time (ms) and workerd CPU time (ms, 10 ms ticks) of one call; best of ROUNDS each, interleaved.
  const best = { ours: { wall: Infinity, cpu: Infinity }, sql: { wall: Infinity, cpu: Infinity } };
  const measure = async (name, fn) => {
    const c0 = cpuMs(pids);
    const t = performance.now();
    const answer = await fn();
    best[name].wall = Math.min(best[name].wall, performance.now() - t);
    best[name].cpu = Math.min(best[name].cpu, cpuMs(pids) - c0);
    return answer;
  };
  let oursAnswer;
  let sqlAnswer;
  await post(mf, `/v1/cohorts/${cohort.id}/estimate`, '{}'); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    oursAnswer = await measure('ours', () => post(mf, `/v1/cohorts/${cohort.id}/estimate`, '{}'));
    sqlAnswer = await measure('sql', () =>
      post(
        mf,
        '/bench/sql-estimate',
        JSON.stringify({ plan: 'pro', key: 'purchase', sinceMs: Date.now() - 7 * DAY, min: 2 }),
      ),
    );
  }
  out(
    `\n(b) cohort estimate: ${ESTIMATE_USERS} users, ${eventCount} events; plan = pro AND >= 2 purchases within 7 days; best of ${ROUNDS}`,
  );
  out(`    loaded through the API in ${(loadMs / 1000).toFixed(1)} s`);
  out(
    `    expected (computed from the data sent): ${expected}; estimate answered ${oursAnswer.users}; SQL answered ${sqlAnswer.users}`,
  );
  if (oursAnswer.users !== expected || sqlAnswer.users !== expected) out('    !! MISMATCH');
  const ups = (ms) => ((ESTIMATE_USERS / ms) * 1000).toFixed(0);
  const row = (label, b) =>
    `    ${label.padEnd(50)}${b.wall.toFixed(0).padStart(6)} ms wall ${ups(b.wall).padStart(9)} users/s   workerd CPU ${b.cpu.toFixed(0).padStart(5)} ms`;
  out(
    `${row('POST /v1/cohorts/:id/estimate (16 shards, engine)', best.ours)}   ${(best.ours.wall / best.sql.wall).toFixed(2)}x the SQL wall time, ${(best.ours.cpu / Math.max(best.sql.cpu, 10)).toFixed(2)}x its CPU`,
  );
  out(row('one hand-written SQL query, one object', best.sql));
  // Where the estimate's time goes: its loop cut after each stage (best of ROUNDS each, workerd CPU).
  const stages = [
    ['rows', 'read the users (id, properties)'],
    ['propText', 'estimate: + SQLite writes members without events'],
    ['triage', 'estimate: + triageBatchJson (the core decides most)'],
    ['openText', 'estimate: + undecided members with their events'],
    ['twoPhase', 'estimate: + matchBatchJson on those (= estimate)'],
    ['text', 'one phase: rows + every member with events, as text'],
    ['textMatch', 'one phase: + matchBatchJson on all'],
    ['members', 'object path: rows + events, JSON.parse into members'],
    ['json', 'object path: + JSON.stringify(members)'],
    ['match', 'object path: + the rest of matchBatch'],
  ];
  out(
    '    where the time goes: workerd CPU for all 16 shards (one after another on this one thread), least of the rounds:',
  );
  for (const [stage, label] of stages) {
    let cpu = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      const c0 = cpuMs(pids);
      await post(mf, '/bench/estimate-stage', JSON.stringify({ rule, stage }));
      cpu = Math.min(cpu, cpuMs(pids) - c0);
    }
    out(
      `      ${label.padEnd(56)}${cpu.toFixed(0).padStart(6)} ms  ${((cpu / ESTIMATE_USERS) * 1000).toFixed(2).padStart(6)} µs/user`,
    );
  }
  await mf.dispose();
}

// ---- (c) memory while ingesting ---------------------------------------------------------
if (ONLY.includes('c')) {
  const calls = Math.ceil(RSS_EVENTS / PER_CALL);
  out(
    `\n(c) workerd RSS while ingesting ${calls * PER_CALL} events over 100k users (${IN_FLIGHT} calls in flight), each in a fresh workerd`,
  );
  for (const [route, label] of [
    ['/v1/events', 'POST /v1/events'],
    ['/bench/bare-events-16', 'baseline: the same rows into 16 bare objects'],
    ['/bench/bare-events', 'baseline: the same rows into one bare object'],
  ]) {
    const mf = await startWorkerd();
    const pids = workerdPids();
    const rand = prng(3);
    const now = Date.now();
    await post(mf, route, eventsBody(rand, 100_000, 'mem-', now));
    const startRss = rssMiB(pids);
    let peak = startRss;
    const timer = setInterval(() => {
      peak = Math.max(peak, rssMiB(pids));
    }, 250);
    // RSS after each tenth of the calls.
    const marks = [];
    let next = 0;
    let done = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < calls) {
          next++;
          await post(mf, route, eventsBody(rand, 100_000, 'mem-', now));
          done++;
          if (done % Math.max(1, Math.floor(calls / 10)) === 0)
            marks.push(`${((done * PER_CALL) / 1000).toFixed(0)}k ${rssParts(pids)}`);
        }
      }),
    );
    const ms = performance.now() - t0;
    clearInterval(timer);
    out(
      `    ${label}: ${(((calls * PER_CALL) / ms) * 1000).toFixed(0)} events/s; RSS after warm-up ${startRss.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB, at the end ${rssMiB(pids).toFixed(0)} MiB`,
    );
    out(`      RSS in MiB after each tenth: ${marks.join('; ')}`);
    await mf.dispose();
  }
}

out(`\nload average at the end ${loadavg()}`);
for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
