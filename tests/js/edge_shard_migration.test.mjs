// A user shard written before experiments (schema v1: no ledger.control, no
// experiment tables, no shard_meta) is migrated at start-up, in workerd:
// its ledger rows stay sends (exposures' group "sent", the duplicate rule
// and the caps count them), the sent groups of earlier campaigns are
// counted from them, and new control records work beside them. The v1
// files are made from a v2 state with Python's sqlite3 (the Durable
// Objects' SQLite files are plain SQLite), undoing exactly what
// edge/src/shards/experiments.js adds.

import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSink, startEdge, postSpec } from './edge_helpers.mjs';

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-shard-migration-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let edge;
let sink;
after(async () => {
  await edge?.close();
  await sink?.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** Runs Python over every user shard's SQLite file; answers its printed JSON per file. */
function eachShardFile(program) {
  const dir = path.join(stateDir, '-UserShard');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  assert.ok(files.length > 0, 'shard files exist');
  return files.map((f) =>
    JSON.parse(execFileSync('python3', ['-c', program, path.join(dir, f)], { encoding: 'utf8' })),
  );
}

const TO_V1 = `
import sqlite3, sys, json
c = sqlite3.connect(sys.argv[1])
c.executescript('''
  BEGIN;
  CREATE TABLE ledger_v1 (user_id TEXT, campaign TEXT, at INTEGER, delivery_id TEXT);
  INSERT INTO ledger_v1 SELECT user_id, campaign, at, delivery_id FROM ledger;
  DROP TABLE ledger;
  ALTER TABLE ledger_v1 RENAME TO ledger;
  CREATE INDEX ledger_user_at ON ledger (user_id, at);
  CREATE INDEX ledger_campaign ON ledger (campaign);
  DROP TABLE experiment_counts;
  DROP TABLE experiment_conversions;
  DROP TABLE shard_meta;
  COMMIT;
''')
print(json.dumps([r[1] for r in c.execute("PRAGMA table_info('ledger')")]))
c.close()
`;

const SCHEMA = `
import sqlite3, sys, json
c = sqlite3.connect(sys.argv[1])
print(json.dumps({
  'version': c.execute("SELECT value FROM shard_meta WHERE name = 'schema'").fetchone()[0],
  'columns': [r[1] for r in c.execute("PRAGMA table_info('ledger')")],
}))
c.close()
`;

async function send(api, key, ids) {
  const r = await api('POST', `/v1/campaigns/${key}/send`, {
    recipients: ids.map((userId) => ({ userId })),
  });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

it('a v1 shard is migrated: old rows stay sends, counted for caps, duplicates and results', async () => {
  sink = await startSink((req, res) => {
    res.writeHead(200);
    res.end('{}');
  });
  edge = await startEdge({ allowLocalHttp: true, persistDir: stateDir });
  let api = edge.api;
  assert.equal(
    (
      await api('PUT', '/v1/settings/frequency-capping', {
        rules: [{ limit: 1, period: { value: 1, unit: 'days' } }],
      })
    ).status,
    200,
  );
  const capped = { resend: null, frequencyCapping: true };
  const a = (
    await api('POST', '/v1/campaigns', {
      title: 'before',
      webhook: postSpec(`${sink.origin}/a/{{ user.id }}`),
      target: { allUsers: true },
      send: { type: 'api' },
      fatigue: capped,
    })
  ).json.campaign.key;
  assert.equal((await api('POST', `/v1/campaigns/${a}/start`)).status, 200);
  assert.equal((await send(api, a, ['m1', 'm2'])).accepted, 2);
  for (let i = 0; i < 300 && (await api('GET', `/v1/campaigns/${a}/stats`)).json.delivered < 2; i++)
    await sleep(100);
  await edge.close();

  for (const columns of eachShardFile(TO_V1))
    assert.deepEqual(columns, ['user_id', 'campaign', 'at', 'delivery_id']);

  edge = await startEdge({ allowLocalHttp: true, persistDir: stateDir });
  api = edge.api;
  const exposures = (await api('GET', `/v1/campaigns/${a}/exposures`)).json.exposures;
  assert.deepEqual(exposures.map((e) => [e.userId, e.group]).sort(), [
    ['m1', 'sent'],
    ['m2', 'sent'],
  ]);
  const results = (await api('GET', `/v1/campaigns/${a}/results`)).json;
  assert.deepEqual(
    results.groups.sent,
    { users: 2, converted: 0, rate: 0 },
    'earlier sends counted by the migration',
  );
  assert.equal(
    (await send(api, a, ['m1'])).suppressed.already_sent,
    1,
    'the duplicate rule reads migrated rows',
  );

  // A new campaign with a control group beside the migrated rows.
  const b = (
    await api('POST', '/v1/campaigns', {
      title: 'after',
      webhook: postSpec(`${sink.origin}/b/{{ user.id }}`),
      target: { allUsers: true },
      send: { type: 'api' },
      fatigue: capped,
      experiment: { controlPercent: 50 },
    })
  ).json.campaign.key;
  assert.equal((await api('POST', `/v1/campaigns/${b}/start`)).status, 200);
  const fresh = Array.from({ length: 40 }, (_, i) => `n${i}`);
  const answer = await send(api, b, ['m1', 'm2', ...fresh]);
  assert.equal(answer.suppressed.frequency_cap, 2, 'migrated sends hold their cap slots');
  assert.equal(answer.accepted + answer.suppressed.control, fresh.length);
  assert.ok(answer.suppressed.control > 0 && answer.accepted > 0, JSON.stringify(answer));
  await edge.close();
  edge = null;

  for (const schema of eachShardFile(SCHEMA)) {
    assert.equal(schema.version, 2);
    assert.deepEqual(schema.columns, ['user_id', 'campaign', 'at', 'delivery_id', 'control']);
  }
});
