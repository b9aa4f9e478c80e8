// What GET /v1/properties lists: the property names seen so far, with their
// JSON type and an example value. Ingestion folds each batch into a small
// delta (one entry per distinct name and type, not per item) that the user
// shard adds to its summary tables in the same transaction as the rows.

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
 * `name \u0000 type` of { name, type, seen, example }. The first example
 * seen is kept.
 */
export function foldProperties(properties, into) {
  for (const name in properties) {
    const value = properties[name];
    const type = jsonType(value);
    const k = `${name}\u0000${type}`;
    const entry = into.get(k);
    if (entry) entry.seen++;
    else into.set(k, { name, type, seen: 1, example: exampleOf(value) });
  }
}

/**
 * Merges per-shard lists of { name, type, seen, example } into one entry per
 * name: the type seen most often (ties: the first in shard order) with an
 * example of that type. Sorted by name.
 */
export function mergeNamed(lists) {
  const byName = new Map();
  for (const list of lists) {
    for (const e of list) {
      let types = byName.get(e.name);
      if (!types) byName.set(e.name, (types = new Map()));
      const t = types.get(e.type);
      if (t) {
        t.seen += e.seen;
        t.example ??= e.example;
      } else {
        types.set(e.type, { seen: e.seen, example: e.example });
      }
    }
  }
  const out = [];
  for (const [name, types] of byName) {
    let best = null;
    for (const [type, t] of types) if (!best || t.seen > best.seen) best = { type, ...t };
    out.push({ name, type: best.type, example: best.example === null ? null : JSON.parse(best.example) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
