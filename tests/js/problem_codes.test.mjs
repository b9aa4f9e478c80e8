// index.d.ts types Problem.code as the union ProblemCode; the engine's
// registry (src/core/problem_codes.cpp, engine.problemCodes()) is the list.
// They must name the same codes, or the types lie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createEngine } from '../../src/js/node.js';

test('ProblemCode in index.d.ts lists exactly the engine registry', async () => {
  const dts = fs.readFileSync(new URL('../../index.d.ts', import.meta.url), 'utf8');
  const union = /export type ProblemCode =([^;]+);/.exec(dts);
  assert.ok(union, 'index.d.ts has no ProblemCode union');
  const typed = [...union[1].matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]);
  const engine = await createEngine();
  const registered = engine.problemCodes().map((c) => c.code);
  assert.ok(registered.length > 40);
  assert.deepEqual([...typed].sort(), [...registered].sort());
});
