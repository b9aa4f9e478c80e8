// Run by cohort_finalizer.test.mjs as `node --expose-gc`: exercises both ways
// a compiled cohort's handle is freed (dispose() and the garbage collector)
// and prints what it saw as one JSON line.
import { createEngine } from 'hookcast';

import { liveCohorts } from '../../../src/js/engine.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const engine = await createEngine();
const rule = { all: [{ property: 'plan', op: 'eq', value: 'pro' }, { event: 'purchase', op: 'did' }] };
const member = (i) => ({ id: `u${i}`, properties: { plan: 'pro' }, events: [{ key: 'purchase', at: i }] });
const report = { start: liveCohorts(engine) };

async function collect() {
  // Finalizers run in a later task than the GC that found the garbage.
  for (let i = 0; i < 20 && liveCohorts(engine) > report.start; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// 1. Forgotten cohorts: compiled, used, dropped without dispose().
(() => {
  for (let i = 0; i < 500; i++) engine.compileCohort(rule).cohort.matches(member(i), 1000);
})();
report.afterCompile = liveCohorts(engine);
await collect();
report.afterGc = liveCohorts(engine);

// 2. dispose() and matchesCohort free at once; a later finalizer must not
// free a handle the core reused for a newer cohort.
(() => {
  for (let i = 0; i < 50; i++) engine.compileCohort(rule).cohort.dispose();
  for (let i = 0; i < 50; i++) engine.matchesCohort(rule, member(i), 1000);
})();
report.afterDispose = liveCohorts(engine);
const kept = [];
for (let i = 0; i < 50; i++) kept.push(engine.compileCohort(rule).cohort);
report.kept = liveCohorts(engine);
await collect();
globalThis.gc();
await new Promise((resolve) => setTimeout(resolve, 50));
report.keptAfterGc = liveCohorts(engine);
report.keptStillMatch = kept.every((c, i) => c.matchBatch([member(i), { properties: {} }], 1000).join() === 'true,false');
for (const c of kept) c.dispose();
report.end = liveCohorts(engine);
process.stdout.write(`${JSON.stringify(report)}\n`);
