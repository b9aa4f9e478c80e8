// The engine suite in Chromium (playwright-core, /usr/bin/chromium), through
// the package's browser entry: the glue fetches hookcast.wasm beside itself
// from a local static server. Console errors fail the run.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';

import { chromium } from 'playwright-core';

import { startStaticServer } from './helpers/static_server.mjs';
import { createEngine } from '../../src/js/node.js';
import { engineSuite } from './suites/engine_suite.mjs';
import { loadFixtures } from './suites/fixtures.mjs';
import { caseNames } from './suites/harness.mjs';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>hookcast engine suite</title>
<script type="module">
  import { createEngine, liveHandles } from '/src/js/browser.js';
  import { runSuite } from '/tests/js/suites/harness.mjs';
  import { engineSuite } from '/tests/js/suites/engine_suite.mjs';

  try {
    const fixtures = await (await fetch('/fixtures.json')).json();
    const engine = await createEngine();
    const results = await runSuite(engineSuite, engine, fixtures);

    const wasmModule = await WebAssembly.compileStreaming(fetch('/dist/hookcast.wasm'));
    const fromModule = await createEngine({ wasmModule });
    const wasmBinary = await (await fetch('/dist/hookcast.wasm')).arrayBuffer();
    const fromBytes = await createEngine({ wasmBinary });
    window.__loading = {
      memoised: (await createEngine()) === engine,
      moduleMemoised: (await createEngine({ wasmModule })) === fromModule,
      distinct: fromModule !== engine && fromBytes !== engine && fromBytes !== fromModule,
      sameAnswers: [fromModule, fromBytes].every(
        (e) => JSON.stringify(e.validate({ url: 'http://x.example.com/', method: 'GET' })) ===
          JSON.stringify(engine.validate({ url: 'http://x.example.com/', method: 'GET' }))),
      live: liveHandles(engine),
    };
    window.__results = results;
  } catch (error) {
    window.__results = [{ name: 'page setup', ok: false, error: String(error?.stack ?? error) }];
  }
</script>`;

const fixtures = await loadFixtures();
const server = await startStaticServer({
  only: ['/src/js/', '/dist/', '/tests/js/suites/'],
  pages: {
    '/': ['text/html; charset=utf-8', PAGE],
    '/fixtures.json': ['application/json', JSON.stringify(fixtures)],
  },
});
const profile = await mkdtemp(join(tmpdir(), 'hookcast-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
after(async () => {
  await context.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
});

const page = context.pages()[0] ?? (await context.newPage());
const consoleErrors = [];
page.on('console', (message) => {
  if (message.type() === 'error') consoleErrors.push(message.text());
});
page.on('pageerror', (error) => consoleErrors.push(String(error)));

await page.goto(`${server.origin}/`);
try {
  await page.waitForFunction(() => window.__results !== undefined, null, { timeout: 60_000 });
} catch (error) {
  throw new Error(
    `the page never finished the suite; console errors: ${JSON.stringify(consoleErrors)}`,
    { cause: error },
  );
}
const results = await page.evaluate(() => window.__results);
const loading = await page.evaluate(() => window.__loading);

// A suite that stopped early, or a page that lost cases, must not pass.
test('browser: every case of the suite ran', async () => {
  const expected = caseNames(engineSuite, await createEngine(), fixtures);
  assert.ok(expected.length > 100, `${expected.length} cases`);
  assert.deepEqual(
    results.map((r) => r.name),
    expected,
  );
});

for (const { name, ok, error } of results) {
  test(`browser: ${name}`, () => {
    if (!ok) assert.fail(error);
  });
}

test('browser: createEngine() memoised; wasmModule and wasmBinary loaders agree', () => {
  assert.deepEqual(loading, {
    memoised: true,
    moduleMemoised: true,
    distinct: true,
    sameAnswers: true,
    live: 0,
  });
});

test('browser: no console errors', () => {
  assert.deepEqual(consoleErrors, []);
});
