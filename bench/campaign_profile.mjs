// Where a scheduled campaign's workerd CPU goes, by function: the V8 CPU
// profiler of workerd's isolate (through its inspector on 127.0.0.1) over
// one scheduled campaign to N users (BENCH_CAMPAIGN_USERS, default 10,000)
// against a local keep-alive sink, plus workerd's own CPU per message from
// /proc. Prints self time per function (µs per message), most first, and
// per source file. A diagnosis tool beside campaign_bench.mjs (which gives
// the rate against a bare fetch loop); not part of `npm run bench`.
//
// Run: node bench/campaign_profile.mjs   (needs dist/: bash scripts/build.sh wasm)

import http from 'node:http';
import { cpuMs } from './workerd_proc.mjs';
import { connectProfiler, printSelfTimes, selfTimes, startProfiledWorker } from './v8_profile.mjs';

const KEY = 'bench-key';
const N = Number(process.env.BENCH_CAMPAIGN_USERS ?? 10_000);
const TOP = Number(process.env.BENCH_TOP ?? 40);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The sink runs in this process: its CPU is not workerd's, which is what is measured.
let received = 0;
const sink = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
    res.end('{"ok":true}');
  });
});
sink.keepAliveTimeout = 30000;
await new Promise((r) => sink.listen(0, '127.0.0.1', r));

const { api, pids, inspectorPort, dispose } = await startProfiledWorker(
  'hookcast-campaign-profile-',
  KEY,
);

try {
  for (let from = 0; from < N; from += 1000) {
    const users = [];
    for (let i = from; i < Math.min(N, from + 1000); i++)
      users.push({
        id: `u${i}`,
        properties: { name: `User ${i}`, plan: i % 2 ? 'pro' : 'free', n: i },
      });
    await api('POST', '/v1/users', { users });
  }
  const profiler = await connectProfiler(inspectorPort);

  const at = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000).toISOString().slice(0, 19);
  const { campaign } = await api('POST', '/v1/campaigns', {
    title: 'profile',
    webhook: {
      url: `http://127.0.0.1:${sink.address().port}/s/{{ user.id }}`,
      method: 'POST',
      headers: [{ key: 'X-Plan', value: '{{ user.plan | default: "free" }}' }],
      body: '{"user": "{{ user.id }}", "name": "{{ user.name | default: "there" }}", "n": {{ user.n }}}',
    },
    target: { allUsers: true },
    send: { type: 'schedule', at, timeZone: 'UTC' },
  });
  await api('POST', `/v1/campaigns/${campaign.key}/start`);
  while (Date.now() < Date.parse(`${at}Z`) - 300) await sleep(20);
  await profiler.start();
  const cpu0 = cpuMs(pids);
  const t0 = Date.now();
  while (received < N) await sleep(50);
  // The last result flush.
  await sleep(300);
  const cpu1 = cpuMs(pids);
  const profile = await profiler.stop();
  profiler.close();
  const wall = Date.now() - t0;

  const times = selfTimes(profile);
  console.log(
    `\ncampaign profile: ${N} users, ${wall} ms wall; workerd CPU ${(((cpu1 - cpu0) * 1000) / N).toFixed(0)} µs per message (/proc);` +
      ` JS samples ${(times.total / N).toFixed(0)} µs per message (+ ${(times.idle / N).toFixed(0)} idle/program)\n`,
  );
  printSelfTimes(times, N, 'msg', TOP);
} finally {
  await dispose();
  sink.close();
}
