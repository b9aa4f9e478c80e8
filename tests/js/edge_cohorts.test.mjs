// Cohorts in the real worker (workerd via miniflare; Workspace and user-shard
// Durable Objects with SQLite): create / list / get / update / delete, rules
// refused by the engine with located problems and nothing stored, 404s, and
// POST /v1/cohorts/:id/estimate checked against a brute-force count computed
// here from the data the test sent (property AND event count within a
// window, event `where`, did_not, the 90-day retention), also after a
// delete and after a restart on the same state folder.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEdge } from './edge_helpers.mjs';
import { createEngine } from '../../src/js/node.js';
import { prng } from './helpers/prng.mjs';

const DAY = 86_400_000;
let edge;
let engine;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-cohorts-'));
before(async () => {
  [edge, engine] = await Promise.all([startEdge({ persistDir: dir }), createEngine()]);
});
after(async () => {
  await edge?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const api = (...args) => edge.api(...args);

function assertRefused(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.ok, false);
  assert.equal(res.json.error.code, code, res.text);
  assert.ok(res.json.problems.length > 0);
}

const PRO = { property: 'plan', op: 'eq', value: 'pro' };

describe('cohort CRUD', () => {
  it('creates, lists, reads, updates and deletes a cohort', async () => {
    const created = await api('POST', '/v1/cohorts', { name: 'Pro users', rule: PRO });
    assert.equal(created.status, 201, created.text);
    const { cohort } = created.json;
    assert.match(cohort.id, /^coh_[a-z2-7]{20}$/);
    assert.equal(cohort.name, 'Pro users');
    assert.deepEqual(cohort.rule, PRO);
    assert.equal(cohort.createdAt, cohort.updatedAt);
    assert.ok(Math.abs(Date.parse(cohort.createdAt) - Date.now()) < 60_000);

    const list = await api('GET', '/v1/cohorts');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.cohorts.find((c) => c.id === cohort.id),
      cohort,
    );
    assert.deepEqual((await api('GET', `/v1/cohorts/${cohort.id}`)).json, { cohort });

    const renamed = await api('PUT', `/v1/cohorts/${cohort.id}`, { name: 'Paying users' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.json.cohort.name, 'Paying users');
    assert.deepEqual(renamed.json.cohort.rule, PRO, 'a field not sent is kept');
    const rule = { any: [PRO, { property: 'plan', op: 'eq', value: 'team' }] };
    const replaced = await api('PUT', `/v1/cohorts/${cohort.id}`, { name: 'Paying', rule });
    assert.deepEqual(replaced.json.cohort.rule, rule);
    assert.equal(replaced.json.cohort.createdAt, cohort.createdAt);
    assert.ok(replaced.json.cohort.updatedAt >= cohort.updatedAt);

    const deleted = await api('DELETE', `/v1/cohorts/${cohort.id}`);
    assert.equal(deleted.status, 200, deleted.text);
    assertRefused(await api('GET', `/v1/cohorts/${cohort.id}`), 404, 'not_found');
    assertRefused(await api('DELETE', `/v1/cohorts/${cohort.id}`), 404, 'not_found');
    assert.equal(
      (await api('GET', '/v1/cohorts')).json.cohorts.some((c) => c.id === cohort.id),
      false,
    );
  });

  it('answers 404 for an unknown cohort on every route', async () => {
    for (const [method, route, body] of [
      ['GET', '/v1/cohorts/coh_nope', undefined],
      ['PUT', '/v1/cohorts/coh_nope', { name: 'x' }],
      ['DELETE', '/v1/cohorts/coh_nope', undefined],
      ['POST', '/v1/cohorts/coh_nope/estimate', undefined],
    ]) {
      assertRefused(await api(method, route, body), 404, 'not_found');
    }
  });

  it('refuses a rule the engine refuses, with its located problems, and stores nothing', async () => {
    const before = (await api('GET', '/v1/cohorts')).json.cohorts.length;
    const bad = [
      { all: [PRO, { property: 'plan', op: 'nearly', value: 'pro' }] },
      { any: [] },
      { event: 'purchase', op: 'did', count: { op: 'gte', value: 'two' } },
      { not: { property: 'age', op: 'between', value: [1] } },
      'plan = pro',
    ];
    for (const rule of bad) {
      const expected = engine.validateCohort(rule);
      assert.equal(expected.ok, false, JSON.stringify(rule));
      const res = await api('POST', '/v1/cohorts', { name: 'bad', rule });
      assert.equal(res.status, 400, res.text);
      const fields = (ps) =>
        ps.filter((p) => p.severity === 'error').map((p) => `${p.field} ${p.code}`);
      assert.deepEqual(fields(res.json.problems), fields(expected.problems));
      assert.ok(
        res.json.problems.every((p) => p.field.startsWith('rule')),
        res.text,
      );
    }
    const located = await api('POST', '/v1/cohorts', { name: 'bad', rule: bad[0] });
    assert.ok(
      located.json.problems.some((p) => p.field === 'rule.all[1].op'),
      located.text,
    );
    for (const body of [
      { rule: PRO },
      { name: '', rule: PRO },
      { name: 5, rule: PRO },
      { name: 'no rule' },
    ]) {
      assert.equal((await api('POST', '/v1/cohorts', body)).status, 400, JSON.stringify(body));
    }
    assert.equal((await api('POST', '/v1/cohorts', '[]')).status, 400);
    assert.equal((await api('GET', '/v1/cohorts')).json.cohorts.length, before);

    const { cohort } = (await api('POST', '/v1/cohorts', { name: 'kept', rule: PRO })).json;
    const refused = await api('PUT', `/v1/cohorts/${cohort.id}`, { name: 'changed', rule: bad[0] });
    assert.equal(refused.status, 400, refused.text);
    assert.ok(refused.json.problems.some((p) => p.field === 'rule.all[1].op'));
    assert.deepEqual(
      (await api('GET', `/v1/cohorts/${cohort.id}`)).json.cohort,
      cohort,
      'a refused update changes nothing',
    );
    assert.equal((await api('PUT', `/v1/cohorts/${cohort.id}`, {})).status, 400);
  });
});

describe('POST /v1/cohorts/:id/estimate', () => {
  // 600 users over every shard; events placed at least an hour away from
  // every window's edge, so the seconds the test takes cannot move a user.
  const now = Date.now();
  const rand = prng(7);
  const people = [];
  for (let i = 0; i < 600; i++) {
    const plan = ['free', 'pro', 'team'][Math.floor(rand() * 3)];
    const purchases = [];
    for (let p = Math.floor(rand() * 5); p > 0; p--) {
      const daysAgo = rand() < 0.5 ? 0.1 + rand() * 6.8 : 7.1 + rand() * 20;
      purchases.push({ at: now - Math.round(daysAgo * DAY), amount: Math.round(rand() * 100) });
    }
    // legacy: one event either 89 or 91 days old (the retention is 90 days).
    const legacy = rand() < 0.3 ? (rand() < 0.5 ? 89 : 91) : null;
    people.push({ id: `est-${i}`, plan, purchases, legacy });
  }
  const recent = (p) => p.purchases.filter((e) => e.at >= now - 7 * DAY);
  const expect = {
    proAndTwoThisWeek: people.filter((p) => p.plan === 'pro' && recent(p).length >= 2),
    bigPurchaseEver: people.filter((p) => p.purchases.some((e) => e.amount >= 50)),
    neverPurchased: people.filter((p) => p.purchases.length === 0),
    legacy: people.filter((p) => p.legacy === 89),
    legacyOrBig: people.filter((p) => p.legacy === 89 || p.purchases.some((e) => e.amount >= 50)),
    // The core's triage decides team users at once and leaves pro users to their events.
    teamOrProActive: people.filter(
      (p) => p.plan === 'team' || (p.plan === 'pro' && recent(p).length >= 2),
    ),
    // 41 event keys: past what one member-text query reads, so the other path.
    legacyAmongMany: people.filter((p) => p.legacy === 89),
  };
  const ids = (list) => list.map((p) => p.id);
  const cohorts = {};

  before(async () => {
    const users = people.map((p) => ({ id: p.id, properties: { plan: p.plan } }));
    assert.equal((await api('POST', '/v1/users', { users })).status, 200);
    const events = [];
    for (const p of people) {
      for (const e of p.purchases)
        events.push({
          userId: p.id,
          key: 'purchase',
          properties: { amount: e.amount },
          at: new Date(e.at).toISOString(),
        });
      if (p.legacy)
        events.push({
          userId: p.id,
          key: 'legacy',
          at: new Date(now - p.legacy * DAY).toISOString(),
        });
      events.push({ userId: p.id, key: 'view' });
    }
    for (let i = 0; i < events.length; i += 1000) {
      const res = await api('POST', '/v1/events', { events: events.slice(i, i + 1000) });
      assert.equal(res.status, 200, res.text);
    }
    const rules = {
      proAndTwoThisWeek: {
        all: [
          PRO,
          {
            event: 'purchase',
            op: 'did',
            count: { op: 'gte', value: 2 },
            within: { last: 7, unit: 'days' },
          },
        ],
      },
      bigPurchaseEver: {
        event: 'purchase',
        op: 'did',
        where: [{ property: 'amount', op: 'gte', value: 50 }],
      },
      neverPurchased: { event: 'purchase', op: 'did_not' },
      legacy: { event: 'legacy', op: 'did' },
      legacyOrBig: {
        any: [
          { event: 'legacy', op: 'did' },
          { event: 'purchase', op: 'did', where: [{ property: 'amount', op: 'gte', value: 50 }] },
        ],
      },
      teamOrProActive: {
        any: [
          { property: 'plan', op: 'eq', value: 'team' },
          {
            all: [
              PRO,
              {
                event: 'purchase',
                op: 'did',
                count: { op: 'gte', value: 2 },
                within: { last: 7, unit: 'days' },
              },
            ],
          },
        ],
      },
      legacyAmongMany: {
        any: [
          ...Array.from({ length: 40 }, (_, i) => ({ event: `never-${i}`, op: 'did' })),
          { event: 'legacy', op: 'did' },
        ],
      },
    };
    for (const [name, rule] of Object.entries(rules)) {
      const res = await api('POST', '/v1/cohorts', { name, rule });
      assert.equal(res.status, 201, res.text);
      cohorts[name] = res.json.cohort.id;
    }
  });

  for (const name of [
    'proAndTwoThisWeek',
    'bigPurchaseEver',
    'neverPurchased',
    'legacy',
    'legacyOrBig',
    'teamOrProActive',
    'legacyAmongMany',
  ]) {
    it(`counts exactly the users a brute force over the sent data finds: ${name}`, async () => {
      const res = await api('POST', `/v1/cohorts/${cohorts[name]}/estimate`);
      assert.equal(res.status, 200, res.text);
      const want = ids(expect[name]);
      assert.ok(want.length > 10, `${name}: the data set has members (${want.length})`);
      assert.equal(res.json.users, want.length, name);
      assert.equal(res.json.sample.length, 10);
      for (const id of res.json.sample) assert.ok(want.includes(id), `${id} is not in ${name}`);
      assert.deepEqual(res.json.sample, [...res.json.sample].sort());
    });
  }

  it('samples the first matching ids in id order when the triage decides some and events the others', async () => {
    const all = await api('POST', `/v1/cohorts/${cohorts.teamOrProActive}/estimate?sample=100`);
    const want = ids(expect.teamOrProActive);
    assert.equal(all.json.sample.length, 100);
    for (const id of all.json.sample)
      assert.ok(want.includes(id), `${id} is not in teamOrProActive`);
    assert.ok(
      all.json.sample.some((id) => people.find((p) => p.id === id).plan === 'pro'),
      'the sample holds users decided by their events',
    );
  });

  it('counts what the engine in one phase counts on the same members, for random rules', async () => {
    // The two-phase estimate (triage, then the undecided with events)
    // against matchBatch on every member built from the data sent: the
    // events a shard keeps (not the 91-day-old ones), times away from the
    // 7-day window's edge, so only within 7 days is used.
    const members = people.map((p) => ({
      id: p.id,
      properties: { plan: p.plan },
      events: [
        ...p.purchases.map((e) => ({
          key: 'purchase',
          at: e.at,
          properties: { amount: e.amount },
        })),
        ...(p.legacy === 89 ? [{ key: 'legacy', at: now - 89 * DAY }] : []),
        { key: 'view', at: now },
      ],
    }));
    const r = prng(11);
    const pick = (list) => list[Math.floor(r() * list.length)];
    const property = () =>
      pick([
        { property: 'plan', op: 'eq', value: pick(['free', 'pro', 'team']) },
        { property: 'plan', op: 'in', value: [pick(['free', 'pro']), 'team'] },
        { property: 'plan', op: 'ne', value: 'pro' },
        { property: 'tier', op: 'not_exists' },
      ]);
    const event = () => {
      const c = {
        event: pick(['purchase', 'purchase', 'legacy', 'view']),
        op: pick(['did', 'did', 'did_not']),
      };
      if (r() < 0.5) c.count = { op: pick(['gte', 'lte', 'eq']), value: Math.floor(r() * 4) };
      if (c.event === 'purchase' && r() < 0.5) c.within = { last: 7, unit: 'days' };
      if (c.event === 'purchase' && r() < 0.3)
        c.where = [{ property: 'amount', op: pick(['gte', 'lt']), value: 50 }];
      return c;
    };
    const rule = (depth) => {
      const k = depth > 2 ? Math.floor(r() * 2) : Math.floor(r() * 5);
      if (k === 0) return property();
      if (k === 1) return event();
      if (k === 2) return { not: rule(depth + 1) };
      return {
        [k === 3 ? 'all' : 'any']: [
          rule(depth + 1),
          rule(depth + 1),
          ...(r() < 0.5 ? [rule(depth + 1)] : []),
        ],
      };
    };
    let checked = 0;
    for (let i = 0; i < 25; i++) {
      const random = { all: [property(), rule(1)] }; // reads properties: the two-phase path
      const compiled = engine.compileCohort(random);
      assert.ok(compiled.ok, JSON.stringify(compiled.problems));
      const want = compiled.cohort.matchBatch(members, now).filter(Boolean).length;
      compiled.cohort.dispose();
      const created = await api('POST', '/v1/cohorts', { name: `random ${i}`, rule: random });
      assert.equal(created.status, 201, created.text);
      const res = await api('POST', `/v1/cohorts/${created.json.cohort.id}/estimate`);
      assert.equal(res.json.users, want, JSON.stringify(random));
      assert.equal((await api('DELETE', `/v1/cohorts/${created.json.cohort.id}`)).status, 200);
      if (want > 0) checked++;
    }
    assert.ok(checked > 10, `most random rules select someone (${checked} of 25)`);
  });

  it('takes a sample size from ?sample= (0 to 100) and refuses anything else', async () => {
    const id = cohorts.proAndTwoThisWeek;
    assert.equal((await api('POST', `/v1/cohorts/${id}/estimate?sample=3`)).json.sample.length, 3);
    assert.equal((await api('POST', `/v1/cohorts/${id}/estimate?sample=0`)).json.sample.length, 0);
    const all = await api('POST', `/v1/cohorts/${id}/estimate?sample=100`);
    assert.equal(all.json.sample.length, Math.min(100, expect.proAndTwoThisWeek.length));
    for (const bad of ['-1', '101', '2.5', 'ten', '']) {
      assertRefused(
        await api('POST', `/v1/cohorts/${id}/estimate?sample=${bad}`),
        400,
        'invalid_sample',
      );
    }
  });

  it('no longer counts a deleted user, and follows a rule change', async () => {
    const id = cohorts.proAndTwoThisWeek;
    const gone = expect.proAndTwoThisWeek[0];
    assert.equal((await api('DELETE', `/v1/users/${gone.id}`)).status, 200);
    assert.equal(
      (await api('POST', `/v1/cohorts/${id}/estimate`)).json.users,
      expect.proAndTwoThisWeek.length - 1,
    );
    await api('PUT', `/v1/cohorts/${id}`, {
      rule: { property: 'plan', op: 'in', value: ['pro', 'team'] },
    });
    const paying = people.filter((p) => p.id !== gone.id && p.plan !== 'free').length;
    assert.equal((await api('POST', `/v1/cohorts/${id}/estimate`)).json.users, paying);
  });

  it('keeps cohorts and answers the same estimate after workerd restarts on the same state folder', async () => {
    const id = cohorts.bigPurchaseEver;
    const before = (await api('POST', `/v1/cohorts/${id}/estimate`)).json;
    const list = (await api('GET', '/v1/cohorts')).json;
    await edge.close();
    edge = await startEdge({ persistDir: dir });
    assert.deepEqual((await api('GET', '/v1/cohorts')).json, list);
    const again = (await api('POST', `/v1/cohorts/${id}/estimate`)).json;
    assert.equal(again.users, before.users);
    assert.deepEqual(again.sample, before.sample);
  });
});
