// The engine's two-phase cohort evaluation (CompiledCohort.triageBatch /
// triageBatchJson, then matchBatch on the undecided) against the one-phase
// matchBatch, differentially: every member of tests/fixtures/cohorts.json
// and random rules and members. This is what UserShard.estimate relies on
// to read events only for the members the triage leaves open.
import assert from 'node:assert/strict';
import test from 'node:test';

import { createEngine } from 'hookcast';

import { loadFixtures } from './suites/fixtures.mjs';
import { prng } from './helpers/prng.mjs';

const engine = await createEngine();
const { cohorts } = await loadFixtures();
const NOW = Date.parse('2026-06-15T12:00:00Z');
const DAY = 86_400_000;

// As the engine suite's: the member of a fixture entry, event times in ms.
function memberOf(entry) {
  if ('member' in entry) return entry.member;
  const member = { id: 'u' };
  if ('properties' in entry) member.properties = entry.properties;
  if ('events' in entry)
    member.events = entry.events.map((e) =>
      typeof e?.at === 'string' ? { ...e, at: Date.parse(e.at) } : e,
    );
  return member;
}

const withoutEvents = ({ events, ...rest }) => rest;

// The two phases as a store runs them: triage members without events, then
// matchBatchJson on the undecided with their events. Answers booleans.
function twoPhase(cohort, members, now) {
  const decided = cohort.triageBatchJson(JSON.stringify(members.map(withoutEvents)), now);
  assert.equal(decided.length, members.length);
  assert.match(decided, /^[01e]*$/);
  const open = members.filter((_, i) => decided[i] === 'e');
  const full = cohort.matchBatchJson(JSON.stringify(open), now);
  let j = 0;
  return { decided, answers: [...decided].map((c) => c === '1' || (c === 'e' && full[j++])) };
}

test(`triage: two phases equal one on every valid member of fixtures/cohorts.json (${cohorts.match.length} rules)`, () => {
  let decided = 0;
  let open = 0;
  for (const c of cohorts.match) {
    const now = Date.parse(c.now ?? cohorts.now);
    const cohort = engine.compileCohort(c.rule).cohort;
    try {
      const members = c.members.filter((e) => e.in !== 'invalid').map(memberOf);
      const two = twoPhase(cohort, members, now);
      assert.deepEqual(two.answers, cohort.matchBatch(members, now), c.name);
      assert.deepEqual(
        two.answers,
        c.members.filter((e) => e.in !== 'invalid').map((e) => e.in),
        c.name,
      );
      // triageBatch (objects) answers as triageBatchJson, events or not.
      assert.equal(cohort.triageBatch(members, now), two.decided, c.name);
      for (const ch of two.decided) ch === 'e' ? open++ : decided++;
    } finally {
      cohort.dispose();
    }
  }
  assert.ok(
    decided > 50 && open > 20,
    `both phases are exercised: ${decided} decided, ${open} open`,
  );
});

