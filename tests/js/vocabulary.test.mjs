// index.d.ts spells the product's words as unions; the engine's vocabulary
// (src/core/vocabulary_api.cpp, engine.vocabulary()) is the list. They must
// name the same words, or the types lie (as problem_codes.test.mjs checks
// for problem codes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createEngine } from '../../src/js/node.js';

const dts = fs.readFileSync(new URL('../../index.d.ts', import.meta.url), 'utf8');
const engine = await createEngine();
const vocabulary = engine.vocabulary();

/** The quoted members of `export type <name> = ...;` in index.d.ts. */
function union(name) {
  const found = new RegExp(`export type ${name} =([^;]+);`).exec(dts);
  assert.ok(found, `index.d.ts has no ${name} union`);
  return [...found[1].matchAll(/'([A-Za-z0-9_]+)'/g)].map((m) => m[1]);
}

const cases = [
  ['Method', vocabulary.methods],
  ['CampaignStatus', vocabulary.campaignStatuses],
  ['CampaignAction', vocabulary.campaignActions],
  ['SendType', vocabulary.sendTypes],
  ['SuppressionReason', vocabulary.suppressionReasons],
  ['PeriodUnit', vocabulary.units.resend],
  ['DelayUnit', vocabulary.units.delay],
  ['RepeatUnit', vocabulary.units.repeat],
  ['CapPeriodUnit', vocabulary.units.capPeriod],
  ['CohortTimeUnit', vocabulary.units.within],
  ['GoalWithinUnit', vocabulary.units.goalWithin],
  ['FatigueReason', vocabulary.fatigueReasons],
];

for (const [name, words] of cases) {
  test(`${name} in index.d.ts lists exactly the engine's words, in order`, () => {
    assert.ok(words.length > 0);
    assert.deepEqual(union(name), words);
  });
}

test("the property operators in index.d.ts's PropertyCondition are the engine's", () => {
  const found = /export type PropertyCondition =([\s\S]+?);\n/.exec(dts);
  assert.ok(found);
  const ops = [...found[1].matchAll(/op: ([^;]+);/g)].flatMap((m) =>
    [...m[1].matchAll(/'([a-z_]+)'/g)].map((x) => x[1]),
  );
  assert.deepEqual([...ops].sort(), [...vocabulary.operators.property].sort());
});

test('candidate checks and fatigue reasons are suppression reasons', () => {
  for (const r of vocabulary.candidateChecks)
    assert.ok(vocabulary.suppressionReasons.includes(r), r);
  for (const r of vocabulary.fatigueReasons.slice(1))
    assert.ok(vocabulary.candidateChecks.includes(r), r);
  assert.equal(vocabulary.fatigueReasons[0], 'ok');
});
