// The engine suite inside workerd (miniflare 4): the worker imports the
// package's workerd entry, which receives hookcast.wasm as a compiled module.
// Each case of the suite is reported here as one node:test test.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import test, { after } from 'node:test';

import { Miniflare } from 'miniflare';

import { COMPATIBILITY_DATE } from '../../edge/miniflare.mjs';
import { createEngine } from '../../src/js/node.js';
import { loadFixtures } from './suites/fixtures.mjs';
import { caseNames } from './suites/harness.mjs';
import { engineSuite } from './suites/engine_suite.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

const fixtures = await loadFixtures();
const mf = new Miniflare({
  modules: true,
  modulesRoot: root,
  scriptPath: fileURLToPath(new URL('./workers/engine_worker.mjs', import.meta.url)),
  // Miniflare treats .js as CommonJS unless told otherwise; the package is ESM.
  modulesRules: [
    { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
    { type: 'CompiledWasm', include: ['**/*.wasm'] },
  ],
  compatibilityDate: COMPATIBILITY_DATE,
  bindings: { FIXTURES: fixtures },
});
after(() => mf.dispose());

const response = await mf.dispatchFetch('http://worker.test/');
const text = await response.text();
let results;
try {
  results = JSON.parse(text);
} catch {
  throw new Error(
    `the test worker did not answer JSON (HTTP ${response.status}): ${text.slice(0, 2000)}`,
  );
}

// A suite that stopped early, or a runner that lost cases, must not pass.
test('workerd: every case of the suite ran', async () => {
  const expected = caseNames(engineSuite, await createEngine(), fixtures);
  assert.ok(expected.length > 100, `${expected.length} cases`);
  assert.deepEqual(
    results.map((r) => r.name),
    expected,
  );
});

for (const { name, ok, error } of results) {
  test(`workerd: ${name}`, () => {
    if (!ok) assert.fail(error);
  });
}

test('workerd: createEngine() is memoised, also for an explicit same module', async () => {
  const memo = await (await mf.dispatchFetch('http://worker.test/memo')).json();
  assert.deepEqual(memo, {
    same: true,
    explicitSame: true,
    live: 0,
    finalizationRegistry: 'function',
  });
});
