// index.d.ts spells the product's words as unions; the engine's vocabulary
// (src/core/vocabulary_api.cpp, engine.vocabulary()) is the list. They must
// name the same words, or the types lie (as problem_codes.test.mjs checks
// for problem codes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
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

/** The member names of `export type <name> = { ... };` in index.d.ts (top level only). */
function members(name) {
  const found = new RegExp(`export type ${name} = \\{\\n([\\s\\S]+?)\\n\\};`).exec(dts);
  assert.ok(found, `index.d.ts has no ${name} object type`);
  return [...found[1].matchAll(/^ {2}([A-Za-z]+)\??:/gm)].map((m) => m[1]);
}

test("index.d.ts's CampaignCapabilities names exactly the engine's fields", () => {
  const caps = engine.campaignCapabilities('ready');
  assert.deepEqual(members('CampaignCapabilities').sort(), Object.keys(caps).sort());
});

test("index.d.ts's Vocabulary names exactly the engine's fields", () => {
  assert.deepEqual(members('Vocabulary').sort(), Object.keys(vocabulary).sort());
});

// What each status allows, spelled out here as the product states it: the
// console and the worker ask these flags instead of comparing status names,
// so a wrong flag would change what they offer.
const ALLOWS = {
  ready: { final: false, waitsForResume: false, mayHaveSent: false, resendsFailed: false },
  running: { final: false, waitsForResume: false, mayHaveSent: true, resendsFailed: true },
  paused: { final: false, waitsForResume: true, mayHaveSent: true, resendsFailed: true },
  ended: { final: true, waitsForResume: false, mayHaveSent: true, resendsFailed: false },
};

test('what each status allows: final, waits for resume, has stats, resends, retries', () => {
  assert.deepEqual(Object.keys(ALLOWS), vocabulary.campaignStatuses);
  for (const status of vocabulary.campaignStatuses) {
    for (const sendType of [null, ...vocabulary.sendTypes]) {
      const caps = engine.campaignCapabilities(status, sendType);
      for (const [flag, value] of Object.entries(ALLOWS[status]))
        assert.equal(caps[flag], value, `${status}/${sendType}: ${flag}`);
      assert.equal(caps.retriesDeliveries, !ALLOWS[status].final, `${status}: retriesDeliveries`);
      assert.equal(caps.waitsForResume, 'resume' in caps.transitions, `${status}: resume`);
      // Only a status that can start is one a launch check is asked for.
      assert.equal('start' in caps.transitions, !caps.mayHaveSent, `${status}: start`);
    }
  }
  assert.equal(vocabulary.initialStatus, 'ready');
  assert.equal(engine.campaignCapabilities(vocabulary.initialStatus).holdsPending, true);
});

test('fatigue verdicts carry the names of fatigueReasons, read from the core', () => {
  const policy = { campaign: 'c1', resend: null, frequencyCapping: false };
  const seen = engine.fatigueBatch(policy, [[], [{ campaign: 'c1', at: 0 }]], 1000);
  assert.deepEqual(seen, ['ok', 'already_sent']);
  for (const r of seen) assert.ok(vocabulary.fatigueReasons.includes(r), r);
});

/** Every .js file under `dir` (a path from the repository root). */
function jsFiles(dir) {
  const root = new URL('../../', import.meta.url).pathname;
  return fs
    .readdirSync(path.join(root, dir), { recursive: true })
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join(dir, f))
    .map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]);
}

test('edge/src and web/ spell no campaign status: they ask campaignCapabilities', () => {
  const quoted = new RegExp(`['"\`](${vocabulary.campaignStatuses.join('|')})['"\`]`);
  const found = [];
  for (const [file, text] of [...jsFiles('edge/src'), ...jsFiles('web')]) {
    text.split('\n').forEach((line, i) => {
      // The console's engine-loading flag (body[data-engine="ready"]) is no campaign status.
      if (quoted.test(line) && !/dataset\.engine = 'ready'/.test(line))
        found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});
