// src/js/timezone.js: local date-time + IANA zone -> instant, DST gaps and
// overlaps; with the engine's stepping (engine.scheduleOccurrences), daily
// and weekly repeats across DST changes and `until`. Expected
// instants are written as UTC ISO text worked out from the zones' published
// rules (New York: EST -5 / EDT -4, Berlin: CET +1 / CEST +2, Seoul: +9, no DST).

import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  isTimeZone,
  zonedToUtcMs as zonedToUtc,
  offsetMs,
  nextOccurrenceMs as nextOccurrence,
  scheduleInstants,
  toLocalText,
} from '../../src/js/timezone.js';
import { createEngine } from '../../src/js/node.js';

const engine = await createEngine();
const zonedToUtcMs = (local, zone) => zonedToUtc(engine, local, zone);
const nextOccurrenceMs = (send, afterMs) =>
  nextOccurrence(engine, { type: 'schedule', ...send }, afterMs);
/** Occurrence n (0 = `at`) of a schedule, placed in its zone. */
function occurrenceMs(at, timeZone, repeat, n) {
  const send = { type: 'schedule', at, timeZone, repeat };
  let t = -Infinity;
  for (let i = 0; i <= n; i++) t = nextOccurrenceMs(send, t);
  return t;
}

const iso = (ms) => new Date(ms).toISOString();
const utc = (text) => Date.parse(text);

describe('zones', () => {
  it('knows IANA names and refuses the rest', () => {
    for (const z of [
      'Asia/Seoul',
      'America/New_York',
      'Europe/Berlin',
      'UTC',
      'America/Argentina/Buenos_Aires',
    ])
      assert.ok(isTimeZone(z), z);
    for (const z of [
      'Mars/Olympus',
      'KST',
      '',
      ' Asia/Seoul',
      'Asia/Seoul\n',
      42,
      null,
      '../etc/passwd',
    ])
      assert.equal(isTimeZone(z), false, String(z));
    assert.throws(() => zonedToUtcMs('2026-12-01T09:00', 'Mars/Olympus'), RangeError);
  });
});

describe('local date-times (the engine reads them: engine.localWallMs)', () => {
  it('reads minutes and optional seconds, refuses impossible dates and offsets', () => {
    assert.equal(engine.localWallMs('2026-12-01T09:00'), utc('2026-12-01T09:00:00Z'));
    assert.equal(engine.localWallMs('2026-12-01T09:00:07'), utc('2026-12-01T09:00:07Z'));
    for (const bad of [
      '2026-02-29T09:00',
      '2026-13-01T09:00',
      '2026-12-01T24:00',
      '2026-12-01 09:00',
      '2026-12-01T09:00Z',
      '2026-12-01',
      '',
    ]) {
      assert.equal(engine.localWallMs(bad), null, bad);
      assert.throws(() => zonedToUtcMs(bad, 'UTC'), RangeError, bad);
    }
    assert.equal(engine.localWallMs('2028-02-29T00:00'), utc('2028-02-29T00:00:00Z'), 'leap day');
  });
});

