// What GET /v1/properties lists: the property names seen so far, with their
// JSON type and an example value. Ingestion folds each batch into the
// distinct (name, type) pairs it holds (not one entry per item); a user shard
// stores a pair once, with the first example seen, in the same transaction
// as the rows, and skips pairs it already has without a statement.

/** Examples longer than this (as JSON) are shortened (strings) or left out (objects, arrays). */
const EXAMPLE_MAX_BYTES = 200;
/** A string example over the bound keeps this many characters and an ellipsis. */
const EXAMPLE_STRING_CHARS = 80;

/** The JSON type of a value: string, number, boolean, object, array or null. */
export function jsonType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The example stored for a value, as JSON text; null when it is too large to be useful. */
export function exampleOf(value) {
  const text = JSON.stringify(value);
  if (text.length <= EXAMPLE_MAX_BYTES) return text;
  if (typeof value === 'string') return JSON.stringify(`${value.slice(0, EXAMPLE_STRING_CHARS)}…`);
  return null;
}

/**
 * Adds the top-level properties of one object to `into`, a Map keyed by
 * `name \u0000 type` of { name, type, example }. The first example is kept.
 */
export function foldProperties(properties, into) {
  for (const name in properties) {
    const value = properties[name];
    const type = jsonType(value);
    const k = `${name}\u0000${type}`;
    if (!into.has(k)) into.set(k, { name, type, example: exampleOf(value) });
  }
}

/**
 * Merges per-shard lists of { name, type, example } into one entry per
 * name, sorted by name. A name seen with several types takes the type most
 * shards have seen (ties: the first shard's) and lists them all in `types`.
 */
export function mergeNamed(lists) {
  const byName = new Map();
  for (const list of lists) {
    for (const e of list) {
      let types = byName.get(e.name);
      if (!types) byName.set(e.name, (types = new Map()));
      const t = types.get(e.type);
      if (t) {
        t.shards++;
        t.example ??= e.example;
      } else {
        types.set(e.type, { shards: 1, example: e.example });
      }
    }
  }
  const out = [];
  for (const [name, types] of byName) {
    const ranked = [...types].sort((a, b) => b[1].shards - a[1].shards);
    const [type, best] = ranked[0];
    const entry = { name, type, example: best.example === null ? null : JSON.parse(best.example) };
    if (ranked.length > 1) entry.types = ranked.map(([t]) => t);
    out.push(entry);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
