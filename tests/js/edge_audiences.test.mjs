// Users, events and properties in the real worker (workerd via miniflare,
// user-shard Durable Objects with SQLite): upsert and merge, events that
// create users, the properties summary, forgetting a user, every refusal
// (400 naming the item's field, nothing half-stored, 413, 404), and the
// data surviving a restart of workerd on the same state folder.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEdge } from './edge_helpers.mjs';
import { SHARD_COUNT } from '../../edge/src/constants.js';
import { shardIndexFor, groupByShard } from '../../edge/src/shards/locate.js';

let edge;
before(async () => {
  edge = await startEdge();
});
after(() => edge?.close());

const api = (...args) => edge.api(...args);

function assertRefused(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.ok, false);
  assert.equal(res.json.error.code, code, res.text);
  if (field !== undefined)
    assert.ok(
      res.json.problems.some((p) => p.field === field && p.code === code),
      res.text,
    );
}

/** Ids that land in `n` different shards. */
function idsOverShards(prefix, n) {
  const ids = [];
  const shards = new Set();
  for (let i = 0; ids.length < n; i++) {
    const id = `${prefix}${i}`;
    if (shards.has(shardIndexFor(id))) continue;
    shards.add(shardIndexFor(id));
    ids.push(id);
  }
  return ids;
}

describe('user shards', () => {
  it('hashes ids stably (FNV-1a of the UTF-8 bytes) and spreads them over every shard', () => {
    // FNV-1a 32 of "" is 0x811c9dc5, of "a" 0xe40c292c.
    assert.equal(shardIndexFor(''), 0x811c9dc5 % SHARD_COUNT);
    assert.equal(shardIndexFor('a'), 0xe40c292c % SHARD_COUNT);
    const counts = new Array(SHARD_COUNT).fill(0);
    for (let i = 0; i < 16000; i++) counts[shardIndexFor(`user-${i}`)]++;
    assert.ok(Math.min(...counts) > 800 && Math.max(...counts) < 1200, String(counts));
    const groups = groupByShard(['x', 'y', 'x'], (s) => s);
    assert.deepEqual(groups.get(shardIndexFor('x')), ['x', 'x']);
  });
});

