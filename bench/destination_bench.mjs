// The destination (SSRF) check that every retry attempt pays before it
// sends, in Node on the same wasm: engine.checkDestination(url) beside the
// way the worker asked before it existed (the baseline, measured in the same
// run): engine.validate({ url, method: 'GET' }) with its problems filtered to
// the URL's errors.
//
// Run: node bench/destination_bench.mjs   (needs dist/: bash scripts/build.sh wasm)
import { performance } from 'node:perf_hooks';
import { createEngine } from 'hookcast';

const engine = await createEngine();
const options = { allowLocalHttp: true };
const urls = [
  'https://hooks.example.com/v1/users/u123/events/purchase?campaign=spring&city=S%C3%A3o%20Paulo',
  'http://127.0.0.1:8788/hook/u42',
  'https://api.partner.example.org/in',
];
const baseline = (url) =>
  engine
    .validate({ url, method: 'GET' }, options)
    .problems.filter((p) => p.severity === 'error' && p.field === 'url');
const coarse = (url) => engine.checkDestination(url, options).problems;

// Both must agree before their speed means anything.
for (const url of [
  ...urls,
  'https://10.0.0.1/',
  'http://example.com/',
  'https://[::ffff:127.0.0.1]/',
]) {
  const a = JSON.stringify(baseline(url).map((p) => p.code));
  const b = JSON.stringify(coarse(url).map((p) => p.code));
  if (a !== b) throw new Error(`checkDestination disagrees with validate on ${url}: ${b} vs ${a}`);
}

const N = Number(process.env.BENCH_N ?? 20000);
function usPerCall(fn) {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < N; i++) fn(urls[i % urls.length]);
    best = Math.min(best, ((performance.now() - start) / N) * 1000);
  }
  return best;
}
usPerCall(baseline); // warm-up
usPerCall(coarse);
let before = Infinity;
let after = Infinity;
for (let round = 0; round < 3; round++) {
  before = Math.min(before, usPerCall(baseline));
  after = Math.min(after, usPerCall(coarse));
}
console.log(
  `\ndestination check per retry attempt (Node ${process.version}, best of 15 rounds of ${N} calls)`,
);
console.log(
  `  engine.validate({url, method}) + filter (baseline)  ${before.toFixed(2).padStart(7)} µs`,
);
console.log(
  `  engine.checkDestination(url)                        ${after.toFixed(2).padStart(7)} µs   ${(before / after).toFixed(1)}x faster`,
);
