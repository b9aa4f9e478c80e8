// Time-zone conversion for schedules: a local wall-clock date-time in an IANA
// time zone to an instant (ms since the epoch), and back. The runtime's Intl
// (ICU's time-zone database) is the only source of offsets; this is the one
// place hookcast converts (the worker's schedules and the dashboard both use
// it). Stepping a repeat and ending it at `until` ("a date means through that
// day") are the engine's (engine.scheduleOccurrences answers wall times):
// this file only places those wall times in the zone.
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

/**
 * The instant (ms since the epoch) at which clocks in `zone` show the local
 * date-time `local` (`YYYY-MM-DDTHH:mm[:ss]`, read by the engine's one
 * parser: engine.localWallMs). DST gaps move forward by the gap, overlaps
 * take the earlier instant (see the file comment). Throws RangeError for an
 * unknown zone or a bad date-time.
 */
export function zonedToUtcMs(engine, local, zone) {
  const wall = engine.localWallMs(local);
  if (wall === null)
    throw new RangeError(`not a local date-time (YYYY-MM-DDTHH:mm[:ss]): ${JSON.stringify(local)}`);
  return instantOf(wall, zone);
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

/**
 * The instant at which clocks in `zone` show the wall time `wall` (the local
 * clock's fields as UTC milliseconds, as engine.scheduleOccurrences answers
 * them), by the gap and overlap rules above; a fraction of a second is kept.
 * Throws RangeError for an unknown zone.
 */
export function instantOf(wall, zone) {
  if (!isTimeZone(zone)) throw new RangeError(`unknown time zone: ${JSON.stringify(zone)}`);
  const second = Math.floor(wall / 1000) * 1000;
  return wallToInstant(second, zone) + (wall - second);
}

/**
 * The first instant of a schedule send and the instant its `until` ends
 * (null without one): the engine's wall times placed in `send.timeZone`.
 * Throws (HookcastError `invalid_send`, or RangeError for the zone) when the
 * send is not a schedule whose times read.
 */
export function scheduleInstants(engine, send) {
  const { atWallMs, untilWallMs } = engine.scheduleOccurrences(send, -Infinity, 0);
  return {
    firstMs: instantOf(atWallMs, send.timeZone),
    untilMs: untilWallMs === null ? null : instantOf(untilWallMs, send.timeZone),
  };
}

/**
 * The first occurrence of a schedule send strictly after `afterMs`, or null
 * when there is none (no repeat and `at` is not after it; or past `until`).
 * The engine steps the wall clock; a DST change moves an occurrence by at
 * most a day, so it is asked from two days of wall time before `afterMs`.
 * Missed occurrences are skipped, not caught up.
 */
export function nextOccurrenceMs(engine, send, afterMs) {
  const zone = send.timeZone;
  const from = Number.isFinite(afterMs) ? wallMs(afterMs, zone) - 2 * DAY_MS : afterMs;
  for (const wall of engine.scheduleOccurrences(send, from, 8).occurrences) {
    const t = instantOf(wall, zone);
    if (t > afterMs) return t >= LAST_SCHEDULE_INSTANT_MS ? null : t;
  }
  return null;
}

/**
 * The local wall-clock text (`YYYY-MM-DDTHH:mm:ss`) of `instantMs` in `zone`:
 * what a schedule shows back to a person ("the next run is 09:00 Seoul").
 */
export function toLocalText(instantMs, zone) {
  return new Date(wallMs(instantMs, zone)).toISOString().slice(0, 19);
}

const TIME_OF_DAY_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of a time of day `HH:mm` (00:00–23:59), or null. */
export function parseTimeOfDay(text) {
  const m = typeof text === 'string' ? TIME_OF_DAY_RE.exec(text) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/**
 * Quiet hours: `quiet` is `{ start: "21:00", end: "08:00" }` (local times of
 * day; start after end spans midnight; start equal to end is no quiet
 * hours). When `instantMs` is inside them in `zone`, answers the instant
 * they end (the next local `end`; a DST gap moves it forward as any wall
 * time here); otherwise null. Inside means start ≤ local time < end.
 */
export function quietHoursEndMs(instantMs, quiet, zone) {
  const start = parseTimeOfDay(quiet?.start);
  const end = parseTimeOfDay(quiet?.end);
  if (start === null || end === null || start === end) return null;
  const wall = wallMs(instantMs, zone);
  const minute = (((wall % DAY_MS) + DAY_MS) % DAY_MS) / 60_000;
  const overnight = start > end;
  const inside = overnight ? minute >= start || minute < end : minute >= start && minute < end;
  if (!inside) return null;
  const midnight = wall - minute * 60_000;
  const endWall = midnight + end * 60_000 + (overnight && minute >= start ? DAY_MS : 0);
  return instantOf(endWall, zone);
}

/**
 * A schedule with `timeZone: "user"` reaches each user at `at` in their own
 * zone. Its runs are timed in the earliest zone on Earth (UTC+14, where a
 * wall time comes first) and span until the latest (UTC−12), 26 hours later.
 */
export const EARLIEST_ZONE = 'Etc/GMT-14';
export const LATEST_ZONE = 'Etc/GMT+12';
export const USER_ZONE_SPAN_MS = 26 * 3_600_000;

/** `send` (a schedule) placed in one zone: what the engine's schedule rules read. */
export function sendInZone(send, zone) {
  const { fallbackTimeZone: _fallback, ...rest } = send;
  return { ...rest, timeZone: zone };
}

/**
 * A "user" schedule: the run instant (in EARLIEST_ZONE) of the first
 * occurrence that some zone still has ahead after `afterMs` (its UTC−12
 * instant is after it), or null when none is left. The run may be in the
 * past (started mid-span): it runs at once, and the users whose own
 * instant has passed are the shards' to skip.
 */
export function nextUserZoneRunMs(engine, send, afterMs) {
  const latest = nextOccurrenceMs(engine, sendInZone(send, LATEST_ZONE), afterMs);
  return latest === null ? null : latest - USER_ZONE_SPAN_MS;
}

/** The instant the occurrence whose run is `runMs` (nextUserZoneRunMs) reaches a user in `zone`. */
export function userOccurrenceMs(runMs, zone) {
  return instantOf(wallMs(runMs, EARLIEST_ZONE), zone);
}
