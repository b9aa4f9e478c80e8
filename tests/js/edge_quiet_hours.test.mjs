// Quiet hours through `npm start` (the test clock's worker, a real sink on
// 127.0.0.1): a message whose dispatch falls inside the user's quiet hours
// waits, pending (GET /v1/campaigns/:key/waiting), across a SIGKILL + restart,
// and goes out when they end; a user outside them, a campaign that did not
// opt in and a test send go at once.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSink } from './edge_helpers.mjs';
import { KillableStart } from './helpers/npm_start.mjs';
import { apiClient, until } from './helpers/api_client.mjs';
import { CLOCK_WORKER, testClock } from './helpers/test_clock.mjs';

const KEY = 'quiet-hours-key-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = new KillableStart({ key: KEY, prefix: 'hookcast-quiet-' });
let sink = null;
after(async () => {
  server.dispose();
  await sink?.close();
});

let clockAhead = 0;
let origin = null;
const start = async () =>
  (origin = await server.start({
    HOOKCAST_TEST_WORKER: CLOCK_WORKER,
    HOOKCAST_TEST_CLOCK_OFFSET_MS: String(clockAhead),
  }));

const { call, api } = apiClient(() => origin, KEY);
const clock = testClock(call);
const waitingOf = async (key) => (await api('GET', `/v1/campaigns/${key}/waiting`)).waiting;

/** A fixed-offset zone (Etc/GMT∓N) whose local hour at `nowMs` is `hour` (0–23). */
function zoneAtHour(nowMs, hour) {
  for (let off = -12; off <= 14; off++) {
    const local = new Date(nowMs + off * 3_600_000).getUTCHours();
    if (local === hour) return off === 0 ? 'UTC' : `Etc/GMT${off > 0 ? '-' : '+'}${Math.abs(off)}`;
  }
  throw new Error(`no whole-hour zone at ${hour}:xx`);
}

const hitsOf = (user) => sink.hits.filter((h) => h.path.startsWith(`/q/${user}`));

