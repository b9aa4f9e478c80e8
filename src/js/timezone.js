// Time-zone arithmetic for schedules: a local wall-clock date-time in an IANA
// time zone to an instant (ms since the epoch), and the next occurrence of a
// daily or weekly repeat in local wall time. The runtime's Intl (ICU's time-zone
// database) is the only source of offsets; this is the one place hookcast does
// time-zone arithmetic (the worker's schedules and the dashboard both use it).
//
// Wall times that do not exist or exist twice (DST changes) resolve as
// Temporal's "compatible" disambiguation and RFC 5545 do:
//   * a gap (spring forward: 02:30 on 2026-03-08 in America/New_York never
//     shows on a clock) moves forward by the length of the gap (03:30 EDT),
//     so a message is never sent before the time the marketer asked for;
//   * an overlap (fall back: 01:30 on 2026-11-01 in New York shows twice)
//     takes the earlier of the two instants (01:30 EDT, not 01:30 EST).
// A repeat keeps the local wall time ("every day at 09:00 Seoul" or "every
// Monday 09:00 New York" stays at 09:00 across DST changes), each occurrence
// resolved by the same rule.

/**
 * No schedule instant is at or after this (2100-01-02T00:00Z): the core
 * refuses schedule dates from 2100 on (its kLastScheduleInstantMs), and a
 * repeat whose next occurrence would fall past it has no next occurrence.
 * Far inside what runtimes compute with (workerd's alarms stop at 2189).
 */
export const LAST_SCHEDULE_INSTANT_MS = Date.UTC(2100, 0, 2);

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const DAY_MS = 86_400_000;

/** Formatters per zone: building one costs far more than using it. */
const formatters = new Map();

function formatterFor(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * True when `zone` names an IANA time zone this runtime knows (e.g.
 * "Asia/Seoul", "UTC"). Offsets like "+09:00" and abbreviations like "KST" are
 * not time zones here: a schedule needs the zone's rules, not one offset.
 */
export function isTimeZone(zone) {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return false;
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a local date-time `YYYY-MM-DDTHH:mm`, `YYYY-MM-DDTHH:mm:ss` or, with
 * `{ dateOnly: true }` allowed, `YYYY-MM-DD` (midnight). Returns
 * `{ year, month, day, hour, minute, second, hasTime }` or null when the text
 * is not one of those or names a date or time that does not exist on a
 * calendar (2026-02-30, 24:00).
 */
export function parseLocalDateTime(text, { dateOnly = false } = {}) {
  if (typeof text !== 'string') return null;
  const m = LOCAL_RE.exec(text);
  if (!m) return null;
  const hasTime = m[4] !== undefined;
  if (!hasTime && !dateOnly) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return { year, month, day, hour, minute, second, hasTime };
}

/** The wall-clock fields `instantMs` shows in `zone`, as if they were UTC (ms). */
function wallMs(instantMs, zone) {
  const parts = formatterFor(zone).formatToParts(new Date(instantMs));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  let year = get('year');
  if (parts.find((p) => p.type === 'era').value === 'BC') year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, get('month') - 1, get('day'));
  d.setUTCHours(get('hour'), get('minute'), get('second'), 0);
  return d.getTime();
}

/** The zone's UTC offset at `instantMs`, in ms (Seoul: +9 h). Whole seconds. */
export function offsetMs(instantMs, zone) {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallMs(whole, zone) - whole;
}

function partsToWallMs(p) {
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute, p.second, 0);
  return d.getTime();
}

/**
 * The instant (ms since the epoch) at which clocks in `zone` show the local
 * date-time `local` (text as parseLocalDateTime reads it, or its parts).
 * DST gaps move forward by the gap, overlaps take the earlier instant (see
 * the file comment). Throws RangeError for an unknown zone or a bad date-time.
 */
export function zonedToUtcMs(local, zone, { dateOnly = false } = {}) {
  const parts = typeof local === 'string' ? parseLocalDateTime(local, { dateOnly }) : local;
  if (!parts) throw new RangeError(`not a local date-time (YYYY-MM-DDTHH:mm[:ss]): ${JSON.stringify(local)}`);
  if (!isTimeZone(zone)) throw new RangeError(`unknown time zone: ${JSON.stringify(zone)}`);
  return wallToInstant(partsToWallMs(parts), zone);
}

