// The engine suite in Node 20, through the package's own name ("node" export
// condition), plus what only Node can check: loading options and memoising.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import test from 'node:test';

import { createEngine, HookcastError, liveHandles } from 'hookcast';

import { engineSuite } from './suites/engine_suite.mjs';
import { loadFixtures } from './suites/fixtures.mjs';

const engine = await createEngine();
engineSuite(engine, { test, assert, fixtures: await loadFixtures() });

const wasmBytes = await readFile(new URL('../../dist/hookcast.wasm', import.meta.url));

test('node: createEngine() is memoised', async () => {
  assert.equal(await createEngine(), engine);
  assert.equal(await createEngine({}), engine);
});

test('node: createEngine({ wasmBinary }) loads from bytes, memoised per binary', async () => {
  const fromBytes = await createEngine({ wasmBinary: wasmBytes });
  assert.notEqual(fromBytes, engine);
  assert.equal(await createEngine({ wasmBinary: wasmBytes }), fromBytes);
  const copy = wasmBytes.buffer.slice(
    wasmBytes.byteOffset,
    wasmBytes.byteOffset + wasmBytes.byteLength,
  );
  const fromArrayBuffer = await createEngine({ wasmBinary: copy });
  const fromDataView = await createEngine({ wasmBinary: new DataView(copy) });
  for (const e of [fromBytes, fromArrayBuffer, fromDataView]) {
    assert.deepEqual(
      e.validate({ url: 'http://x.example.com/', method: 'GET' }),
      engine.validate({ url: 'http://x.example.com/', method: 'GET' }),
    );
  }
});

test('node: createEngine({ wasmModule }) instantiates a compiled module', async () => {
  const wasmModule = await WebAssembly.compile(wasmBytes);
  const e = await createEngine({ wasmModule });
  assert.equal(await createEngine({ wasmModule }), e);
  assert.equal(e.retryDecision({ status: 503 }, 1, 0).retry, true);
});

test('node: engines from different binaries hold separate handles', async () => {
  const other = await createEngine({ wasmBinary: new Uint8Array(wasmBytes) });
  const before = liveHandles(engine);
  const c = other.compile({ url: 'https://x.example.com/', method: 'GET' });
  assert.ok(c.ok);
  assert.equal(liveHandles(other), 1);
  assert.equal(liveHandles(engine), before);
  c.webhook.dispose();
  assert.equal(liveHandles(other), 0);
});

test('node: bad loading options are a TypeError', async () => {
  await assert.rejects(createEngine({ wasmBinary: 'dist/hookcast.wasm' }), TypeError);
  await assert.rejects(createEngine({ wasmModule: wasmBytes }), TypeError);
  await assert.rejects(createEngine(5), TypeError);
});

test('node: a binary that is not wasm rejects, and is not memoised', async (t) => {
  // Emscripten also reports the failure on the console: keep it out of the test log.
  const warn = t.mock.method(console, 'warn', () => {});
  const junk = new Uint8Array([1, 2, 3, 4]);
  await assert.rejects(createEngine({ wasmBinary: junk }), /magic word/);
  await assert.rejects(createEngine({ wasmBinary: junk }), /magic word/);
  assert.ok(warn.mock.callCount() >= 2);
});

test(
  'node: a wasmModule that fails to instantiate rejects instead of hanging',
  { timeout: 10_000 },
  async () => {
    // A valid module importing x.y, which the engine's imports do not provide.
    const foreign = new WebAssembly.Module(
      new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 7, 1, 1, 120, 1, 121, 0, 0,
      ]),
    );
    await assert.rejects(createEngine({ wasmModule: foreign }), /Import #0/);
  },
);

test('node: HookcastError is exported and carries code and problems', () => {
  try {
    engine.toCurl({});
    assert.fail('toCurl({}) should throw');
  } catch (error) {
    assert.ok(error instanceof HookcastError);
    assert.ok(error instanceof Error);
    assert.equal(error.code, 'invalid_request');
    assert.ok(Array.isArray(error.problems) && error.problems.length > 0);
  }
  assert.throws(() => liveHandles({}), TypeError);
});

test('node: renderBatchJson renders JSON text as renderBatch renders the parsed contexts', () => {
  const c = engine.compile({
    url: 'https://x.example.com/{{ user.id }}',
    method: 'POST',
    body: '{"n": {{ user.properties.n | default: 0 }}, "e": "{{ event.key }}"}',
  });
  assert.equal(c.ok, true);
  const contexts = [
    { user: { id: 'a', properties: { n: 1 } } },
    { user: { id: 'b é', properties: {} }, event: { key: 'k', properties: {} } },
  ];
  assert.deepEqual(
    c.webhook.renderBatchJson(JSON.stringify(contexts)),
    c.webhook.renderBatch(contexts),
  );
  assert.equal(
    c.webhook.renderBatchJson(JSON.stringify(contexts))[1].request.url,
    'https://x.example.com/b%20%C3%A9',
  );
  assert.throws(
    () => c.webhook.renderBatchJson(contexts),
    (e) => e instanceof HookcastError && e.code === 'invalid_contexts',
  );
  // Text that is not a JSON array throws as renderBatch does for a non-array,
  // with the core's problem (regression: it returned one {ok:false} object).
  for (const [text, problem] of [
    ['nope', 'invalid_context'],
    ['{}', 'invalid_type'],
    ['3', 'invalid_type'],
  ]) {
    assert.throws(
      () => c.webhook.renderBatchJson(text),
      (e) =>
        e instanceof HookcastError &&
        e.code === 'invalid_contexts' &&
        e.problems[0].code === problem &&
        /renderBatchJson/.test(e.message),
      text,
    );
  }
  c.webhook.dispose();
});