describe('POST /v1/users and GET /v1/users/:id', () => {
  it('creates, merges name by name, and removes a property set to null', async () => {
    let res = await api('POST', '/v1/users', {
      users: [
        {
          id: 'merge-1',
          properties: { plan: 'pro', age: 30, gone: null, address: { city: 'Seoul' } },
        },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { ok: true, accepted: 1, created: 1, updated: 0 });
    res = await api('POST', '/v1/users', {
      users: [
        {
          id: 'merge-1',
          properties: { age: null, address: { zip: '04524' }, tags: ['a', 1, true] },
        },
      ],
    });
    assert.deepEqual(res.json, { ok: true, accepted: 1, created: 0, updated: 1 });
    res = await api('GET', '/v1/users/merge-1');
    assert.equal(res.status, 200, res.text);
    // Top-level names merge; a nested object is one value and is replaced whole.
    assert.deepEqual(res.json.properties, {
      plan: 'pro',
      address: { zip: '04524' },
      tags: ['a', 1, true],
    });
    assert.equal(res.json.id, 'merge-1');
    assert.equal(res.json.lastSeenAt, null, 'no events yet');
    assert.deepEqual(res.json.sends, []);
    assert.ok(Date.parse(res.json.createdAt) <= Date.parse(res.json.updatedAt));
  });

  it('applies repeated ids in one call in order, and accepts a user with no properties', async () => {
    const res = await api('POST', '/v1/users', {
      users: [
        { id: 'twice', properties: { a: 1, b: 1 } },
        { id: 'bare' },
        { id: 'twice', properties: { b: null, c: 3 } },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((await api('GET', '/v1/users/twice')).json.properties, { a: 1, c: 3 });
    assert.deepEqual((await api('GET', '/v1/users/bare')).json.properties, {});
  });

  it('round-trips ids with slashes, spaces, quotes and non-ASCII text', async () => {
    const ids = ['a/b', 'with space', 'quote"d', 'Zoë 🎉', '...', '%2F', '?x=1#y'];
    const res = await api('POST', '/v1/users', {
      users: ids.map((id, i) => ({ id, properties: { i } })),
    });
    assert.equal(res.status, 200, res.text);
    for (const [i, id] of ids.entries()) {
      const got = await api('GET', `/v1/users/${encodeURIComponent(id)}`);
      assert.equal(got.status, 200, `${id}: ${got.text}`);
      assert.equal(got.json.id, id);
      assert.deepEqual(got.json.properties, { i });
    }
  });

  it('keeps a property named __proto__ as data', async () => {
    const res = await api(
      'POST',
      '/v1/users',
      '{"users": [{"id": "proto", "properties": {"__proto__": {"x": 1}, "y": 2}}]}',
    );
    assert.equal(res.status, 200, res.text);
    const got = await api('GET', '/v1/users/proto');
    assert.equal(got.text.includes('"__proto__":{"x":1}'), true, got.text);
  });

  it('answers 404 for an unknown user, on GET and DELETE', async () => {
    assertRefused(await api('GET', '/v1/users/nobody-here'), 404, 'not_found');
    assertRefused(await api('DELETE', '/v1/users/nobody-here'), 404, 'not_found');
    assertRefused(await api('GET', `/v1/users/${'x'.repeat(300)}`), 404, 'not_found');
    assertRefused(await api('PUT', '/v1/users/x', {}), 405, 'method_not_allowed');
  });
});

describe('POST /v1/events', () => {
  it('creates unknown users, defaults `at` to now, and keeps lastSeenAt the latest', async () => {
    const before = Date.now();
    let res = await api('POST', '/v1/events', { events: [{ userId: 'ev-new', key: 'signup' }] });
    const after = Date.now();
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { ok: true, accepted: 1, triggered: 0 });
    let user = (await api('GET', '/v1/users/ev-new')).json;
    assert.deepEqual(user.properties, {});
    const seen = Date.parse(user.lastSeenAt);
    assert.ok(seen >= before && seen <= after, `${user.lastSeenAt} not within the call`);

    res = await api('POST', '/v1/events', {
      events: [
        { userId: 'ev-new', key: 'old', at: '2026-01-01T09:00:00+09:00' },
        { userId: 'ev-new', key: 'future', at: '2099-01-01T00:00:00.5Z' },
      ],
    });
    assert.equal(res.status, 200, res.text);
    user = (await api('GET', '/v1/users/ev-new')).json;
    assert.equal(user.lastSeenAt, '2099-01-01T00:00:00.500Z');
    res = await api('POST', '/v1/events', {
      events: [{ userId: 'ev-new', key: 'old', at: '2026-01-01T00:00:00Z' }],
    });
    assert.equal(
      (await api('GET', '/v1/users/ev-new')).json.lastSeenAt,
      '2099-01-01T00:00:00.500Z',
      'an older event does not lower it',
    );
  });

  it('does not touch the properties of an existing user', async () => {
    await api('POST', '/v1/users', { users: [{ id: 'ev-old', properties: { plan: 'pro' } }] });
    await api('POST', '/v1/events', {
      events: [{ userId: 'ev-old', key: 'login', properties: { plan: 'free' } }],
    });
    assert.deepEqual((await api('GET', '/v1/users/ev-old')).json.properties, { plan: 'pro' });
  });
});

describe('GET /v1/properties', () => {
  it('lists user property names and event keys with counts, types and examples', async () => {
    const ids = idsOverShards('props-', 4);
    await api('POST', '/v1/users', {
      users: [
        {
          id: ids[0],
          properties: { zz_plan: 'pro', zz_age: 41, zz_vip: true, zz_address: { city: 'Busan' } },
        },
        { id: ids[1], properties: { zz_plan: 'free', zz_age: '41', zz_tags: ['x'] } },
        { id: ids[2], properties: { zz_age: 7 } },
      ],
    });
    const events = [];
    for (const id of ids)
      for (let i = 0; i < 3; i++)
        events.push({
          userId: id,
          key: 'zz_purchase',
          properties: { amount: 10 + i, sku: `s${i}` },
        });
    events.push({ userId: ids[3], key: 'zz_login' });
    assert.equal((await api('POST', '/v1/events', { events })).status, 200);

    const res = await api('GET', '/v1/properties');
    assert.equal(res.status, 200, res.text);
    const user = Object.fromEntries(
      res.json.user.filter((p) => p.name.startsWith('zz_')).map((p) => [p.name, p]),
    );
    assert.deepEqual(Object.keys(user).sort(), [
      'zz_address',
      'zz_age',
      'zz_plan',
      'zz_tags',
      'zz_vip',
    ]);
    assert.equal(user.zz_age.type, 'number', 'the type most shards have seen');
    assert.deepEqual(user.zz_age.types, ['number', 'string']);
    assert.equal(user.zz_plan.types, undefined);
    assert.ok([41, 7].includes(user.zz_age.example));
    assert.equal(user.zz_plan.type, 'string');
    assert.ok(['pro', 'free'].includes(user.zz_plan.example));
    assert.deepEqual(user.zz_address, {
      name: 'zz_address',
      type: 'object',
      example: { city: 'Busan' },
    });
    assert.equal(user.zz_vip.type, 'boolean');
    assert.equal(user.zz_tags.type, 'array');

    const keys = Object.fromEntries(res.json.events.map((e) => [e.key, e]));
    assert.equal(keys.zz_purchase.count, 12);
    const props = Object.fromEntries(keys.zz_purchase.properties.map((p) => [p.name, p]));
    assert.equal(props.amount.type, 'number');
    assert.ok([10, 11, 12].includes(props.amount.example));
    assert.equal(props.sku.type, 'string');
    assert.deepEqual(keys.zz_login, { key: 'zz_login', count: 1, properties: [] });

    // Forgetting a user takes their events out of the counts.
    assert.equal((await api('DELETE', `/v1/users/${encodeURIComponent(ids[0])}`)).status, 200);
    const again = (await api('GET', '/v1/properties')).json;
    assert.equal(again.events.find((e) => e.key === 'zz_purchase').count, 9);
  });

  it('keeps a long example short', async () => {
    await api('POST', '/v1/events', {
      events: [{ userId: 'long-ex', key: 'zz_long', properties: { text: 'y'.repeat(5000) } }],
    });
    const res = await api('GET', '/v1/properties');
    const text = res.json.events.find((e) => e.key === 'zz_long').properties[0];
    assert.equal(text.type, 'string');
    assert.ok(text.example.length < 100 && text.example.startsWith('yyy'), text.example);
  });
});

describe('DELETE /v1/users/:id', () => {
  it('forgets the profile and the events; a later event starts a new, empty user', async () => {
    await api('POST', '/v1/users', {
      users: [{ id: 'forget-me', properties: { email: 'a@example.com' } }],
    });
    await api('POST', '/v1/events', {
      events: [
        { userId: 'forget-me', key: 'zz_forget', properties: { n: 1 } },
        { userId: 'forget-me', key: 'zz_forget' },
      ],
    });
    const res = await api('DELETE', '/v1/users/forget-me');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.ok, true);
    assertRefused(await api('GET', '/v1/users/forget-me'), 404, 'not_found');
    assertRefused(await api('DELETE', '/v1/users/forget-me'), 404, 'not_found');
    assert.equal(
      (await api('GET', '/v1/properties')).json.events.find((e) => e.key === 'zz_forget').count,
      0,
    );
    await api('POST', '/v1/events', {
      events: [{ userId: 'forget-me', key: 'zz_other', at: '2026-01-01T00:00:00Z' }],
    });
    const user = (await api('GET', '/v1/users/forget-me')).json;
    assert.deepEqual(user.properties, {});
    assert.equal(user.lastSeenAt, '2026-01-01T00:00:00.000Z', 'only the new event is known');
  });
});

describe('bad input', () => {
  const valid = (i) => ({ id: `valid-${i}`, properties: { n: i } });
  const cases = [
    ['an id that is not a string', { id: 42 }, 'users[3].id', 'invalid_type'],
    ['an empty id', { id: '' }, 'users[3].id', 'empty'],
    ['a missing id', { properties: {} }, 'users[3].id', 'required'],
    ['an id of 257 UTF-8 bytes', { id: `${'é'.repeat(128)}x` }, 'users[3].id', 'too_long'],
    [
      'properties that are a list',
      { id: 'p', properties: [1] },
      'users[3].properties',
      'invalid_type',
    ],
    [
      'an empty property name',
      { id: 'p', properties: { '': 1 } },
      'users[3].properties',
      'invalid_property_name',
    ],
    [
      'a property name of 257 bytes',
      { id: 'p', properties: { ['n'.repeat(257)]: 1 } },
      'users[3].properties',
      'invalid_property_name',
    ],
    [
      '201 property names',
      {
        id: 'p',
        properties: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i])),
      },
      'users[3].properties',
      'too_many_properties',
    ],
    [
      'properties over 32 KiB',
      { id: 'p', properties: { big: 'x'.repeat(32 * 1024) } },
      'users[3].properties',
      'properties_too_large',
    ],
    [
      'a value nested 40 deep',
      { id: 'p', properties: { deep: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) } },
      'users[3].properties',
      'too_deep',
    ],
    ['an item that is not an object', 'u', 'users[3]', 'invalid_type'],
    ['the id ".." (no URL path can name it)', { id: '..' }, 'users[3].id', 'invalid_id'],
    ['an id with an unpaired surrogate', { id: 'a\ud800' }, 'users[3].id', 'invalid_text'],
  ];
  for (const [what, item, field, code] of cases) {
    it(`refuses the whole call for ${what} (${field})`, async () => {
      const users = [valid(0), valid(1), valid(2), item];
      const res = await api('POST', '/v1/users', { users });
      assertRefused(res, 400, code, field);
      for (let i = 0; i < 3; i++)
        assertRefused(await api('GET', `/v1/users/valid-${i}`), 404, 'not_found');
    });
  }

  const eventCases = [
    ['a missing userId', { key: 'k' }, 'events[1].userId', 'required'],
    ['a missing key', { userId: 'u' }, 'events[1].key', 'required'],
    ['a key that is a number', { userId: 'u', key: 5 }, 'events[1].key', 'invalid_type'],
    [
      '`at` without an offset',
      { userId: 'u', key: 'k', at: '2026-11-30T09:00:00' },
      'events[1].at',
      'invalid_time',
    ],
    [
      '`at` as a date only',
      { userId: 'u', key: 'k', at: '2026-11-30' },
      'events[1].at',
      'invalid_time',
    ],
    [
      '`at` on 30 February',
      { userId: 'u', key: 'k', at: '2026-02-30T00:00:00Z' },
      'events[1].at',
      'invalid_time',
    ],
    [
      '`at` at 24:00',
      { userId: 'u', key: 'k', at: '2026-02-03T24:00:00Z' },
      'events[1].at',
      'invalid_time',
    ],
    [
      '`at` as a number',
      { userId: 'u', key: 'k', at: 1764500000000 },
      'events[1].at',
      'invalid_type',
    ],
    [
      '`at` before 1970',
      { userId: 'u', key: 'k', at: '1969-12-31T23:59:59Z' },
      'events[1].at',
      'invalid_time',
    ],
    [
      'properties that are a string',
      { userId: 'u', key: 'k', properties: 'x' },
      'events[1].properties',
      'invalid_type',
    ],
  ];
  for (const [what, item, field, code] of eventCases) {
    it(`refuses a whole events call for ${what} (${field})`, async () => {
      const res = await api('POST', '/v1/events', {
        events: [{ userId: 'half-stored', key: 'k' }, item],
      });
      assertRefused(res, 400, code, field);
      assertRefused(await api('GET', '/v1/users/half-stored'), 404, 'not_found');
    });
  }

  it('accepts `at` with a fraction, a lower-case z and a negative offset', async () => {
    const res = await api('POST', '/v1/events', {
      events: [
        { userId: 'at-forms', key: 'k', at: '2026-03-01T00:00:00.123456789-05:30' },
        { userId: 'at-forms-2', key: 'k', at: '2024-02-29T23:59z' },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(
      (await api('GET', '/v1/users/at-forms')).json.lastSeenAt,
      '2026-03-01T05:30:00.123Z',
    );
    assert.equal(
      (await api('GET', '/v1/users/at-forms-2')).json.lastSeenAt,
      '2024-02-29T23:59:00.000Z',
    );
  });

  it('names every bad item, not only the first', async () => {
    const res = await api('POST', '/v1/users', { users: [{ id: '' }, { id: 'ok' }, { id: 7 }] });
    assertRefused(res, 400, 'empty');
    assert.deepEqual(
      res.json.problems.map((p) => p.field),
      ['users[0].id', 'users[2].id'],
    );
  });

  it('refuses more than 1000 items, a missing list and a list of the wrong type', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ userId: `m${i}`, key: 'k' }));
    assertRefused(await api('POST', '/v1/events', { events: many }), 400, 'too_many', 'events');
    assertRefused(await api('POST', '/v1/users', {}), 400, 'required', 'users');
    assertRefused(
      await api('POST', '/v1/users', { users: { id: 'x' } }),
      400,
      'invalid_type',
      'users',
    );
    assertRefused(await api('POST', '/v1/events', '[1, 2]'), 400, 'invalid_json');
    assertRefused(await api('POST', '/v1/events', '{"events": [}'), 400, 'invalid_json');
    assertRefused(await api('GET', '/v1/users/m0'), 404, 'not_found');
  });

  it('accepts 1000 events in a 2 MiB body and answers 413 over 4 MiB', async () => {
    const pad = 'p'.repeat(2000);
    const events = Array.from({ length: 1000 }, (_, i) => ({
      userId: `bulk-${i % 50}`,
      key: 'zz_bulk',
      properties: { pad, i },
    }));
    const res = await api('POST', '/v1/events', { events });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.accepted, 1000);
    const huge = JSON.stringify({
      events: [{ userId: 'huge', key: 'k', properties: { s: 'x'.repeat(4 * 1024 * 1024) } }],
    });
    assertRefused(await api('POST', '/v1/events', huge), 413, 'body_too_large');
    assertRefused(await api('GET', '/v1/users/huge'), 404, 'not_found');
  });

  it('refuses a merge that grows a profile past the bounds, in every shard of the call', async () => {
    const [a, b] = idsOverShards('grow-', 2);
    const half = (prefix) =>
      Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`${prefix}${i}`, i]));
    assert.equal(
      (await api('POST', '/v1/users', { users: [{ id: a, properties: half('a') }] })).status,
      200,
    );
    const before = (await api('GET', `/v1/users/${a}`)).json;
    const res = await api('POST', '/v1/users', {
      users: [
        { id: b, properties: { fine: 1 } },
        { id: a, properties: half('b') },
      ],
    });
    assertRefused(res, 400, 'too_many_properties', 'users[1].properties');
    assertRefused(await api('GET', `/v1/users/${b}`), 404, 'not_found');
    assert.deepEqual((await api('GET', `/v1/users/${a}`)).json, before, 'unchanged');
    // Removing names in the same patch keeps it within bounds.
    const swap = {};
    for (let i = 0; i < 60; i++) Object.assign(swap, { [`a${i}`]: null, [`b${i}`]: i });
    assert.equal(
      (await api('POST', '/v1/users', { users: [{ id: a, properties: swap }] })).status,
      200,
    );
    const kept = Object.keys((await api('GET', `/v1/users/${a}`)).json.properties);
    assert.equal(kept.length, 150);
    assert.ok(kept.includes('b59') && !kept.includes('a59') && kept.includes('a60'));
  });
});

