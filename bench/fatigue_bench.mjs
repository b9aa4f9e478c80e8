// Fatigue decisions per second: engine.fatigueBatch (wasm, boundary costs
// included) on 1000 candidates × 20 ledger entries each — what a user shard
// evaluates for one slice of a scheduled send. Printed beside two baselines
// measured in the same run: JSON.stringify of the same ledgers (the floor of
// any JSON-in engine call) and a plain-JS loop applying the same rule (a
// reference for the boundary's price only; the product calls the engine).
// Run: node bench/fatigue_bench.mjs   (BENCH_MS sets the time per figure)
import { performance } from 'node:perf_hooks';
import { createEngine } from 'hookcast';

const CANDIDATES = 1000;
const ENTRIES = 20;
const minMs = Number(process.env.BENCH_MS || 1500);
const DAY = 86_400_000;
const now = Date.UTC(2026, 2, 15, 12);

const policy = {
  campaign: 'spring-sale',
  resend: { every: 7, unit: 'days' },
  frequencyCapping: true,
  rules: [
    { limit: 3, period: { value: 1, unit: 'days' } },
    { limit: 10, period: { value: 1, unit: 'weeks' } },
  ],
};

// Deterministic ledgers: sends over the last 30 days from six campaigns,
// so every reason occurs.
function makeLedgers() {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const campaigns = ['welcome', 'weekly', 'promo-a', 'promo-b', 'winback', 'spring-sale'];
  const ledgers = [];
  for (let i = 0; i < CANDIDATES; i++) {
    const ledger = [];
    for (let j = 0; j < ENTRIES; j++) {
      const campaign = campaigns[Math.floor(next() * (j === 0 && i % 3 ? 5 : 6))];
      ledger.push({ campaign, at: Math.floor(now - next() * 30 * DAY) });
    }
    ledgers.push(ledger);
  }
  return ledgers;
}

// The same rule in plain JS, for the boundary comparison only.
function jsBatch(p, ledgers, sendAt) {
  const windows = p.rules.map(
    (r) =>
      r.period.value * { minutes: 6e4, hours: 3.6e6, days: DAY, weeks: 7 * DAY }[r.period.unit],
  );
  const resendMs = p.resend.every * DAY; // days only: enough for this workload
  return ledgers.map((ledger) => {
    let last = null;
    for (const e of ledger)
      if (e.campaign === p.campaign && (last === null || e.at > last)) last = e.at;
    if (last !== null && sendAt < last + resendMs) return 'resend_period';
    for (let r = 0; r < windows.length; r++) {
      let n = 0;
      for (const e of ledger) if (e.at > sendAt - windows[r] && e.at <= sendAt) n++;
      if (n >= p.rules[r].limit) return 'frequency_cap';
    }
    return 'ok';
  });
}

function measure(fn) {
  let best = 0;
  for (let round = 0; round < 5; round++) {
    let decisions = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < minMs / 5) {
      decisions += fn();
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (decisions / elapsed) * 1000);
  }
  return best;
}

const engine = await createEngine();
const ledgers = makeLedgers();
const reasons = engine.fatigueBatch(policy, ledgers, now);
const js = jsBatch(policy, ledgers, now);
if (JSON.stringify(reasons) !== JSON.stringify(js))
  throw new Error('the JS reference disagrees with the engine');
const counts = {};
for (const r of reasons) counts[r] = (counts[r] ?? 0) + 1;

const engineRate = measure(() => engine.fatigueBatch(policy, ledgers, now).length);
const stringifyRate = measure(() => (JSON.stringify(ledgers).length ? CANDIDATES : 0));
const jsRate = measure(() => jsBatch(policy, ledgers, now).length);

const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(
  `fatigue: ${CANDIDATES} candidates × ${ENTRIES} ledger entries, reasons ${JSON.stringify(counts)}`,
);
console.log(`  engine.fatigueBatch (wasm)        ${fmt(engineRate)} decisions/s`);
console.log(
  `  baseline JSON.stringify(ledgers)  ${fmt(stringifyRate)} candidates/s  (engine = ${(engineRate / stringifyRate).toFixed(2)}× of it)`,
);
console.log(
  `  reference plain-JS rule           ${fmt(jsRate)} decisions/s  (engine = ${(engineRate / jsRate).toFixed(2)}× of it)`,
);
