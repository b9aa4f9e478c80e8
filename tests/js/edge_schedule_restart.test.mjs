// Nothing lost: `npm start` (scripts/start.mjs as a child process group,
// node plus its workerd) is killed with SIGKILL in the middle of a schedule
// run to 30 users, then started again on the same state folder. The sink
// answers the first messages and holds the rest, so at the kill some users
// have their message, some have an attempt in flight and some may not be
// dispatched yet. After the restart every user gets the message; a user who
// got it twice got the same webhook-id both times (the attempt in flight at
// the kill); the stats add up. And a schedule armed but not yet due when the
// worker is killed runs after the restart, from the persisted alarm alone.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSink, closedPort } from './edge_helpers.mjs';
import { toLocalText } from '../../src/js/timezone.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'schedule-restart-key-0123456789';
const USERS = 30;
const ANSWERED_BEFORE_KILL = 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-schedule-restart-'));
let child = null;
let sink = null;
after(async () => {
  stop();
  await sink?.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** SIGKILLs the child's whole process group (node and the workerd it started). */
function stop() {
  if (!child) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  child = null;
}

/** Starts `npm start`'s script on free loopback ports; resolves to the API origin once it serves. */
async function start() {
  const [port, sinkPort, webPort] = [await closedPort(), await closedPort(), await closedPort()];
  child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: ROOT,
    detached: true, // its own process group, so the kill reaches workerd too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOOKCAST_API_KEY: KEY,
      HOOKCAST_STATE_DIR: stateDir,
      HOOKCAST_PORT: String(port),
      HOOKCAST_SINK_PORT: String(sinkPort),
      HOOKCAST_WEB_PORT: String(webPort),
      HOOKCAST_ALLOW_LOCAL_HTTP: '1',
    },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${origin}/v1/campaigns`, { headers: { authorization: `Bearer ${KEY}` } });
      if (r.status === 200) return origin;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`npm start did not come up:\n${out}`);
}

async function api(origin, method, p, body) {
  const r = await fetch(`${origin}${p}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined, text };
}

it('SIGKILL in the middle of a schedule run: every user gets it once (same webhook-id if twice), stats add up', async () => {
  let holding = true;
  const held = [];
  sink = await startSink((req, res, hit, n) => {
    if (holding && n > ANSWERED_BEFORE_KILL) {
      held.push(res); // an attempt in flight when the worker dies
      return;
    }
    res.writeHead(200);
    res.end('{}');
  });
  let origin = await start();
  const ids = Array.from({ length: USERS }, (_, i) => `sr-${i}`);
  assert.equal((await api(origin, 'POST', '/v1/users', { users: ids.map((id) => ({ id, properties: { n: id } })) })).status, 200);
  const zone = 'America/New_York';
  const created = await api(origin, 'POST', '/v1/campaigns', {
    title: 'restart',
    webhook: { url: `${sink.origin}/sr/{{ user.id }}`, method: 'POST', body: '{"n": "{{ user.n }}"}' },
    target: { allUsers: true },
    send: { type: 'schedule', at: toLocalText(Date.now() + 2500, zone), timeZone: zone },
  });
  assert.equal(created.status, 201, created.text);
  const key = created.json.campaign.key;
  assert.equal((await api(origin, 'POST', `/v1/campaigns/${key}/start`)).status, 200);

  // Kill once the run is under way: some answered, some held in flight.
  for (let i = 0; i < 600 && sink.count < ANSWERED_BEFORE_KILL + 2; i++) await sleep(50);
  assert.ok(sink.count >= ANSWERED_BEFORE_KILL + 2, `the run started (${sink.count} requests)`);
  stop();
  holding = false;
  for (const res of held) res.destroy();

  origin = await start();
  let s;
  for (let i = 0; i < 600; i++) {
    s = (await api(origin, 'GET', `/v1/campaigns/${key}/stats`)).json;
    if (s.delivered === USERS && s.pending === 0) break;
    await sleep(100);
  }
  assert.equal(s.delivered, USERS, JSON.stringify(s));
  assert.equal(s.targeted, USERS);
  assert.equal(s.sent, USERS);
  assert.equal(s.failed, 0);
  const suppressed = Object.values(s.suppressed).reduce((a, b) => a + b, 0);
  assert.equal(s.targeted, s.sent + suppressed);
  assert.equal(s.sent, s.delivered + s.failed + s.pending);

  const byUser = new Map();
  for (const h of sink.hits) {
    const user = h.path.split('/')[2];
    if (!byUser.has(user)) byUser.set(user, new Set());
    byUser.get(user).add(sink.header(h, 'webhook-id').toString());
  }
  for (const id of ids) {
    assert.ok(byUser.has(id), `${id} got the message`);
    assert.equal(byUser.get(id).size, 1, `${id}: every copy has the same webhook-id`);
  }
  const campaign = (await api(origin, 'GET', `/v1/campaigns/${key}`)).json.campaign;
  assert.equal(campaign.nextRunAt, null);
  stop();
});

it('a schedule armed before a SIGKILL runs after the restart, once', async () => {
  await sink?.close();
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  let origin = await start();
  const ids = Array.from({ length: 5 }, (_, i) => `arm-${i}`);
  assert.equal((await api(origin, 'POST', '/v1/users', { users: ids.map((id) => ({ id, properties: { group: 'arm' } })) })).status, 200);
  const cohort = await api(origin, 'POST', '/v1/cohorts', { name: 'arm', rule: { property: 'group', op: 'eq', value: 'arm' } });
  assert.equal(cohort.status, 201, cohort.text);
  const zone = 'Europe/Berlin';
  const created = await api(origin, 'POST', '/v1/campaigns', {
    title: 'armed',
    webhook: { url: `${sink.origin}/arm/{{ user.id }}`, method: 'POST', body: '{}' },
    target: { cohort: cohort.json.cohort.id },
    send: { type: 'schedule', at: toLocalText(Date.now() + 4000, zone), timeZone: zone },
  });
  const key = created.json.campaign.key;
  assert.equal((await api(origin, 'POST', `/v1/campaigns/${key}/start`)).status, 200);
  stop(); // before the scheduled instant: only the persisted alarm knows
  assert.equal(sink.count, 0);
  origin = await start();
  let s;
  for (let i = 0; i < 600; i++) {
    s = (await api(origin, 'GET', `/v1/campaigns/${key}/stats`)).json;
    if (s.delivered >= ids.length && s.pending === 0) break;
    await sleep(100);
  }
  assert.equal(s.delivered, ids.length, JSON.stringify(s));
  assert.equal(s.targeted, ids.length);
  assert.deepEqual(new Set(sink.hits.filter((h) => h.path.startsWith('/arm/')).map((h) => h.path)), new Set(ids.map((id) => `/arm/${id}`)));
  assert.equal(sink.hits.filter((h) => h.path.startsWith('/arm/')).length, ids.length, 'once each');
  stop();
});