/**
 * Resolves a wall time (its fields as UTC ms) in `zone`. The offsets a day
 * before and a day after bracket any single transition near the wall time;
 * every candidate whose wall clock matches is a real instant (two in an
 * overlap: take the earlier). None matching means a gap: keep the offset in
 * force before it, which lands the gap's length later on the clock.
 */
function wallToInstant(wall, zone) {
  const before = offsetMs(wall - DAY_MS, zone);
  const after = offsetMs(wall + DAY_MS, zone);
  const candidates = [...new Set([wall - before, wall - after])].sort((a, b) => a - b);
  for (const t of candidates) if (wallMs(t, zone) === wall) return t;
  // Both offsets failed: a transition between them hides a third one (rare,
  // e.g. two changes within two days); ask the zone at the wall time itself.
  const at = wall - offsetMs(wall, zone);
  if (wallMs(at, zone) === wall) return at;
  return wall - before;
}

/** `parts` moved by `days` calendar days, time of day unchanged. */
function addDays(parts, days) {
  const d = new Date(0);
  d.setUTCFullYear(parts.year, parts.month - 1, parts.day + days);
  return { ...parts, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant of a repeat's `until` (inclusive). A date-time is that local
 * time; a date alone means "through that day" (until the next local midnight,
 * exclusive). null when there is no `until`.
 */
export function untilMs(until, zone) {
  if (until === undefined || until === null) return null;
  const parts = parseLocalDateTime(until, { dateOnly: true });
  if (!parts) throw new RangeError(`not a local date or date-time: ${JSON.stringify(until)}`);
  if (parts.hasTime) return zonedToUtcMs(parts, zone);
  return zonedToUtcMs(addDays(parts, 1), zone) - 1;
}

/**
 * Occurrence `n` (0 = the first, `at` itself) of a schedule: the wall time
 * `at` moved by n × every days or weeks, resolved in `zone`.
 */
export function occurrenceMs(at, zone, repeat, n) {
  const parts = parseLocalDateTime(at);
  if (!parts) throw new RangeError(`not a local date-time (YYYY-MM-DDTHH:mm[:ss]): ${JSON.stringify(at)}`);
  const step = repeat ? repeat.every * (repeat.unit === 'weeks' ? 7 : 1) : 0;
  return zonedToUtcMs(addDays(parts, n * step), zone);
}

/**
 * The first occurrence of a schedule strictly after `afterMs`, or null when
 * there is none (no repeat and `at` is not after it; or past `until`).
 * `send` is `{ at, timeZone, repeat?: { every, unit: 'days'|'weeks', until? } }`.
 * Missed occurrences are skipped, not caught up: the answer is after `afterMs`.
 */
export function nextOccurrenceMs(send, afterMs) {
  const { at, timeZone, repeat } = send;
  const first = occurrenceMs(at, timeZone, repeat, 0);
  const last = repeat ? untilMs(repeat.until, timeZone) : null;
  let found = null;
  if (first > afterMs) {
    found = first;
  } else if (repeat) {
    const stepMs = repeat.every * (repeat.unit === 'weeks' ? 7 : 1) * DAY_MS;
    // A DST change moves an occurrence by at most a few hours: start two
    // steps early and walk forward.
    let n = Math.max(0, Math.floor((afterMs - first) / stepMs) - 1);
    for (;;) {
      const t = occurrenceMs(at, timeZone, repeat, n);
      if (t > afterMs) {
        found = t;
        break;
      }
      if (t >= LAST_SCHEDULE_INSTANT_MS) break;
      n++;
    }
  }
  if (found === null || (last !== null && found > last) || found >= LAST_SCHEDULE_INSTANT_MS) return null;
  return found;
}

/**
 * The local wall-clock text (`YYYY-MM-DDTHH:mm:ss`) of `instantMs` in `zone`:
 * what a schedule shows back to a person ("the next run is 09:00 Seoul").
 */
export function toLocalText(instantMs, zone) {
  return new Date(wallMs(instantMs, zone)).toISOString().slice(0, 19);
}
