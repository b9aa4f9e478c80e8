// `npm start` (scripts/start.mjs) as a new user runs it: a child process on
// non-default ports with its own state folder (HOOKCAST_STATE_DIR).
// Regressions:
// * GET /web/%E0 threw URIError in an async handler and ended the whole
//   process (worker, sink, dashboard, pending retries). Every server the
//   banner names now gets malformed requests and must answer them, and the
//   worker must still serve afterwards.
// * When workerd died, npm start kept serving as if all were well. It must
//   say so and exit non-zero.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_KEY, closedPort } from './edge_helpers.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let child;
let stateDir;
let stdout = '';
let stderr = '';
let exited;

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-start-'));
  const [port, sinkPort, webPort] = await Promise.all([closedPort(), closedPort(), closedPort()]);
  child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOOKCAST_API_KEY: API_KEY,
      HOOKCAST_PORT: String(port),
      HOOKCAST_SINK_PORT: String(sinkPort),
      HOOKCAST_WEB_PORT: String(webPort),
      HOOKCAST_STATE_DIR: stateDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((resolve, reject) => {
    const check = () => {
      if (stdout.includes('Ctrl-C stops everything')) resolve();
    };
    child.stdout.on('data', check);
    exited.then(({ code }) =>
      reject(new Error(`start.mjs exited (${code}) before its banner:\n${stdout}\n${stderr}`)),
    );
  });
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** Every distinct http://127.0.0.1:<port> the banner names. */
function origins() {
  return [...new Set(stdout.match(/http:\/\/127\.0\.0\.1:\d+/g))];
}

/** Sends raw bytes (no client-side URL repair) and returns the status line, or the error. */
function raw(origin, text) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (d) => (answer += d));
    socket.on('error', (e) => resolve(`error ${e.code}`));
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
    socket.write(text);
    setTimeout(() => socket.end(), 50);
  });
}

it('writes its state where HOOKCAST_STATE_DIR says', () => {
  assert.ok(
    fs.existsSync(path.join(stateDir, 'do')),
    `no do/ in ${stateDir}: ${fs.readdirSync(stateDir)}`,
  );
});

it('answers malformed requests on every server it starts and keeps running', async () => {
  const list = origins();
  const sinkOrigin = /demo sink[^\n]*?(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  assert.ok(list.length >= 2, `the banner names the worker and the sink at least: ${stdout}`);
  const requests = [
    'GET /web/%E0 HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /web/%C0%AF%E0%80 HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST /v1/%E0 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}',
    `GET /v1/deliveries/%E0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\n\r\n`,
    'NONSENSE\x00\x01 / HTTP/9\r\n\r\n',
  ];
  for (const origin of list) {
    for (const request of requests) {
      const status = await raw(origin, request);
      assert.match(
        status,
        /^HTTP\/1\.1 [1-5]\d\d|^$|^error /,
        `${origin} ${JSON.stringify(request)} -> ${status}`,
      );
      // The demo sink answers 200 to anything (it logs what it gets); the others refuse.
      if (origin !== sinkOrigin && request.startsWith('GET /web/%E0')) {
        assert.match(status, /^HTTP\/1\.1 [45]\d\d/, `${origin} ${request}`);
      }
    }
  }
  assert.equal(child.exitCode, null, `start.mjs exited:\n${stderr}`);
  // The worker still answers an authorized request.
  const worker =
    list.find((o) => stdout.includes(`edge worker (workerd via miniflare)   ${o}`)) ?? list[0];
  const res = await fetch(`${worker}/v1/deliveries/msg_aaaaaaaaaaaaaaaaaaaa_0`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, 'not_found');
});

/** Process ids of `pid`'s children named workerd (Linux /proc). */
function workerdChildren(pid) {
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && stat.includes('(workerd)')) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

it('says so loudly and exits non-zero when workerd dies', async () => {
  const pids = workerdChildren(child.pid);
  assert.equal(pids.length, 1, `workerd children of ${child.pid}: ${pids}`);
  process.kill(pids[0], 'SIGKILL'); // a workerd this test's child started
  const { code } = await exited;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /workerd\) DIED/);
});
