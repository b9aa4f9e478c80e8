// Shape checks of POST /v1/users and POST /v1/events items: ids, event
// keys, properties within the bounds (audiences/bounds.js), `at` times.
// Each check answers problems naming the item's field (`users[3].id`,
// `events[0].at`); the route refuses the whole call if there is any.

import { isObject } from '../http/plumbing.js';
import { problem } from '../http/errors.js';
import { MAX_ID_BYTES, MAX_PROPERTY_DEPTH, utf8Length, propertiesSizeProblem } from './bounds.js';

/**
 * Problems with an id-like string (a user id, an event key): a non-empty,
 * well-formed string of at most MAX_ID_BYTES UTF-8 bytes.
 */
export function idProblems(value, field, what) {
  if (value === undefined) return [problem(field, 'required', `Each item needs ${what}.`)];
  if (typeof value !== 'string') return [problem(field, 'invalid_type', `${what} must be a string, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}.`)];
  if (value.length === 0) return [problem(field, 'empty', `${what} must not be empty.`)];
  if (!value.isWellFormed()) return [problem(field, 'invalid_text', `${what} contains an unpaired UTF-16 surrogate (it cannot be stored as UTF-8).`)];
  const bytes = utf8Length(value);
  if (bytes > MAX_ID_BYTES) return [problem(field, 'too_long', `${what} is ${bytes} bytes long; at most ${MAX_ID_BYTES} UTF-8 bytes.`)];
  return [];
}

/**
 * Problems with a user id: an id (idProblems) that a URL path can name, so
 * not "." or ".." (URL parsers resolve those segments away, escaped or not).
 */
export function userIdProblems(value, field) {
  const found = idProblems(value, field, 'A user id');
  if (found.length === 0 && (value === '.' || value === '..')) {
    found.push(problem(field, 'invalid_id', `A user id cannot be "${value}": GET /v1/users/${value} could not name it.`));
  }
  return found;
}

/** True when arrays and objects nest deeper than MAX_PROPERTY_DEPTH inside `value`. */
function tooDeep(value, depth) {
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_PROPERTY_DEPTH) return true;
  if (Array.isArray(value)) return value.some((v) => tooDeep(v, depth + 1));
  for (const k in value) if (tooDeep(value[k], depth + 1)) return true;
  return false;
}

/**
 * Checks a properties object (absent is allowed). Returns { problems, text }
 * where text is its JSON (null when absent).
 */
export function checkProperties(value, field) {
  if (value === undefined) return { problems: [], text: null };
  if (!isObject(value)) return { problems: [problem(field, 'invalid_type', `${field} must be a JSON object of name: value.`)], text: null };
  const problems = [];
  for (const name in value) {
    if (name.length === 0) problems.push(problem(field, 'invalid_property_name', 'A property name must not be empty.'));
    else if (!name.isWellFormed()) problems.push(problem(field, 'invalid_property_name', `Property name ${JSON.stringify(name)} contains an unpaired UTF-16 surrogate.`));
    else if (utf8Length(name) > MAX_ID_BYTES) problems.push(problem(field, 'invalid_property_name', `Property name "${name.slice(0, 40)}…" is longer than ${MAX_ID_BYTES} UTF-8 bytes.`));
    if (problems.length) return { problems, text: null };
  }
  if (tooDeep(value, 0)) {
    return { problems: [problem(field, 'too_deep', `Property values nest arrays and objects at most ${MAX_PROPERTY_DEPTH} levels deep.`)], text: null };
  }
  const text = JSON.stringify(value);
  const size = propertiesSizeProblem(value, field, text);
  return size ? { problems: [size], text: null } : { problems: [], text };
}

/**
 * Reads an event's `at` with the engine's rule (ISO 8601 with an offset,
 * years 1970–2099, a real date: engine.eventTime). Returns { ms } or
 * { problem } located at `field`.
 */
export function parseAt(engine, value, field) {
  const read = engine.eventTime(value, field);
  return read.ok ? { ms: read.ms } : { problem: read.problems[0] };
}
