// Retries survive a restart: state and the schedule live in the Durable
// Object's SQLite storage and its alarm, persisted to a folder. The worker
// is stopped between two attempts and a new workerd on the same folder
// finishes the delivery on schedule, with the same webhook-id.
// And the SSRF guard runs again before every attempt: a retry that was
// allowed when scheduled is refused if the setting is off when it is due.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSink, startEdge, postSpec, gapMs } from './edge_helpers.mjs';
import { createEngine } from '../../src/js/node.js';

const engine = await createEngine();

const dirs = [];
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-edge-restart-'));
  dirs.push(d);
  return d;
};
let sink;
let edge;
after(async () => {
  await edge?.close();
  await sink?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Polls GET /v1/deliveries/:id until `done(d)` or ~10 s. */
async function pollDelivery(id, done) {
  let d;
  for (let i = 0; i < 200; i++) {
    d = (await edge.api('GET', `/v1/deliveries/${id}`)).json;
    if (done(d)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return d;
}

it('a delivery waiting for its retry is finished by the next workerd on the same state folder', async () => {
  sink = await startSink((req, res, hit, n) => {
    if (n === 1) res.writeHead(429, { 'retry-after': '3' });
    else res.writeHead(200);
    res.end();
  });
  const dir = tmpDir();
  edge = await startEdge({ allowLocalHttp: true, persistDir: dir });
  const created = await edge.api('POST', '/v1/deliveries', {
    spec: postSpec(`${sink.origin}/restart`),
    contexts: [{ user: { id: 'r' } }],
  });
  assert.equal(created.status, 202, created.text);
  const id = created.json.deliveries[0].id;

  let d;
  for (let i = 0; i < 100; i++) {
    d = (await edge.api('GET', `/v1/deliveries/${id}`)).json;
    if (d.attempts.length === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(d.attempts.length, 1, 'the first attempt was recorded');
  assert.equal(d.status, 'pending');
  assert.equal(d.attempts[0].status, 429);
  await edge.close();
  edge = null;
  assert.equal(sink.hits.length, 1, 'stopped before the retry');

  edge = await startEdge({ allowLocalHttp: true, persistDir: dir });
  for (let i = 0; i < 200; i++) {
    d = (await edge.api('GET', `/v1/deliveries/${id}`)).json;
    if (d.status !== 'pending') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(d.status, 'delivered');
  assert.deepEqual(
    d.attempts.map((a) => a.status),
    [429, 200],
  );
  assert.ok(
    gapMs(d.attempts[0], d.attempts[1]) >= 2900,
    `waited ${gapMs(d.attempts[0], d.attempts[1])} ms`,
  );
  assert.equal(sink.hits.length, 2);
  assert.deepEqual(
    sink.hits.map((h) => sink.header(h, 'webhook-id').toString()),
    [id, id],
  );
});

it('a retry is checked again when it is due: loopback refused once HOOKCAST_ALLOW_LOCAL_HTTP is off', async () => {
  await edge?.close();
  await sink?.close();
  sink = await startSink((req, res) => {
    res.writeHead(503);
    res.end();
  });
  const dir = tmpDir();
  edge = await startEdge({ allowLocalHttp: true, persistDir: dir });
  const created = await edge.api('POST', '/v1/deliveries', {
    spec: postSpec(`${sink.origin}/recheck`),
    contexts: [{}],
  });
  assert.equal(created.status, 202, created.text);
  const id = created.json.deliveries[0].id;
  let d = await pollDelivery(id, (x) => x.attempts.length === 1);
  assert.equal(d.attempts[0].status, 503);
  assert.equal(d.attempts[0].retry, true);
  await edge.close();

  edge = await startEdge({ allowLocalHttp: false, persistDir: dir });
  d = await pollDelivery(id, (x) => x.status !== 'pending');
  assert.equal(d.status, 'failed');
  // The engine's first refusal of this http://127.0.0.1 URL with the setting off.
  const [first] = engine
    .validate({ url: d.request.url, method: 'GET' }, { allowLocalHttp: false })
    .problems.filter((p) => p.field === 'url');
  assert.ok(['https_required', 'private_address'].includes(first.code));
  assert.equal(d.reason, first.code);
  assert.equal(d.attempts.length, 1, 'no second attempt was sent');
  assert.equal(sink.connections, 1);
});
