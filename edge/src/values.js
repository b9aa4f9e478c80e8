// Small predicates over parsed JSON values that every room of the worker uses.

/** True for a JSON object: not null, not an array (what every body and most members must be). */
export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
