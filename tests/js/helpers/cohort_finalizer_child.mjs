// Run by cohort_finalizer.test.mjs as `node --expose-gc`: exercises both ways
// a compiled cohort's handle is freed (dispose() and the garbage collector)
// and prints what it saw as one JSON line.
import { createEngine } from 'hookcast';

import { liveCohorts } from '../../../src/js/engine.js';
import { collectUntil, gcRound } from './gc.mjs';

const engine = await createEngine();
const rule = {
  all: [
    { property: 'plan', op: 'eq', value: 'pro' },
    { event: 'purchase', op: 'did' },
  ],
};
const member = (i) => ({
  id: `u${i}`,
  properties: { plan: 'pro' },
  events: [{ key: 'purchase', at: i }],
});
const report = { start: liveCohorts(engine) };

/** Collects until every dropped handle is freed (or 50 GC rounds found no more). */
const collect = () => collectUntil(() => liveCohorts(engine) <= report.start);

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
// The disposed wrappers are garbage now: after a few rounds their
// finalizers have run, and one that wrongly freed a handle would show.
for (let i = 0; i < 5; i++) await gcRound();
report.keptAfterGc = liveCohorts(engine);
report.keptStillMatch = kept.every(
  (c, i) => c.matchBatch([member(i), { properties: {} }], 1000).join() === 'true,false',
);
for (const c of kept) c.dispose();
report.end = liveCohorts(engine);
process.stdout.write(`${JSON.stringify(report)}\n`);