describe('retention', () => {
  it('prunes events older than 90 days, keeping lastSeenAt and the counts right', async () => {
    // Its own worker (the edge worker plus a test-only route that runs the
    // pruning alarm's work), so no other test's events are in its shards.
    const own = await startEdge({
      scriptPath: fileURLToPath(new URL('workers/edge_test_worker.js', import.meta.url)),
    });
    try {
      const DAY = 86_400_000;
      const now = Date.now();
      const [a, b] = idsOverShards('prune-', 2);
      const at = (days) => new Date(now - days * DAY).toISOString();
      const res = await own.api('POST', '/v1/events', {
        events: [
          { userId: a, key: 'zz_prune', at: at(91) },
          { userId: a, key: 'zz_prune', at: at(89) },
          { userId: b, key: 'zz_prune', at: at(95) },
          { userId: b, key: 'zz_prune', at: at(92) },
        ],
      });
      assert.equal(res.status, 200, res.text);
      const count = async () =>
        (await own.api('GET', '/v1/properties')).json.events.find((e) => e.key === 'zz_prune')
          .count;
      assert.equal(await count(), 4);
      const pruned = await own.api('POST', '/test/prune', { userIds: [a, b], nowMs: now });
      assert.equal(pruned.json.deleted, 3, pruned.text);
      assert.equal(await count(), 1);
      assert.equal((await own.api('GET', `/v1/users/${a}`)).json.lastSeenAt, at(89));
      assert.equal(
        (await own.api('GET', `/v1/users/${b}`)).json.lastSeenAt,
        at(92),
        'last seen outlives the pruned events',
      );
      assert.equal(
        (await own.api('POST', '/test/prune', { userIds: [a, b], nowMs: now })).json.deleted,
        0,
        'nothing left to prune',
      );
    } finally {
      await own.close();
    }
  });
});

describe('restart', () => {
  it('keeps users, events and properties when workerd restarts on the same state folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-audiences-'));
    let first;
    let second;
    try {
      first = await startEdge({ persistDir: dir });
      const ids = idsOverShards('restart-', 5);
      assert.equal(
        (
          await first.api('POST', '/v1/users', {
            users: ids.map((id, i) => ({ id, properties: { i } })),
          })
        ).status,
        200,
      );
      assert.equal(
        (
          await first.api('POST', '/v1/events', {
            events: ids.map((id) => ({
              userId: id,
              key: 'zz_restart',
              at: '2026-11-01T00:00:00Z',
            })),
          })
        ).status,
        200,
      );
      await first.close();
      second = await startEdge({ persistDir: dir });
      for (const [i, id] of ids.entries()) {
        const user = (await second.api('GET', `/v1/users/${id}`)).json;
        assert.deepEqual(user.properties, { i });
        assert.equal(user.lastSeenAt, '2026-11-01T00:00:00.000Z');
      }
      const props = (await second.api('GET', '/v1/properties')).json;
      assert.equal(props.events.find((e) => e.key === 'zz_restart').count, 5);
    } finally {
      await first?.close();
      await second?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
