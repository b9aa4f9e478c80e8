// How a campaign's messages spread over dispatch slices
// (edge/src/delivery/slices.js): the count from the audience and the
// settings, the stable hash, the names and their order.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  audienceOf,
  isSliceName,
  MAX_SLICE_LIMIT,
  sliceCount,
  sliceFor,
  sliceOrder,
  sliceSettings,
  SLICE_DEFAULTS,
} from '../../edge/src/delivery/slices.js';
import { SHARD_COUNT } from '../../edge/src/constants.js';
import { shardIndexFor } from '../../edge/src/shards/locate.js';
import { LOCAL_SLICE_SETTINGS, readWranglerConfig } from '../../edge/miniflare.mjs';

describe('dispatch slices', () => {
  it('a user keeps its slice: the hash is part of the stored layout', () => {
    // Fixed values: a change here moves messages handed over before and after it.
    assert.deepEqual(
      ['u0', 'u1', 'alice', 'Zoë', '🚀'].map((id) => sliceFor(id, 256)),
      [222, 23, 30, 43, 192],
    );
  });

  it('spreads users evenly, and each shard over every slice', () => {
    const counts = new Array(8).fill(0);
    const perShard = new Map();
    for (let i = 0; i < 80_000; i++) {
      const id = `user-${i}`;
      const slice = sliceFor(id, 8);
      assert.ok(Number.isInteger(slice) && slice >= 0 && slice < 8, `${id} → ${slice}`);
      counts[slice]++;
      const shard = shardIndexFor(id);
      if (!perShard.has(shard)) perShard.set(shard, new Set());
      perShard.get(shard).add(slice);
    }
    for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `uneven: ${counts}`);
    for (const [shard, slices] of perShard) assert.equal(slices.size, 8, `shard ${shard}`);
  });

  it('counts slices from the audience, within 1 … maxSlices', () => {
    const s = { sliceUsers: 12_500, maxSlices: 8 };
    assert.equal(sliceCount(0, s), 1);
    assert.equal(sliceCount(10_000, s), 1);
    assert.equal(sliceCount(12_501, s), 2);
    assert.equal(sliceCount(100_000, s), 8);
    assert.equal(sliceCount(1_000_000, s), 8);
    assert.equal(audienceOf(100), 100 * SHARD_COUNT);
  });

  it('reads its settings from the worker vars, an invalid one falling back to its default', () => {
    assert.deepEqual(sliceSettings({}), SLICE_DEFAULTS);
    assert.deepEqual(sliceSettings(LOCAL_SLICE_SETTINGS), {
      sliceUsers: 12_500,
      maxSlices: 8,
      concurrency: 32,
    });
    const vars = readWranglerConfig().vars;
    assert.deepEqual(sliceSettings(vars), SLICE_DEFAULTS, 'wrangler.jsonc states the defaults');
    for (const bad of ['0', '-3', '1.5', 'many', String(MAX_SLICE_LIMIT + 1)])
      assert.equal(sliceSettings({ HOOKCAST_MAX_SLICES: bad }).maxSlices, SLICE_DEFAULTS.maxSlices);
  });

  it('names slices by number or "paced", numbers first in order', () => {
    for (const ok of ['0', '7', '15', '255', String(MAX_SLICE_LIMIT - 1), 'paced'])
      assert.ok(isSliceName(ok), ok);
    for (const bad of ['', '-1', '01', '1.0', String(MAX_SLICE_LIMIT), 'Paced', '3 '])
      assert.ok(!isSliceName(bad), bad);
    assert.deepEqual(sliceOrder(['paced', '10', '2', '0']), ['0', '2', '10', 'paced']);
  });
});
