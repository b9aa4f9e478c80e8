// Schedules in each user's time zone through `npm start` (the test clock's
// worker, a real sink on 127.0.0.1): `send.timeZone: "user"` reaches each
// user at `at` in the zone of their `timezone` property (else the
// fallback), and a one-time schedule started after some users' instants
// skips them as suppressed.schedule_passed.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink } from './edge_helpers.mjs';
import { KillableStart } from './helpers/npm_start.mjs';
import { apiClient, until } from './helpers/api_client.mjs';
import { CLOCK_WORKER, testClock } from './helpers/test_clock.mjs';
import { instantOf, toLocalText } from '../../src/js/timezone.js';

/** The instant clocks in `zone` show the local date-time `at` (YYYY-MM-DDTHH:mm). */
const zonedToUtcMs = (at, zone) => instantOf(Date.parse(`${at}:00Z`), zone);

const KEY = 'user-zones-key-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = new KillableStart({ key: KEY, prefix: 'hookcast-user-zones-' });
let sink = null;
after(async () => {
  server.dispose();
  await sink?.close();
});

let origin = null;
const { call, api } = apiClient(() => origin, KEY);
const clock = testClock(call);

const ZONES = { seoul: 'Asia/Seoul', berlin: null, newyork: 'America/New_York' }; // berlin: no property, the fallback
const FALLBACK = 'Europe/Berlin';
const zoneOf = (u) => ZONES[u] ?? FALLBACK;

async function campaignTo(title, at) {
  const { campaign } = await api('POST', '/v1/campaigns', {
    title,
    webhook: { url: `${sink.origin}/z/{{ user.id }}/${title}`, method: 'POST', body: '{}' },
    target: { allUsers: true },
    send: { type: 'schedule', at, timeZone: 'user', fallbackTimeZone: FALLBACK },
    rateLimit: { perMinute: 6000 }, // one dispatch object ('paced') whose alarm the clock moves
  });
  assert.equal(campaign.send.timeZone, 'user');
  return campaign.key;
}

async function deliveredTo(key) {
  const { deliveries } = await api('GET', `/v1/campaigns/${key}/deliveries?state=delivered`);
  return new Map(deliveries.map((d) => [d.userId, Date.parse(d.attempts[0].startedAt)]));
}

it(
  'users in three zones get a "user" schedule at their local 09:00; a late start skips the passed ones',
  { timeout: 180_000 },
  async () => {
    sink = await startSink((req, res) => {
      res.writeHead(200);
      res.end();
    });
    origin = await server.start({ HOOKCAST_TEST_WORKER: CLOCK_WORKER });
    await api('POST', '/v1/users', {
      users: Object.entries(ZONES).map(([id, tz]) => ({
        id,
        properties: tz ? { timezone: tz } : { timezone: 'Not/AZone' },
      })),
    });
    // Shape: "user" needs a fallback zone, and a known one.
    const bad = await call('POST', '/v1/campaigns', {
      title: 'x',
      send: { type: 'schedule', at: '2030-01-01T09:00', timeZone: 'user' },
    });
    assert.equal(bad.status, 400);
    assert.ok(bad.json.problems.some((p) => p.field === 'send.fallbackTimeZone'));
    const badZone = await call('POST', '/v1/campaigns', {
      title: 'x',
      send: {
        type: 'schedule',
        at: '2030-01-01T09:00',
        timeZone: 'user',
        fallbackTimeZone: 'Mars/Base',
      },
    });
    assert.equal(badZone.status, 400);
    assert.ok(
      badZone.json.problems.some(
        (p) => p.field === 'send.fallbackTimeZone' && p.code === 'unknown_time_zone',
      ),
    );

    // 09:00 local, two days from now (UTC date): every zone's instant is ahead.
    const now = await clock.now();
    const day = new Date(now + 2 * 86_400_000).toISOString().slice(0, 10);
    const at = `${day}T09:00`;
    const expected = Object.fromEntries(
      Object.keys(ZONES).map((u) => [u, zonedToUtcMs(at, zoneOf(u))]),
    );
    const key = await campaignTo('nine', at);
    const started = (await api('POST', `/v1/campaigns/${key}/start`)).campaign;
    const runAt = Date.parse(started.nextRunAt);
    assert.equal(
      runAt,
      zonedToUtcMs(at, 'Etc/GMT-14'),
      'the run starts where 09:00 comes first (UTC+14)',
    );
    assert.ok(runAt < Math.min(...Object.values(expected)));

    const slices = [[key, 'paced']];
    await clock.advancePast(runAt);
    await clock.workspaceAlarmDone();
    const stats = await until('the run hands every user to the dispatcher', async () => {
      const s = await api('GET', `/v1/campaigns/${key}/stats`);
      return s.targeted === 3 ? s : null;
    });
    assert.equal(stats.pending, 3);
    assert.equal(stats.delivered, 0);

    // In order of their instants: nobody a minute early, each at their 09:00.
    const order = Object.keys(ZONES).sort((a, b) => expected[a] - expected[b]);
    for (const [i, user] of order.entries()) {
      await clock.advance(expected[user] - 60_000 - (await clock.now()), slices);
      await sleep(1000);
      assert.equal((await deliveredTo(key)).has(user), false, `${user}: not a minute early`);
      await clock.advance(61_000, slices);
      const got = await until(`${user} at 09:00 ${zoneOf(user)}`, async () => {
        const d = await deliveredTo(key);
        return d.has(user) ? d : null;
      });
      assert.equal(got.size, i + 1, `only the zones due so far: ${[...got.keys()]}`);
      const lag = got.get(user) - expected[user];
      assert.ok(
        lag >= 0 && lag < 60_000,
        `${user}: sent ${lag} ms after their 09:00 (tolerance 1 min)`,
      );
      assert.equal(toLocalText(got.get(user), zoneOf(user)).slice(11, 16), '09:00');
    }

    // A one-time schedule started after Seoul's instant but before the others': Seoul is skipped.
    const nowLate = await clock.now();
    const lateAt = toLocalText(nowLate - 2 * 3_600_000, 'Asia/Seoul').slice(0, 16);
    const lateExpected = Object.fromEntries(
      Object.keys(ZONES).map((u) => [u, zonedToUtcMs(lateAt, zoneOf(u))]),
    );
    const passed = Object.keys(ZONES).filter((u) => lateExpected[u] < nowLate);
    assert.ok(passed.includes('seoul') && passed.length < 3, JSON.stringify({ lateAt, passed }));
    const late = await campaignTo('late', lateAt);
    await api('POST', `/v1/campaigns/${late}/start`);
    await clock.workspaceAlarmDone();
    const lateStats = await until('the late run is taken', async () => {
      const s = await api('GET', `/v1/campaigns/${late}/stats`);
      return s.targeted === 3 ? s : null;
    });
    assert.equal(lateStats.suppressed.schedule_passed, passed.length);
    assert.equal(lateStats.sent, 3 - passed.length);
    assert.equal(
      lateStats.targeted,
      lateStats.sent + Object.values(lateStats.suppressed).reduce((a, b) => a + b, 0),
    );
  },
);
