// How many users fall in each time zone, through `npm start` (every request
// stays on 127.0.0.1): GET /v1/time-zones counts every user or a cohort's
// members exactly, users without a zone the time-zone module knows (no
// property, a number, an offset, a made-up name) count in the fallback
// zone, the 20 largest zones are listed and the rest summed; then Step 5 of
// the console in Chromium shows the table with each zone's UTC instant and
// the first and last messages.

import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { KillableStart } from './helpers/npm_start.mjs';
import { apiClient } from './helpers/api_client.mjs';

const KEY = 'time-zone-counts-key-0123456789';
const server = new KillableStart({ key: KEY, prefix: 'hookcast-zone-counts-' });
let origin;
const { call, api } = apiClient(() => origin, KEY);

// plan "pro": the cohort; plan "free" are counted only among every user.
const USERS = [
  ['seoul-1', 'Asia/Seoul', 'pro'],
  ['seoul-2', 'Asia/Seoul', 'pro'],
  ['seoul-3', 'Asia/Seoul', 'pro'],
  ['seoul-4', 'Asia/Seoul', 'free'],
  ['ny-1', 'America/New_York', 'pro'],
  ['ny-2', 'America/New_York', 'pro'],
  ['ny-3', 'America/New_York', 'free'],
  ['berlin-1', 'Europe/Berlin', 'pro'],
  ['none-1', undefined, 'pro'],
  ['none-2', undefined, 'free'],
  ['made-up', 'Not/AZone', 'pro'],
  ['offset', '+09:00', 'pro'],
  ['number', 9, 'free'],
];

before(async () => {
  origin = await server.start();
  await api('POST', '/v1/users', {
    users: USERS.map(([id, timezone, plan]) => ({
      id,
      properties: timezone === undefined ? { plan } : { plan, timezone },
    })),
  });
});
after(() => server.dispose());

let proCohort = null;

it('counts every user per zone; users without a known zone count in the fallback', async () => {
  const all = await api('GET', '/v1/time-zones');
  assert.equal(all.users, 13);
  assert.equal(all.withoutZone, 5); // two without the property, a made-up name, an offset, a number
  assert.equal(all.otherUsers, 0);
  assert.equal(all.cohort, null);
  assert.equal(all.fallbackTimeZone, null);
  assert.deepEqual(all.zones, [
    { zone: 'Asia/Seoul', users: 4 },
    { zone: 'America/New_York', users: 3 },
    { zone: 'Europe/Berlin', users: 1 },
  ]);

  const berlin = await api('GET', '/v1/time-zones?fallbackTimeZone=Europe/Berlin');
  assert.deepEqual(berlin.zones, [
    { zone: 'Europe/Berlin', users: 6 },
    { zone: 'Asia/Seoul', users: 4 },
    { zone: 'America/New_York', users: 3 },
  ]);
  assert.equal(berlin.withoutZone, 5);
  assert.equal(berlin.fallbackTimeZone, 'Europe/Berlin');

  const utc = await api('GET', '/v1/time-zones?fallbackTimeZone=UTC');
  assert.deepEqual(
    utc.zones.find((z) => z.zone === 'UTC'),
    { zone: 'UTC', users: 5 },
  );
});

it("counts a cohort's members only: a property rule and one that reads events", async () => {
  const { cohort } = await api('POST', '/v1/cohorts', {
    name: 'Pro',
    rule: { property: 'plan', op: 'eq', value: 'pro' },
  });
  proCohort = cohort.id;
  const pro = await api(
    'GET',
    `/v1/time-zones?cohort=${cohort.id}&fallbackTimeZone=America/New_York`,
  );
  assert.equal(pro.users, 9);
  assert.equal(pro.withoutZone, 3); // none-1, made-up, offset
  assert.equal(pro.cohort, cohort.id);
  assert.deepEqual(pro.zones, [
    { zone: 'America/New_York', users: 5 },
    { zone: 'Asia/Seoul', users: 3 },
    { zone: 'Europe/Berlin', users: 1 },
  ]);

  // Properties and events: the shards' two-phase estimate decides the members.
  await api('POST', '/v1/events', {
    events: ['seoul-1', 'seoul-4', 'ny-1', 'none-1', 'number'].map((userId) => ({
      userId,
      key: 'opened',
    })),
  });
  const opened = await api('POST', '/v1/cohorts', {
    name: 'Pro who opened',
    rule: {
      all: [
        { property: 'plan', op: 'eq', value: 'pro' },
        { event: 'opened', op: 'did' },
      ],
    },
  });
  const both = await api(
    'GET',
    `/v1/time-zones?cohort=${opened.cohort.id}&fallbackTimeZone=Europe/Berlin`,
  );
  assert.equal(both.users, 3); // seoul-1, ny-1, none-1
  assert.equal(both.withoutZone, 1);
  assert.deepEqual(both.zones, [
    { zone: 'America/New_York', users: 1 },
    { zone: 'Asia/Seoul', users: 1 },
    { zone: 'Europe/Berlin', users: 1 },
  ]);
});

