// How a campaign's messages spread over its CampaignDispatch objects (the
// slices, named `${campaignKey}/${slice}`).
//
// A campaign with a rate limit has one slice, `paced` (one clock). Any other
// campaign has `count` numbered slices, "0" … "count-1", chosen from its
// audience: enough that no slice holds more than `sliceUsers` messages of a
// send, at most `maxSlices`. The audience a shard sees is its own users
// times SHARD_COUNT (users hash evenly over the shards), so every shard
// picks the count alone, without asking anyone. A message's slice is a
// stable hash of its user id modulo that count: the slice is stored with
// the message in the shard's outbox before it is handed over, so a restart
// never moves a message, and a repeated hand-off lands in the same object
// (which stores it once).
//
// Settings (worker vars; edge/miniflare.mjs sets the one-machine values for
// `npm start`, edge/wrangler.jsonc the Cloudflare ones):
//   HOOKCAST_SLICE_USERS        messages per slice before another is added
//   HOOKCAST_MAX_SLICES         slices per campaign at most (≤ MAX_SLICE_LIMIT)
//   HOOKCAST_SLICE_CONCURRENCY  attempts in flight per slice object

import { PACED_SLICE, SHARD_COUNT } from '../constants.js';

/** The largest slice count a setting may ask for (delivery ids hold up to 4 digits of slice). */
export const MAX_SLICE_LIMIT = 4096;

/** Defaults when a var is not set: the Cloudflare shape (many objects, 6 connections each). */
export const SLICE_DEFAULTS = Object.freeze({ sliceUsers: 10_000, maxSlices: 256, concurrency: 6 });

function intVar(env, name, fallback, max) {
  const raw = env?.[name];
  if (raw === undefined || raw === null || String(raw).trim() === '') return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}

/** { sliceUsers, maxSlices, concurrency } from the worker's vars (an invalid value: its default). */
export function sliceSettings(env) {
  return {
    sliceUsers: intVar(env, 'HOOKCAST_SLICE_USERS', SLICE_DEFAULTS.sliceUsers, 1e9),
    maxSlices: intVar(env, 'HOOKCAST_MAX_SLICES', SLICE_DEFAULTS.maxSlices, MAX_SLICE_LIMIT),
    concurrency: intVar(env, 'HOOKCAST_SLICE_CONCURRENCY', SLICE_DEFAULTS.concurrency, 256),
  };
}

/** Slices for a send to about `audience` users: ceil(audience / sliceUsers), 1 … maxSlices. */
export function sliceCount(audience, { sliceUsers, maxSlices }) {
  return Math.max(1, Math.min(maxSlices, Math.ceil(audience / sliceUsers)));
}

/** The audience a shard holding `shardUsers` users sees: its share times the shard count. */
export function audienceOf(shardUsers) {
  return shardUsers * SHARD_COUNT;
}

const encoder = new TextEncoder();

/**
 * The slice (0 … count-1) of a user id: 32-bit FNV-1a over its UTF-8 bytes
 * with murmur3's final mix, so it does not follow the shard index (plain
 * FNV-1a modulo SHARD_COUNT): a shard's users spread over every slice.
 */
export function sliceFor(userId, count) {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(userId)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % count;
}

/** Whether `name` can be a slice: "paced" or a number 0 … MAX_SLICE_LIMIT-1 written plainly. */
export function isSliceName(name) {
  if (name === PACED_SLICE) return true;
  return /^(0|[1-9]\d{0,3})$/.test(name) && Number(name) < MAX_SLICE_LIMIT;
}

/** Slice names in the order pages walk them: numbered ones ascending, then `paced`. */
export function sliceOrder(names) {
  const numbered = names
    .filter((n) => n !== PACED_SLICE)
    .map(Number)
    .sort((a, b) => a - b)
    .map(String);
  return names.includes(PACED_SLICE) ? [...numbered, PACED_SLICE] : numbered;
}
