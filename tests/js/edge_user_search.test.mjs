// What the console needs for a realistic preview, through the real worker in
// workerd: GET /v1/users?q= finds users by id prefix or by any property
// value (case-insensitive) across every shard; the audience check of an
// event campaign does not report the event's variables as fallbacks (the
// triggering event supplies them), while a user variable's still counts.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEdge, startSink } from './edge_helpers.mjs';

let edge;
let sink;
before(async () => {
  edge = await startEdge({ allowLocalHttp: true });
  sink = await startSink((req, res) => res.end());
  const users = [
    { id: 'ada-1', properties: { first_name: 'Ada', email: 'ada@example.com', plan: 'pro' } },
    {
      id: 'grace-2',
      properties: { first_name: 'Grace', email: 'grace@navy.example', plan: 'pro' },
    },
    { id: 'linus-3', properties: { first_name: 'Linus', plan: 'free', age: 54 } },
    ...Array.from({ length: 30 }, (_, i) => ({
      id: `bulk-${String(i).padStart(2, '0')}`,
      properties: { plan: 'free' },
    })),
  ];
  assert.equal((await edge.api('POST', '/v1/users', { users })).status, 200);
});
after(async () => {
  await edge?.close();
  await sink?.close();
});

const find = async (query) => {
  const r = await edge.api('GET', `/v1/users${query}`);
  assert.equal(r.status, 200, r.text);
  return r.json.users.map((u) => u.id);
};

describe('finding users for a preview', () => {
  it('by id prefix, by any property value, case-insensitive, in id order, limited', async () => {
    assert.deepEqual(await find('?q=ada'), ['ada-1'], 'id prefix and first name');
    assert.deepEqual(await find('?q=GRACE%40NAVY'), ['grace-2'], 'part of an email, any case');
    assert.deepEqual(await find('?q=54'), ['linus-3'], 'a number property');
    assert.deepEqual(
      await find('?q=3'),
      [],
      'an id matches by its start only ("linus-3" does not start with 3)',
    );
    const bulk = await find('?q=bulk-&limit=12');
    assert.equal(bulk.length, 12);
    assert.deepEqual(bulk, [...bulk].sort(), 'in id order');
    assert.deepEqual(
      bulk,
      Array.from({ length: 12 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`),
      'the first 12 across every shard',
    );
    assert.deepEqual(await find('?q=nobody-has-this'), []);
    const r = await edge.api('GET', '/v1/users?q=ada');
    assert.deepEqual(r.json.users[0].properties, {
      first_name: 'Ada',
      email: 'ada@example.com',
      plan: 'pro',
    });
    assert.equal((await find('?limit=50')).length, 33, 'no q: everyone, up to the limit');
  });

  it('refuses a bad limit or an overlong q, naming the field', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=51', 'limit'],
      ['?limit=x', 'limit'],
      [`?q=${'a'.repeat(201)}`, 'q'],
    ]) {
      const r = await edge.api('GET', `/v1/users${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.json.problems[0].field, field);
    }
  });

  it('the audience check of an event campaign counts user fallbacks, not event ones', async () => {
    const created = await edge.api('POST', '/v1/campaigns', {
      title: 'event check',
      webhook: {
        url: `${sink.origin}/e`,
        method: 'POST',
        body: '{"n": "{{ user.first_name | default: "there" }}", "a": "{{ event.amount | default: "0" }}"}',
      },
      target: { allUsers: true },
      send: { type: 'event', event: 'purchase' },
    });
    assert.equal(created.status, 201, created.text);
    const r = await edge.api('POST', `/v1/campaigns/${created.json.campaign.key}/audience-check`);
    assert.equal(r.status, 200, r.text);
    assert.equal(
      r.json.fallbacks['user.first_name'],
      30,
      `the bulk users have no first name: ${JSON.stringify(r.json)}`,
    );
    assert.equal(
      Object.keys(r.json.fallbacks).some((k) => k.startsWith('event')),
      false,
      JSON.stringify(r.json.fallbacks),
    );
  });
});
