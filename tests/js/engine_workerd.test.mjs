// The engine suite inside workerd (miniflare 4): the worker imports the
// package's workerd entry, which receives hookcast.wasm as a compiled module.
// Each case of the suite is reported here as one node:test test.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import test, { after } from 'node:test';

import { Miniflare } from 'miniflare';

import { loadFixtures } from './suites/fixtures.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

const mf = new Miniflare({
  modules: true,
  modulesRoot: root,
  scriptPath: fileURLToPath(new URL('./workers/engine_worker.mjs', import.meta.url)),
  // Miniflare treats .js as CommonJS unless told otherwise; the package is ESM.
  modulesRules: [
    { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
    { type: 'CompiledWasm', include: ['**/*.wasm'] },
  ],
  compatibilityDate: '2025-06-01',
  bindings: { FIXTURES: await loadFixtures() },
});
after(() => mf.dispose());

const response = await mf.dispatchFetch('http://worker.test/');
const text = await response.text();
let results;
try {
  results = JSON.parse(text);
} catch {
  throw new Error(`the test worker did not answer JSON (HTTP ${response.status}): ${text.slice(0, 2000)}`);
}

for (const { name, ok, error } of results) {
  test(`workerd: ${name}`, () => {
    if (!ok) assert.fail(error);
  });
}

test('workerd: createEngine() is memoised, also for an explicit same module', async () => {
  const memo = await (await mf.dispatchFetch('http://worker.test/memo')).json();
  assert.deepEqual(memo, { same: true, explicitSame: true, live: 0, finalizationRegistry: 'function' });
});
