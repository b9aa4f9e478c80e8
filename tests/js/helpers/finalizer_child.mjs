// Run by finalizer.test.mjs as `node --expose-gc`: exercises both ways a
// compiled webhook's handle is freed (dispose() and the garbage collector)
// and prints what it saw as one JSON line.
import { createEngine, liveHandles } from 'hookcast';
import { collectUntil, gcRound } from './gc.mjs';

const engine = await createEngine();
const spec = {
  url: 'https://x.example.com/u/{{ user.id }}',
  method: 'POST',
  body: '{"n": "{{ user.name }}"}',
};
const report = { start: liveHandles(engine) };

/** Collects until every dropped handle is freed (or 50 GC rounds found no more). */
const collect = () => collectUntil(() => liveHandles(engine) <= report.start);

// 1. Forgotten webhooks: compiled, used, dropped without dispose().
(() => {
  for (let i = 0; i < 500; i++) {
    const { webhook } = engine.compile(spec);
    webhook.render({ user: { id: String(i) } });
  }
})();
report.afterCompile = liveHandles(engine);
await collect();
report.afterGc = liveHandles(engine);

// 2. dispose(): frees at once, and the later finalizer must not free a
// handle that the core may have reused for a newer webhook.
const kept = [];
(() => {
  for (let i = 0; i < 50; i++) engine.compile(spec).webhook.dispose();
})();
report.afterDispose = liveHandles(engine);
for (let i = 0; i < 50; i++) kept.push(engine.compile(spec).webhook);
report.kept = liveHandles(engine);
// The disposed wrappers are garbage now: after a few rounds their
// finalizers have run, and one that wrongly freed a handle would show.
for (let i = 0; i < 5; i++) await gcRound();
report.keptAfterGc = liveHandles(engine);
report.keptStillRender = kept.every((w, i) => {
  const r = w.render({ user: { id: `k${i}` } });
  return r.ok && r.request.url.endsWith(`/u/k${i}`);
});
for (const w of kept) w.dispose();
report.end = liveHandles(engine);
process.stdout.write(`${JSON.stringify(report)}\n`);
