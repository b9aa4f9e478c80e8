// `npm start` stopped the way harnesses and terminals stop it: a SIGTERM to
// npm (`child.kill()`, `timeout`) or a SIGKILL to npm. Regression: npm ran
// `sh -c "… && node scripts/start.mjs"`; the signal ended sh and npm, and
// start.mjs and its workerd lived on as orphans holding the API and sink
// ports, so the next `npm start` could not listen. Now package.json execs
// start.mjs (npm's SIGTERM reaches it) and start.mjs stops itself when the
// npm that ran it is gone. Ports are free ones; nothing leaves 127.0.0.1.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `npm start` on free ports; resolves once its banner names them. */
async function npmStart(stateDir) {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOOKCAST_API_KEY: 'signals-key',
      HOOKCAST_PORT: '0',
      HOOKCAST_SINK_PORT: '0',
      HOOKCAST_STATE_DIR: stateDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    child.stdout.on('data', () => out.includes('Ctrl-C stops everything') && resolve());
    exited.then((code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
  });
  const api = Number(/\(workerd via miniflare\)\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)[1]);
  const sink = Number(/demo sink[^\n]*http:\/\/127\.0\.0\.1:(\d+)/.exec(out)[1]);
  return { child, exited, ports: [api, sink] };
}

const listening = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** Polls until nothing listens on `ports` (the test runner's timeout bounds it). */
async function portsFreed(ports) {
  for (;;) {
    const open = await Promise.all(ports.map(listening));
    if (!open.some(Boolean)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const signal of ['SIGTERM', 'SIGKILL']) {
  it(`a ${signal} to npm stops the worker and the sink`, { timeout: 120_000 }, async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-signals-'));
    try {
      const { child, exited, ports } = await npmStart(stateDir);
      assert.deepEqual(await Promise.all(ports.map(listening)), [true, true]);
      child.kill(signal);
      await exited;
      await portsFreed(ports);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
}
