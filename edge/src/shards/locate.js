// Which user-shard Durable Object holds a user. Users are hashed over a
// fixed number of shards (SHARD_COUNT) by a stable hash of their id, so the
// same id always lands in the same object, across restarts and deployments.
// Changing SHARD_COUNT would move users: it is part of the stored layout.

import { SHARD_COUNT } from '../constants.js';
import { shardStub } from '../stubs.js';

const encoder = new TextEncoder();

/**
 * The shard index (0 … SHARD_COUNT-1) of a user id: 32-bit FNV-1a over the
 * id's UTF-8 bytes. Stable by construction (no seed, no platform hash).
 */
export function shardIndexFor(userId) {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(userId)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % SHARD_COUNT;
}

/**
 * Groups `items` by the shard of `idOf(item)`. Returns a Map from shard
 * index to the items of that shard, in their original order.
 */
export function groupByShard(items, idOf) {
  const groups = new Map();
  for (const item of items) {
    const i = shardIndexFor(idOf(item));
    let group = groups.get(i);
    if (!group) groups.set(i, (group = []));
    group.push(item);
  }
  return groups;
}

/** Calls `fn(stub, i)` for every shard at once; resolves to the results in shard order. */
export function forEachShard(env, fn) {
  return Promise.all(Array.from({ length: SHARD_COUNT }, (_, i) => fn(shardStub(env, i), i)));
}