it('lists the 20 largest zones and sums the rest', async () => {
  const zones = Intl.supportedValuesOf('timeZone').filter((z) => z.startsWith('Africa/'));
  assert.ok(zones.length > 25);
  // 25 zones: zone i holds 25 − i users, so the ranking is strict.
  const users = [];
  zones.slice(0, 25).forEach((timezone, i) => {
    for (let n = 0; n < 25 - i; n++)
      users.push({ id: `many-${i}-${n}`, properties: { plan: 'many', timezone } });
  });
  await api('POST', '/v1/users', { users });
  const { cohort } = await api('POST', '/v1/cohorts', {
    name: 'Many',
    rule: { property: 'plan', op: 'eq', value: 'many' },
  });
  const many = await api('GET', `/v1/time-zones?cohort=${cohort.id}`);
  assert.equal(many.users, users.length);
  assert.equal(many.zones.length, 20);
  assert.deepEqual(
    many.zones.map((z) => [z.zone, z.users]),
    zones.slice(0, 20).map((z, i) => [z, 25 - i]),
  );
  assert.equal(many.otherUsers, 5 + 4 + 3 + 2 + 1);
  assert.equal(many.withoutZone, 0);
});

it('refuses an unknown fallback zone (400) and an unknown cohort (404)', async () => {
  const bad = await call('GET', '/v1/time-zones?fallbackTimeZone=Mars/Olympus');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.problems[0].field, 'fallbackTimeZone');
  assert.equal(bad.json.error.code, 'unknown_time_zone');
  const missing = await call('GET', '/v1/time-zones?cohort=coh_nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.problems[0].field, 'cohort');
});

it("Step 5 shows the users per zone, each zone's UTC instant, and the first and last", async () => {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-zone-counts-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
  });
  const offLoopback = [];
  const pageErrors = [];
  try {
    await context.route('**/*', (route) => {
      if (new URL(route.request().url()).hostname === '127.0.0.1') return route.continue();
      offLoopback.push(route.request().url());
      return route.abort();
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    const created = await api('POST', '/v1/campaigns', {
      title: 'Nine local',
      target: { cohort: proCohort },
    });
    const key = created.campaign.key;
    await page.goto(`${origin}/web/#key=${encodeURIComponent(KEY)}&/campaigns/${key}/start`);
    await page.click('#type-schedule');
    await page.fill('#send-date', '2030-01-15');
    await page.fill('#send-time', '09:00');
    await page.check('#send-per-user');
    // An unknown fallback zone: the page says so and asks the worker nothing.
    await page.fill('#send-fallback', 'Mars/Olympus');
    await page.locator('#zone-counts-status', { hasText: 'Name a known fallback zone' }).waitFor();
    await page.fill('#send-fallback', 'Europe/Berlin');
    await page.waitForFunction(
      () =>
        document.querySelector('#zone-counts tr[data-zone="Europe/Berlin"]')?.dataset.users === '4',
    );
    const rows = await page.$$eval('#zone-counts tbody tr', (trs) =>
      trs.map((tr) => [tr.dataset.zone, Number(tr.dataset.users), tr.dataset.utc]),
    );
    // 09:00 on 15 January 2030 (no daylight saving anywhere here): Seoul +9, Berlin +1, New York −5.
    assert.deepEqual(rows, [
      ['Europe/Berlin', 4, '2030-01-15T08:00:00.000Z'], // berlin-1, none-1, made-up, offset
      ['Asia/Seoul', 3, '2030-01-15T00:00:00.000Z'],
      ['America/New_York', 2, '2030-01-15T14:00:00.000Z'],
    ]);
    const local = await page.$$eval('#zone-counts tbody tr td.mono', (tds) =>
      tds.map((td) => td.textContent),
    );
    assert.deepEqual(local, ['2030-01-15 09:00', '2030-01-15 09:00', '2030-01-15 09:00']);
    const span = page.locator('#zone-first-last');
    assert.equal(await span.getAttribute('data-first'), '2030-01-15T00:00:00.000Z');
    assert.equal(await span.getAttribute('data-last'), '2030-01-15T14:00:00.000Z');
    assert.match(
      await page.textContent('#zone-counts-status'),
      /9 users in the cohort, 3 of them without a known time zone \(counted in Europe\/Berlin\)/,
    );
    fs.mkdirSync('test-artifacts/console', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/console/step5-zone-counts.png', fullPage: true });
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(offLoopback, []);
  } finally {
    await context.close();
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
});