function generator(seed) {
  const rand = prng(seed);
  const pick = (n) => Math.floor(rand() * n);
  const one = (list) => list[pick(list.length)];
  const PLANS = ['free', 'pro', 'team'];
  const value = () =>
    one([() => one(PLANS), () => pick(40), () => String(pick(40)), () => pick(2) === 0])();
  const property = (name) => {
    const op = one([
      'eq',
      'ne',
      'gt',
      'lte',
      'exists',
      'not_exists',
      'in',
      'not_in',
      'starts_with',
    ]);
    const c = { property: name, op };
    if (op === 'in' || op === 'not_in') c.value = [value(), value()];
    else if (op === 'gt' || op === 'lte') c.value = pick(40);
    else if (op === 'starts_with') c.value = one(['p', 'f', '1']);
    else if (op !== 'exists' && op !== 'not_exists') c.value = value();
    return c;
  };
  const event = () => {
    const c = { event: one(['purchase', 'view']), op: pick(3) ? 'did' : 'did_not' };
    if (pick(2)) c.count = { op: one(['gte', 'lte', 'eq']), value: pick(4) };
    if (pick(2)) c.within = { last: 1 + pick(10), unit: one(['days', 'hours']) };
    if (pick(3) === 0) c.where = [property('amount')];
    return c;
  };
  const rule = (depth) => {
    const k = depth >= 3 ? pick(2) : pick(5);
    if (k === 0) return property(one(['plan', 'age', 'id']));
    if (k === 1) return event();
    if (k === 4) return { not: rule(depth + 1) };
    return {
      [k === 2 ? 'all' : 'any']: Array.from({ length: 1 + pick(3) }, () => rule(depth + 1)),
    };
  };
  const member = (i) => {
    const properties = {};
    if (pick(4)) properties.plan = pick(5) ? one(PLANS) : value();
    if (pick(3)) properties.age = pick(2) ? pick(40) : String(pick(40));
    const events = Array.from({ length: pick(6) }, () => ({
      key: one(['purchase', 'view']),
      at: NOW - pick(14) * DAY - pick(100_000),
      ...(pick(2) ? { properties: { amount: pick(40) } } : {}),
    }));
    return { id: `u${i}`, properties, events };
  };
  return { rule, member, events: () => member(0).events };
}

test('triage: random rules — two phases equal one, and a decided member is decided for any events', () => {
  const g = generator(20261130);
  let decided = 0;
  let open = 0;
  for (let r = 0; r < 300; r++) {
    const rule = g.rule(1);
    const compiled = engine.compileCohort(rule);
    assert.ok(compiled.ok, JSON.stringify(compiled.problems));
    const cohort = compiled.cohort;
    try {
      const members = Array.from({ length: 20 }, (_, i) => g.member(i));
      const two = twoPhase(cohort, members, NOW);
      assert.deepEqual(two.answers, cohort.matchBatch(members, NOW), JSON.stringify(rule));
      // The same users with other events: the decided ones keep their answer.
      for (let v = 0; v < 4; v++) {
        const others = members.map((m) => ({ ...m, events: g.events() }));
        const full = cohort.matchBatch(others, NOW);
        [...two.decided].forEach((c, i) => {
          if (c !== 'e')
            assert.equal(
              full[i],
              c === '1',
              `${JSON.stringify(rule)}\n${JSON.stringify(others[i])}`,
            );
        });
      }
      for (const c of two.decided) c === 'e' ? open++ : decided++;
    } finally {
      cohort.dispose();
    }
  }
  assert.ok(
    decided > 1000 && open > 1000,
    `both phases are exercised: ${decided} decided, ${open} open`,
  );
});

test('triage: errors as matchBatch; events are never read', () => {
  const cohort = engine.compileCohort({
    all: [
      { property: 'plan', op: 'eq', value: 'pro' },
      { event: 'p', op: 'did' },
    ],
  }).cohort;
  assert.equal(
    cohort.triageBatch(
      [
        { id: 'a', properties: { plan: 'pro' } },
        { id: 'b', properties: { plan: 'free' }, events: [42] },
      ],
      NOW,
    ),
    'e0',
  );
  assert.equal(cohort.triageBatchJson('[]', NOW), '');
  assert.throws(() => cohort.triageBatch([{}, { properties: 5 }], NOW), {
    code: 'invalid_member',
    message: /members\[1\]/,
  });
  assert.throws(() => cohort.triageBatchJson('{}', NOW), { code: 'invalid_members' });
  assert.throws(() => cohort.triageBatchJson([], NOW), { code: 'invalid_members' });
  assert.throws(() => cohort.triageBatch({}, NOW), { code: 'invalid_members' });
  assert.throws(() => cohort.triageBatchJson('[]', Number.NaN), { code: 'invalid_now' });
  cohort.dispose();
  assert.throws(() => cohort.triageBatchJson('[]', NOW), { code: 'disposed' });
});
