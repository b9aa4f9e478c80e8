// Garbage collection for the finalizer tests (run with --expose-gc), waited
// for by events instead of by time. FinalizationRegistry callbacks run in a
// task after the collection that found the garbage; a sentinel registered
// here is collected by the same full GC, so its callback proves a cleanup
// task ran. V8 cleans one registry per task, so one round may not reach
// every registry: collectUntil repeats rounds until the condition holds.

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

let sentinelDone = null;
const sentinels = new FinalizationRegistry(() => sentinelDone?.());

/** One full GC, resolved once a finalization task that followed it has run (and the tasks queued with it). */
export async function gcRound() {
  const done = new Promise((resolve) => (sentinelDone = resolve));
  (() => sentinels.register({}, 'sentinel'))();
  globalThis.gc();
  await done;
  await new Promise((resolve) => setImmediate(resolve));
}

/** GC rounds until `condition()` holds, at most `rounds` of them. Returns whether it held. */
export async function collectUntil(condition, rounds = 50) {
  for (let i = 0; i < rounds && !condition(); i++) await gcRound();
  return condition();
}
