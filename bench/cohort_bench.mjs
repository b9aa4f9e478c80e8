// Cohort evaluation throughput: the shard's hot path, engine.compileCohort()
// .matchBatch() over 100k members (about 5 events each) for the rule
// "plan eq pro AND did purchase count gte 2 within 7 days". Printed beside two
// baselines measured in the same run: JSON.stringify of the same members (the
// floor any JSON-crossing evaluator pays) and a hand-written JS predicate for
// this one rule (what no rule engine can beat). matchBatchJson is the path
// for a shard that pastes its stored JSON columns into the members text.
// Run: node bench/cohort_bench.mjs
import { createEngine } from 'hookcast';

const COUNT = Number(process.env.BENCH_MEMBERS || 100_000);
const NOW = Date.parse('2026-06-15T12:00:00Z');
const DAY = 86_400_000;
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

// Deterministic members: half on "pro", five events each over the last 14 days.
const KEYS = ['purchase', 'view', 'purchase', 'signup', 'view'];
const members = [];
for (let i = 0; i < COUNT; i++) {
  const events = [];
  for (let k = 0; k < 5; k++) {
    events.push({
      key: KEYS[(i + k) % 5],
      at: NOW - ((i * 7 + k * 3) % 14) * DAY - k * 1000,
      properties: { amount: (i + k) % 50 },
    });
  }
  members.push({
    id: `u${i}`,
    properties: { plan: i % 2 ? 'pro' : 'free', country: i % 3 ? 'KR' : 'US', age: 18 + (i % 60) },
    events,
  });
}

function handWritten(m) {
  if (m.properties.plan !== 'pro') return false;
  let n = 0;
  for (const e of m.events)
    if (e.key === 'purchase' && e.at >= NOW - 7 * DAY && e.at <= NOW && ++n >= 2) return true;
  return false;
}

// The same members as a shard stores them: JSON columns as text.
const rows = members.map((m) => ({
  id: m.id,
  properties: JSON.stringify(m.properties),
  events: m.events.map((e) => ({ key: e.key, at: e.at, properties: JSON.stringify(e.properties) })),
}));
// Pastes the stored JSON into one members array text, parsing nothing.
function membersText(slice) {
  let text = '[';
  for (let i = 0; i < slice.length; i++) {
    const r = slice[i];
    text += `${i ? ',' : ''}{"id":${JSON.stringify(r.id)},"properties":${r.properties},"events":[`;
    for (let k = 0; k < r.events.length; k++) {
      const e = r.events[k];
      text += `${k ? ',' : ''}{"key":${JSON.stringify(e.key)},"at":${e.at},"properties":${e.properties}}`;
    }
    text += ']}';
  }
  return `${text}]`;
}

const engine = await createEngine();
const { cohort } = engine.compileCohort(rule);

// Best of 5 interleaved rounds, as bench/render_bench.mjs does, in CPU ms.
const fns = {
  matchBatch: () => cohort.matchBatch(members, NOW),
  matchBatchJson: () => {
    const out = [];
    for (let s = 0; s < rows.length; s += 2000)
      out.push(...cohort.matchBatchJson(membersText(rows.slice(s, s + 2000)), NOW));
    return out;
  },
  stringify: () => {
    for (let s = 0; s < members.length; s += 2000) JSON.stringify(members.slice(s, s + 2000));
  },
  handWritten: () => members.map(handWritten),
};
// Process CPU time, not wall time: on a shared machine another process's
// load stretches wall time but not the CPU this work takes.
const best = Object.fromEntries(Object.keys(fns).map((k) => [k, Infinity]));
for (let round = 0; round < 5; round++) {
  for (const [name, fn] of Object.entries(fns)) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best[name] = Math.min(best[name], (used.user + used.system) / 1000);
  }
}
const answers = cohort.matchBatch(members, NOW);
const agree =
  answers.every((a, i) => a === handWritten(members[i])) &&
  fns.matchBatchJson().every((a, i) => a === answers[i]);
const inCohort = answers.filter(Boolean).length;
cohort.dispose();

const perSecond = (ms) => Math.round((COUNT / ms) * 1000).toLocaleString('en-US');
console.log(
  `cohort matchBatch (wasm) over ${COUNT.toLocaleString('en-US')} members, ~5 events each; ${inCohort} in the cohort; agrees with the hand-written predicate: ${agree}`,
);
console.log(
  `  hookcast matchBatch     ${best.matchBatch.toFixed(1).padStart(8)} ms CPU  ${perSecond(best.matchBatch).padStart(12)} members/s`,
);
console.log(
  `  hookcast matchBatchJson ${best.matchBatchJson.toFixed(1).padStart(8)} ms CPU  ${perSecond(best.matchBatchJson).padStart(12)} members/s  (from stored JSON text, incl. assembling it)`,
);
console.log(
  `  JSON.stringify only     ${best.stringify.toFixed(1).padStart(8)} ms CPU  ${perSecond(best.stringify).padStart(12)} members/s  (matchBatch = ${(best.matchBatch / best.stringify).toFixed(2)}x this floor)`,
);
console.log(
  `  hand-written JS         ${best.handWritten.toFixed(1).padStart(8)} ms CPU  ${perSecond(best.handWritten).padStart(12)} members/s  (matchBatch = ${(best.matchBatch / best.handWritten).toFixed(1)}x slower)`,
);
if (!agree) process.exitCode = 1;
