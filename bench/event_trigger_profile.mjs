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
import { cpuMs } from './workerd_proc.mjs';
import { connectProfiler, printSelfTimes, selfTimes, startProfiledWorker } from './v8_profile.mjs';

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
const { api, pids, inspectorPort, dispose } = await startProfiledWorker(
  'hookcast-trigger-profile-',
  KEY,
);
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
  const profiler = await connectProfiler(inspectorPort);
  await profiler.start();
  const cpu0 = cpuMs(pids);
  const t0 = performance.now();
  await round();
  const wall = performance.now() - t0;
  const cpu1 = cpuMs(pids);
  const profile = await profiler.stop();
  profiler.close();
  const N = CALLS * PER_CALL;
  const times = selfTimes(profile, { callers: CALLERS });
  console.log(
    `\nevent trigger profile (${!CAMPAIGN ? 'no campaign' : WHERE ? 'where matches 10 %' : 'every event triggers'}): ${N} events, ${wall.toFixed(0)} ms wall (${Math.round(N / (wall / 1000))} events/s);` +
      ` workerd CPU ${(((cpu1 - cpu0) * 1000) / N).toFixed(0)} µs per event (/proc); JS samples ${(times.total / N).toFixed(0)} µs per event (+ ${(times.idle / N).toFixed(0)} idle/program)\n`,
  );
  printSelfTimes(times, N, 'evt', TOP);
} finally {
  await dispose();
  sink.closeAllConnections?.();
  sink.close();
}