describe('zonedToUtcMs', () => {
  it('Asia/Seoul has no DST: always +09:00', () => {
    assert.equal(iso(zonedToUtcMs('2026-12-01T09:00', 'Asia/Seoul')), '2026-12-01T00:00:00.000Z');
    assert.equal(
      iso(zonedToUtcMs('2026-07-01T09:00:30', 'Asia/Seoul')),
      '2026-07-01T00:00:30.000Z',
    );
    assert.equal(iso(zonedToUtcMs('2027-01-01T00:00', 'Asia/Seoul')), '2026-12-31T15:00:00.000Z');
  });

  it('America/New_York: EST in winter, EDT in summer', () => {
    assert.equal(
      iso(zonedToUtcMs('2026-01-15T09:00', 'America/New_York')),
      '2026-01-15T14:00:00.000Z',
    );
    assert.equal(
      iso(zonedToUtcMs('2026-07-15T09:00', 'America/New_York')),
      '2026-07-15T13:00:00.000Z',
    );
  });

  it('America/New_York spring-forward gap: 02:30 does not exist, it moves to 03:30 EDT', () => {
    // 2026-03-08 02:00 EST -> 03:00 EDT.
    assert.equal(
      iso(zonedToUtcMs('2026-03-08T02:30', 'America/New_York')),
      '2026-03-08T07:30:00.000Z',
    );
    assert.equal(
      toLocalText(zonedToUtcMs('2026-03-08T02:30', 'America/New_York'), 'America/New_York'),
      '2026-03-08T03:30:00',
    );
    // Either side of the gap is exact.
    assert.equal(
      iso(zonedToUtcMs('2026-03-08T01:59', 'America/New_York')),
      '2026-03-08T06:59:00.000Z',
    );
    assert.equal(
      iso(zonedToUtcMs('2026-03-08T03:00', 'America/New_York')),
      '2026-03-08T07:00:00.000Z',
    );
  });

  it('America/New_York fall-back overlap: 01:30 happens twice, the earlier (EDT) is taken', () => {
    // 2026-11-01 02:00 EDT -> 01:00 EST.
    assert.equal(
      iso(zonedToUtcMs('2026-11-01T01:30', 'America/New_York')),
      '2026-11-01T05:30:00.000Z',
    );
    assert.equal(
      iso(zonedToUtcMs('2026-11-01T02:30', 'America/New_York')),
      '2026-11-01T07:30:00.000Z',
    );
  });

  it('Europe/Berlin: gap at 02:00 on the last Sunday of March, overlap at 02:00 on the last Sunday of October', () => {
    assert.equal(
      iso(zonedToUtcMs('2026-03-29T02:30', 'Europe/Berlin')),
      '2026-03-29T01:30:00.000Z',
      'gap: 03:30 CEST',
    );
    assert.equal(
      iso(zonedToUtcMs('2026-03-29T03:00', 'Europe/Berlin')),
      '2026-03-29T01:00:00.000Z',
    );
    assert.equal(
      iso(zonedToUtcMs('2026-10-25T02:30', 'Europe/Berlin')),
      '2026-10-25T00:30:00.000Z',
      'overlap: the CEST one',
    );
    assert.equal(
      iso(zonedToUtcMs('2026-10-25T03:00', 'Europe/Berlin')),
      '2026-10-25T02:00:00.000Z',
    );
    assert.equal(offsetMs(utc('2026-01-10T00:00:00Z'), 'Europe/Berlin'), 3_600_000);
    assert.equal(offsetMs(utc('2026-07-10T00:00:00Z'), 'Europe/Berlin'), 7_200_000);
  });

  it('every wall time of a DST day round-trips unless it falls in the gap', () => {
    for (const zone of ['America/New_York', 'Europe/Berlin']) {
      for (const day of ['2026-03-08', '2026-03-29', '2026-11-01', '2026-10-25']) {
        for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
          const local = `${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
          const t = zonedToUtcMs(local, zone);
          const back = toLocalText(t, zone);
          if (back !== `${local}:00`) {
            // Only a gap may move a time, and only forward by one hour.
            assert.equal(
              Date.parse(`${back}Z`) - Date.parse(`${local}:00Z`),
              3_600_000,
              `${zone} ${local} -> ${back}`,
            );
          }
        }
      }
    }
  });
});

describe('repeats', () => {
  const ny = {
    at: '2026-03-05T09:00',
    timeZone: 'America/New_York',
    repeat: { every: 1, unit: 'days' },
  };

  it('a daily 09:00 New York repeat stays at 09:00 local across the spring change (13:00Z after, 14:00Z before)', () => {
    const runs = [];
    let t = -Infinity;
    for (let i = 0; i < 6; i++) {
      t = nextOccurrenceMs(ny, t);
      runs.push(iso(t));
    }
    assert.deepEqual(runs, [
      '2026-03-05T14:00:00.000Z',
      '2026-03-06T14:00:00.000Z',
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
      '2026-03-10T13:00:00.000Z',
    ]);
  });

  it('a weekly Sunday 02:30 Berlin repeat resolves the gap day forward and the overlap day to the earlier instant', () => {
    const send = {
      at: '2026-03-22T02:30',
      timeZone: 'Europe/Berlin',
      repeat: { every: 1, unit: 'weeks' },
    };
    assert.equal(
      iso(occurrenceMs(send.at, send.timeZone, send.repeat, 0)),
      '2026-03-22T01:30:00.000Z',
    );
    assert.equal(
      iso(occurrenceMs(send.at, send.timeZone, send.repeat, 1)),
      '2026-03-29T01:30:00.000Z',
      '03:30 CEST',
    );
    assert.equal(
      iso(occurrenceMs(send.at, send.timeZone, send.repeat, 2)),
      '2026-04-05T00:30:00.000Z',
    );
    assert.equal(
      iso(occurrenceMs(send.at, send.timeZone, send.repeat, 31)),
      '2026-10-25T00:30:00.000Z',
      'the CEST 02:30',
    );
    assert.equal(
      iso(occurrenceMs(send.at, send.timeZone, send.repeat, 32)),
      '2026-11-01T01:30:00.000Z',
      'CET again',
    );
  });

  it('next occurrence is strictly after the given instant and skips missed ones', () => {
    const seoul = {
      at: '2026-12-01T09:00',
      timeZone: 'Asia/Seoul',
      repeat: { every: 2, unit: 'days' },
    };
    assert.equal(
      iso(nextOccurrenceMs(seoul, utc('2026-12-01T00:00:00Z'))),
      '2026-12-03T00:00:00.000Z',
    );
    assert.equal(
      iso(nextOccurrenceMs(seoul, utc('2026-12-01T00:00:00Z') - 1)),
      '2026-12-01T00:00:00.000Z',
    );
    assert.equal(
      iso(nextOccurrenceMs(seoul, utc('2026-12-20T05:00:00Z'))),
      '2026-12-21T00:00:00.000Z',
    );
  });

  it('a one-off schedule has no occurrence after its time', () => {
    const once = { at: '2026-12-01T09:00', timeZone: 'Asia/Seoul' };
    assert.equal(iso(nextOccurrenceMs(once, 0)), '2026-12-01T00:00:00.000Z');
    assert.equal(nextOccurrenceMs(once, utc('2026-12-01T00:00:00Z')), null);
  });

  it('until is inclusive: a date-time is that instant, a date means through that local day', () => {
    const withTime = {
      at: '2026-12-01T09:00',
      timeZone: 'Asia/Seoul',
      repeat: { every: 1, unit: 'days', until: '2026-12-03T09:00' },
    };
    assert.equal(
      iso(nextOccurrenceMs(withTime, utc('2026-12-02T00:00:00Z'))),
      '2026-12-03T00:00:00.000Z',
    );
    assert.equal(nextOccurrenceMs(withTime, utc('2026-12-03T00:00:00Z')), null);
    const withDate = { ...withTime, repeat: { every: 1, unit: 'days', until: '2026-12-03' } };
    assert.equal(
      iso(nextOccurrenceMs(withDate, utc('2026-12-02T00:00:00Z'))),
      '2026-12-03T00:00:00.000Z',
    );
    assert.equal(nextOccurrenceMs(withDate, utc('2026-12-03T00:00:00Z')), null);
    assert.equal(
      iso(scheduleInstants(engine, { type: 'schedule', ...withDate }).untilMs),
      '2026-12-03T14:59:59.999Z',
    );
    assert.equal(
      iso(scheduleInstants(engine, { type: 'schedule', ...withTime }).untilMs),
      '2026-12-03T00:00:00.000Z',
    );
    assert.equal(
      scheduleInstants(engine, { type: 'schedule', ...withTime, repeat: null }).untilMs,
      null,
    );
    assert.equal(
      iso(scheduleInstants(engine, { type: 'schedule', ...withTime }).firstMs),
      '2026-12-01T00:00:00.000Z',
    );
  });

  it('far occurrences are found without walking every step', () => {
    const daily = {
      at: '2026-01-01T09:00',
      timeZone: 'Europe/Berlin',
      repeat: { every: 1, unit: 'days' },
    };
    assert.equal(
      iso(nextOccurrenceMs(daily, utc('2036-06-15T12:00:00Z'))),
      '2036-06-16T07:00:00.000Z',
    );
  });
});

it('quiet hours: inside answers when they end (overnight, same day, a DST gap); outside answers null', async () => {
  const { quietHoursEndMs, parseTimeOfDay } = await import('../../src/js/timezone.js');
  const night = { start: '21:00', end: '08:00' };
  // 22:30 in Seoul (UTC+9) → 08:00 the next morning.
  assert.equal(
    quietHoursEndMs(Date.parse('2026-12-01T13:30:00Z'), night, 'Asia/Seoul'),
    Date.parse('2026-12-01T23:00:00Z'),
  );
  // 05:30 the next morning → 08:00 that morning.
  assert.equal(
    quietHoursEndMs(Date.parse('2026-12-01T20:30:00Z'), night, 'Asia/Seoul'),
    Date.parse('2026-12-01T23:00:00Z'),
  );
  // 12:30 and exactly 08:00 are outside; 21:00 is inside.
  assert.equal(quietHoursEndMs(Date.parse('2026-12-01T03:30:00Z'), night, 'Asia/Seoul'), null);
  assert.equal(quietHoursEndMs(Date.parse('2026-12-01T23:00:00Z'), night, 'Asia/Seoul'), null);
  assert.equal(
    quietHoursEndMs(Date.parse('2026-12-01T12:00:00Z'), night, 'Asia/Seoul'),
    Date.parse('2026-12-01T23:00:00Z'),
  );
  // A same-day window: 12:00–14:00 UTC.
  assert.equal(
    quietHoursEndMs(Date.parse('2026-12-01T13:00:00Z'), { start: '12:00', end: '14:00' }, 'UTC'),
    Date.parse('2026-12-01T14:00:00Z'),
  );
  assert.equal(
    quietHoursEndMs(Date.parse('2026-12-01T15:00:00Z'), { start: '12:00', end: '14:00' }, 'UTC'),
    null,
  );
  // An end inside New York's spring-forward gap (02:30 on 2026-03-08) moves forward by the gap: 03:30 EDT.
  assert.equal(
    quietHoursEndMs(
      Date.parse('2026-03-08T06:30:00Z'),
      { start: '01:00', end: '02:30' },
      'America/New_York',
    ),
    Date.parse('2026-03-08T07:30:00Z'),
  );
  // Start equal to end, or a bad time: no quiet hours.
  assert.equal(
    quietHoursEndMs(Date.parse('2026-12-01T13:30:00Z'), { start: '21:00', end: '21:00' }, 'UTC'),
    null,
  );
  assert.equal(parseTimeOfDay('24:00'), null);
  assert.equal(parseTimeOfDay('07:05'), 425);
});
