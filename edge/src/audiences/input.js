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

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/i;

/**
 * Parses an event's `at`: ISO 8601 / RFC 3339 date and time with seconds
 * optional, a fraction optional (kept to the millisecond) and a UTC offset
 * required (`Z` or `±HH:MM`), years 1970–9999. Returns { ms } or { problem }.
 */
export function parseAt(value, field) {
  const bad = (code, why) => ({ problem: problem(field, code, why) });
  if (typeof value !== 'string') return bad('invalid_type', `${field} must be an ISO 8601 date and time string such as "2026-11-30T09:15:00Z".`);
  const m = ISO_RE.exec(value);
  if (!m) {
    return bad('invalid_time', `${field} "${value.slice(0, 60)}" is not an ISO 8601 date and time with an offset, such as "2026-11-30T09:15:00Z" or "2026-11-30T18:15:00+09:00".`);
  }
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const milli = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  // Day 0 of the next month is the last day of this one (years here are ≥ 1970, so Date.UTC reads them as given).
  const monthDays = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  const offsetHours = m[9] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[9] === undefined ? 0 : Number(m[11]);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return bad('invalid_time', `${field} "${value}" is not a real date and time (years 1970–9999).`);
  }
  const sign = m[9] === '-' ? -1 : 1;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, milli) - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return { ms };
}
