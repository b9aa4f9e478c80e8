// The console's experiment views in Chromium against `npm start` (every
// request stays on 127.0.0.1): Results' "Did it work?" shows both groups,
// says why there is no uplift yet ("Not enough users yet: n of 30 in the
// control group"), then the interval in plain words with the bar once both
// groups have 30 users; step 5's "Measure the effect" shows the engine's
// problem for a share over 50 and saves control share + goal + window; the
// exposures CSV carries the group.

import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startSink } from './edge_helpers.mjs';
import { KillableStart } from './helpers/npm_start.mjs';
import { apiClient } from './helpers/api_client.mjs';

const KEY = 'web-experiment-key-0123456789ab';
const server = new KillableStart({ key: KEY, prefix: 'hookcast-web-experiment-' });
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-web-experiment-profile-'));
let sink;
let origin;
let context;
let page;
const offLoopback = [];

const { call: api } = apiClient(() => origin, KEY);

before(async () => {
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  origin = await server.start();
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
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
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1') return route.continue();
    offLoopback.push(route.request().url());
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
});

after(async () => {
  await context?.close();
  server.dispose();
  await sink?.close();
  fs.rmSync(profileDir, { recursive: true, force: true });
});

const consoleAt = (route) => `${origin}/web/#key=${encodeURIComponent(KEY)}&${route}`;

/** Sends to `ids` and answers Map userId → group from the exposures. */
async function sendTo(key, ids) {
  for (let i = 0; i < ids.length; i += 1000) {
    const r = await api('POST', `/v1/campaigns/${key}/send`, {
      recipients: ids.slice(i, i + 1000).map((userId) => ({ userId })),
    });
    assert.equal(r.status, 200, r.text);
  }
  const groups = new Map();
  let cursor = null;
  do {
    const r = await api(
      'GET',
      `/v1/campaigns/${key}/exposures?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const e of r.json.exposures) groups.set(e.userId, e.group);
    cursor = r.json.nextCursor;
  } while (cursor);
  return groups;
}

it('Results: both groups, "not enough users yet", then the interval in words and as a bar; CSV has the group', async () => {
  const created = await api('POST', '/v1/campaigns', {
    title: 'Measured',
    webhook: { url: `${sink.origin}/m/{{ user.id }}`, method: 'POST', body: '{}' },
    target: { allUsers: true },
    send: { type: 'api' },
    experiment: {
      controlPercent: 20,
      goal: { event: 'purchase', within: { value: 7, unit: 'days' } },
    },
  });
  assert.equal(created.status, 201, created.text);
  const key = created.json.campaign.key;
  assert.equal((await api('POST', `/v1/campaigns/${key}/start`)).status, 200);
  let groups = await sendTo(
    key,
    Array.from({ length: 60 }, (_, i) => `w-${i}`),
  );
  const control = () => [...groups].filter(([, g]) => g === 'control').map(([id]) => id);
  assert.ok(control().length < 30, `${control().length} control users of 60`);

  await page.goto(consoleAt(`/campaigns/${key}/results`));
  await page.locator('#experiment-groups').waitFor({ timeout: 30000 });
  await page.waitForFunction(() =>
    /Not enough users yet/.test(document.querySelector('#uplift-words')?.textContent ?? ''),
  );
  assert.match(
    await page.textContent('#uplift-words'),
    new RegExp(`Not enough users yet: ${control().length} of 30 in the control group`),
  );
  assert.match(
    await page.textContent('#experiment-groups tr[data-group="control"]'),
    new RegExp(`${control().length}\\s*0\\s*0\\.0 %`),
  );

  // Enough users in both groups, and goal events for half the sent group and a tenth of the control group.
  groups = await sendTo(
    key,
    Array.from({ length: 400 }, (_, i) => `w-${i}`),
  );
  const sent = [...groups].filter(([, g]) => g === 'sent').map(([id]) => id);
  const converting = [
    ...sent.filter((_, i) => i % 2 === 0),
    ...control().filter((_, i) => i % 10 === 0),
  ];
  assert.equal(
    (
      await api('POST', '/v1/events', {
        events: converting.map((userId) => ({ userId, key: 'purchase' })),
      })
    ).status,
    200,
  );
  const results = (await api('GET', `/v1/campaigns/${key}/results`)).json;
  assert.ok(results.uplift && results.uplift.ci95[0] > 0, JSON.stringify(results));
  const [lo, hi] = results.uplift.ci95.map((v) => (v * 100).toFixed(1));
  await page.waitForFunction(
    () => /With 95 % confidence/.test(document.querySelector('#uplift-words')?.textContent ?? ''),
    null,
    { timeout: 30000 },
  );
  assert.equal(
    (await page.textContent('#uplift-words')).trim(),
    `With 95 % confidence the campaign raised purchase by ${lo} to ${hi} points.`,
  );
  assert.equal(await page.locator('#uplift-bar').count(), 1);
  assert.match(
    await page.getAttribute('#uplift-bar', 'aria-label'),
    new RegExp(`interval ${lo} to ${hi} points`),
  );
  assert.match(
    await page.textContent('#experiment-groups tr[data-group="sent"]'),
    new RegExp(`${sent.length}\\s*${results.groups.sent.converted}`),
  );

  // The exposures CSV: one row per user, with the group.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csv = fs
    .readFileSync(await download.path(), 'utf8')
    .trim()
    .split('\r\n');
  assert.equal(csv[0], 'userId,at,deliveryId,status,group');
  assert.equal(csv.length - 1, groups.size);
  const row = csv.find((line) => line.split(',')[0] === control()[0]).split(',');
  assert.deepEqual([row[2], row[3], row[4]], ['', '', 'control'], 'a control row: no delivery');
  assert.deepEqual(offLoopback, []);
});

it('Step 5 "Measure the effect": the engine refuses 60 %, then control share, goal and window are saved', async () => {
  const created = await api('POST', '/v1/campaigns', {
    title: 'To measure',
    target: { allUsers: true },
    send: { type: 'api' },
  });
  const key = created.json.campaign.key;
  await page.goto(consoleAt(`/campaigns/${key}/start`));
  await page.locator('#measure').waitFor({ timeout: 30000 });
  await page.check('#experiment-on');
  await page.fill('#control-percent', '60');
  await page.waitForFunction(() =>
    /from 0 to 50/.test(document.querySelector('#measure')?.textContent ?? ''),
  );
  assert.match(await page.textContent('#measure'), /controlPercent must be a number from 0 to 50/);
  await page.fill('#control-percent', '15');
  await page.selectOption('#goal-event', 'purchase'); // seen in the first test's events
  await page.fill('#goal-within', '3');
  await page.selectOption('#goal-unit', 'days');
  await page.click('#save-experiment');
  await page.waitForFunction(
    () => document.querySelector('#experiment-status')?.textContent === 'Saved.',
    null,
    { timeout: 30000 },
  );
  const stored = (await api('GET', `/v1/campaigns/${key}`)).json.campaign.experiment;
  assert.deepEqual(stored, {
    controlPercent: 15,
    goal: { event: 'purchase', within: { value: 3, unit: 'days' } },
  });
  assert.deepEqual(offLoopback, []);
});