it(
  'quiet hours: settings are checked; a user inside them waits (through SIGKILL) until they end; others and test sends go at once',
  { timeout: 180_000 },
  async () => {
    sink = await startSink((req, res) => {
      res.writeHead(200);
      res.end();
    });
    await start();
    await clock.freeze();
    const now = await clock.now();
    const night = zoneAtHour(now, 23); // inside 21:00–08:00: 9 h (and a bit) to go
    const day = zoneAtHour(now, 13);

    // The setting: off by default; bad bodies are 400 with located problems and store nothing.
    assert.deepEqual(await api('GET', '/v1/settings/quiet-hours'), {});
    for (const [body, field] of [
      [{ start: '25:00', end: '08:00', timeZone: 'UTC' }, 'start'],
      [{ start: '21:00', end: '21:00', timeZone: 'UTC' }, 'end'],
      [{ start: '21:00', end: '08:00', timeZone: 'user' }, 'fallbackTimeZone'],
      [{ start: '21:00', end: '08:00', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [
        { start: '21:00', end: '08:00', timeZone: 'UTC', fallbackTimeZone: 'UTC' },
        'fallbackTimeZone',
      ],
      [{ start: '21:00', end: '08:00', timeZone: 'UTC', sleep: true }, 'sleep'],
    ]) {
      const r = await call('PUT', '/v1/settings/quiet-hours', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(
        r.json.problems.some((p) => p.field === field),
        `${JSON.stringify(body)} -> ${JSON.stringify(r.json.problems)}`,
      );
    }
    assert.deepEqual(await api('GET', '/v1/settings/quiet-hours'), {});
    const setting = { start: '21:00', end: '08:00', timeZone: 'user', fallbackTimeZone: day };
    assert.deepEqual(await api('PUT', '/v1/settings/quiet-hours', setting), setting);
    assert.equal(
      (await call('POST', '/v1/campaigns', { title: 'x', quietHours: 'yes' })).status,
      400,
    );

    await api('POST', '/v1/users', {
      users: [
        { id: 'night', properties: { timezone: night } },
        { id: 'day', properties: { timezone: day } },
        { id: 'nozone', properties: {} }, // the fallback zone: day
      ],
    });
    const make = async (title, quietHours) => {
      const { campaign } = await api('POST', '/v1/campaigns', {
        title,
        webhook: { url: `${sink.origin}/q/{{ user.id }}/${title}`, method: 'POST', body: '{}' },
        target: { allUsers: true },
        send: { type: 'api' },
        rateLimit: { perMinute: 6000 }, // one slice ('paced') whose alarm the clock can move
        quietHours,
      });
      assert.equal(campaign.quietHours, quietHours);
      await api('POST', `/v1/campaigns/${campaign.key}/start`);
      return campaign.key;
    };
    const quiet = await make('quiet', true);
    const loud = await make('loud', false);
    await clock.unfreeze();
    await api('POST', `/v1/campaigns/${quiet}/send`, {
      recipients: [{ userId: 'night' }, { userId: 'day' }, { userId: 'nozone' }],
    });
    await api('POST', `/v1/campaigns/${loud}/send`, { recipients: [{ userId: 'night' }] });

    let stats = await until('the users outside quiet hours are delivered', async () => {
      const s = await api('GET', `/v1/campaigns/${quiet}/stats`);
      return s.delivered === 2 && (await waitingOf(quiet)).quietHours === 1 ? s : null;
    });
    assert.equal(stats.pending, 1);
    await until(
      'a campaign without the opt-in sends at once',
      async () => (await api('GET', `/v1/campaigns/${loud}/stats`)).delivered === 1,
    );
    const { deliveries } = await api('GET', `/v1/campaigns/${quiet}/deliveries?state=pending`);
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].userId, 'night');
    assert.equal(deliveries[0].waitingFor, 'quiet_hours');
    const endsAt = Date.parse(deliveries[0].notBefore);
    assert.equal(new Date(endsAt).getUTCMinutes(), 0, 'quiet hours end on the hour (08:00 local)');
    const hoursLeft = (endsAt - (await clock.now())) / 3_600_000;
    assert.ok(
      hoursLeft > 8 && hoursLeft <= 9,
      `08:00 in ${night} is 8–9 h after 23:xx: ${hoursLeft}`,
    );
    assert.equal(hitsOf('night').filter((h) => h.path.endsWith('/quiet')).length, 0);

    // A test send ignores quiet hours.
    await api('POST', `/v1/campaigns/${quiet}/test-send`, { userId: 'night' });
    assert.equal(hitsOf('night').filter((h) => h.path.endsWith('/quiet')).length, 1);

    // SIGKILL while it waits: still waiting after the restart, then sent when they end.
    clockAhead = await clock.ahead();
    server.kill();
    await start();
    stats = await api('GET', `/v1/campaigns/${quiet}/stats`);
    assert.equal(stats.pending, 1);
    assert.equal((await waitingOf(quiet)).quietHours, 1);
    await clock.advance(endsAt - (await clock.now()) - 60_000, [[quiet, 'paced']]);
    await sleep(1500);
    assert.equal((await waitingOf(quiet)).quietHours, 1, 'a minute before the end it still waits');
    await clock.advance(61_000, [[quiet, 'paced']]);
    stats = await until('the waiting message goes out when quiet hours end', async () => {
      const s = await api('GET', `/v1/campaigns/${quiet}/stats`);
      return s.delivered === 3 ? s : null;
    });
    assert.deepEqual(await waitingOf(quiet), { quietHours: 0, destination: 0 });
    assert.equal(stats.pending, 0);
    assert.equal(
      hitsOf('night').filter((h) => h.path.endsWith('/quiet')).length,
      2,
      'the test send and the message, once',
    );

    // Off again.
    assert.deepEqual(await api('PUT', '/v1/settings/quiet-hours', {}), {});
    assert.deepEqual(await api('GET', '/v1/settings/quiet-hours'), {});
  },
);
