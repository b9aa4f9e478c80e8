// Where a schedule with `timeZone: "user"` places one user: at `at` in the
// zone of their `timezone` property when it names an IANA zone, else in the
// schedule's fallbackTimeZone. The run (timed in the earliest zone on Earth,
// src/js/timezone.js) hands every shard its users at once; each message's
// not-before is that user's own instant, so it leaves its dispatch object
// at their local time (the dispatch alarm's own resolution: milliseconds).

import { isTimeZone, userOccurrenceMs } from '../../../src/js/timezone.js';

/** True when `snapshot`'s send is a schedule in each user's zone and `trigger` is one of its runs. */
export function isUserZoneRun(snapshot, trigger) {
  return (
    snapshot.send?.type === 'schedule' &&
    snapshot.send.timeZone === 'user' &&
    Number.isFinite(trigger.occurrenceMs)
  );
}

/** The zone a user's message is placed in: their `timezone` property, else the fallback. */
export function userZone(send, propertiesText) {
  let own = null;
  try {
    own = propertiesText ? JSON.parse(propertiesText)?.timezone : null;
  } catch {
    own = null;
  }
  return isTimeZone(own) ? own : send.fallbackTimeZone;
}

/**
 * { notBefore } for a user of a "user" run, or { passed: true } when their
 * instant of this occurrence came before the campaign started (a one-time
 * schedule then skips them as schedule_passed; a repeat reaches them at
 * the next occurrence, which is another run).
 */
export function placeUser(snapshot, trigger, propertiesText) {
  const at = userOccurrenceMs(trigger.occurrenceMs, userZone(snapshot.send, propertiesText));
  if (Number.isFinite(snapshot.startedAt) && at < snapshot.startedAt) return { passed: true };
  return { notBefore: at };
}
