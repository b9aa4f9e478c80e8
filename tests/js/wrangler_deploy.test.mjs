// The worker deploys unchanged with wrangler: `wrangler deploy --dry-run`
// from edge/ bundles it (wrangler.jsonc, the .wasm rule, the Durable Object
// classes) without contacting anything. Where the machine allows it, the run
// is in a network namespace of its own (unshare -rn), so "offline" is a fact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWranglerConfig } from '../../edge/miniflare.mjs';

const edgeDir = fileURLToPath(new URL('../../edge/', import.meta.url));
const wrangler = fileURLToPath(
  new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url),
);

test("wrangler.jsonc's $schema points at a file that exists", () => {
  const schema = readWranglerConfig().$schema;
  assert.ok(fs.existsSync(path.resolve(edgeDir, schema)), schema);
});

test('wrangler deploy --dry-run bundles the worker offline', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-wrangler-'));
  try {
    const args = [wrangler, 'deploy', '--dry-run', '--outdir', outdir];
    const isolated = spawnSync('unshare', ['-rn', 'true']).status === 0;
    const [cmd, argv] = isolated
      ? ['unshare', ['-rn', process.execPath, ...args]]
      : [process.execPath, args];
    const run = spawnSync(cmd, argv, {
      cwd: edgeDir,
      encoding: 'utf8',
      // No metrics and no banner: the banner is what asks npm for a newer
      // wrangler, the only request a dry run would otherwise make.
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        WRANGLER_HIDE_BANNER: 'true',
        CI: '1',
        WRANGLER_LOG_PATH: outdir,
      },
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /--dry-run: exiting now/);
    const files = fs.readdirSync(outdir);
    assert.ok(files.includes('index.js'), files.join(', '));
    assert.ok(
      files.some((f) => f.endsWith('hookcast.wasm')),
      files.join(', '),
    );
    const bundle = fs.readFileSync(path.join(outdir, 'index.js'), 'utf8');
    for (const { class_name: name } of readWranglerConfig().durable_objects.bindings) {
      assert.match(bundle, new RegExp(`\\b${name}\\b`), `the bundle exports ${name}`);
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
