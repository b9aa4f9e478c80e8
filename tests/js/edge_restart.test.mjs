// Retries survive a restart: state and the schedule live in the Durable
// Object's SQLite storage and its alarm, persisted to a folder. The worker
// is stopped between two attempts and a new workerd on the same folder
// finishes the delivery on schedule, with the same webhook-id.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSink, startEdge, postSpec, gapMs } from './edge_helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-edge-restart-'));
let sink;
let edge;
after(async () => {
  await edge?.close();
  await sink?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a delivery waiting for its retry is finished by the next workerd on the same state folder', async () => {
  sink = await startSink((req, res, hit, n) => {
    if (n === 1) res.writeHead(429, { 'retry-after': '3' });
    else res.writeHead(200);
    res.end();
  });
  edge = await startEdge({ allowLocalHttp: true, persistDir: dir });
  const created = await edge.api('POST', '/v1/deliveries', { spec: postSpec(`${sink.origin}/restart`), contexts: [{ user: { id: 'r' } }] });
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
  assert.deepEqual(d.attempts.map((a) => a.status), [429, 200]);
  assert.ok(gapMs(d.attempts[0], d.attempts[1]) >= 2900, `waited ${gapMs(d.attempts[0], d.attempts[1])} ms`);
  assert.equal(sink.hits.length, 2);
  assert.deepEqual(sink.hits.map((h) => sink.header(h, 'webhook-id').toString()), [id, id]);
});
