// `npm start`: the hookcast edge worker in workerd (through miniflare) on
// HOOKCAST_HOST:HOOKCAST_PORT (127.0.0.1:8787), serving the campaign console
// (web/) as static assets on the same origin as its API, and a demo sink
// that logs what it receives (127.0.0.1:8788). It prints one URL that opens
// the console signed in: the API key rides in the URL's fragment, which the
// browser never sends to a server; the page exchanges it for a session cookie.
// State persists in HOOKCAST_STATE_DIR (default .hookcast/ at the repo root).
// Ctrl-C stops everything.
//
// Environment: HOOKCAST_API_KEY (generated and printed when unset),
// HOOKCAST_PORT (8787), HOOKCAST_HOST (127.0.0.1), HOOKCAST_ALLOW_LOCAL_HTTP
// (this local run turns it on unless set to 0, so the demo sink is reachable),
// HOOKCAST_SINK_PORT (8788), HOOKCAST_STATE_DIR (.hookcast/), and the
// dispatch slice settings HOOKCAST_SLICE_USERS, HOOKCAST_MAX_SLICES and
// HOOKCAST_SLICE_CONCURRENCY (edge/src/delivery/slices.js; defaults in
// edge/miniflare.mjs).
// A port of 0 picks a free one (tests use it); the printed URLs say which.
// For tests only: HOOKCAST_TEST_WORKER runs another worker entry in place of
// edge/src/index.js (tests/js/workers/clock_worker.js: the worker with a test
// clock), and HOOKCAST_TEST_CLOCK_OFFSET_MS is handed to it as a binding.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { createEdgeMiniflare, REPO_ROOT } from '../edge/miniflare.mjs';
import { prepareAssets } from './assets.mjs';
import { reapRuntimeOnExit } from './runtime_reaper.mjs';

const env = process.env;
const host = env.HOOKCAST_HOST || '127.0.0.1';
const port = intFromEnv('HOOKCAST_PORT', 8787);
const sinkPort = intFromEnv('HOOKCAST_SINK_PORT', 8788);
const generatedKey = !env.HOOKCAST_API_KEY;
const apiKey = env.HOOKCAST_API_KEY || `hk_${crypto.randomBytes(24).toString('base64url')}`;
const allowLocalHttp = (env.HOOKCAST_ALLOW_LOCAL_HTTP ?? '1').trim() !== '0';
// HOOKCAST_STATE_DIR (default .hookcast/ at the repo root; relative to the current
// directory) lets two local workers run from one checkout, each with its own state.
const persistDir = env.HOOKCAST_STATE_DIR
  ? path.resolve(env.HOOKCAST_STATE_DIR)
  : path.join(REPO_ROOT, '.hookcast');

function intFromEnv(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(
      `hookcast: ${name}=${JSON.stringify(raw)} is not a port number (0-65535; 0 picks a free one).`,
    );
    process.exit(2);
  }
  return n;
}

// Both written by `bash scripts/build.sh wasm`: the engine and the HTTP contract the worker serves.
for (const built of ['dist/hookcast.wasm', 'dist/openapi.json'].map((f) =>
  path.join(REPO_ROOT, f),
)) {
  if (!fs.existsSync(built)) {
    console.error(
      `hookcast: ${path.relative(process.cwd(), built)} is missing; run \`bash scripts/build.sh wasm\` (npm start does).`,
    );
    process.exit(1);
  }
}
fs.mkdirSync(persistDir, { recursive: true });
// The console's files, refreshed at every start so an edit to web/ shows
// after a restart. Kept apart from the state so `rm -rf .hookcast` is safe.
let assets;
try {
  assets = prepareAssets();
} catch (e) {
  console.error(`hookcast: ${e.message}`);
  process.exit(1);
}

/**
 * An HTTP handler whose every failure, thrown or rejected, becomes a 500
 * answer (400 for a malformed URL) instead of ending `npm start`: one bad
 * request from any web page must not stop the worker, sink and retries.
 */
function guarded(name, handler) {
  return (req, res) => {
    const fail = (e) => {
      const status = e instanceof URIError ? 400 : 500;
      if (status === 500)
        console.error(`hookcast: ${name} failed on ${req.method} ${req.url}:`, e?.stack ?? e);
      if (res.headersSent) return res.destroy();
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(status === 400 ? 'bad request: malformed URL\n' : 'internal error\n');
    };
    try {
      Promise.resolve(handler(req, res)).catch(fail);
    } catch (e) {
      fail(e);
    }
  };
}

// ---- the demo sink -----------------------------------------------------------
const sink = http.createServer(
  guarded('the demo sink', (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = req.headers['webhook-id'] ?? '-';
      const signed = req.headers['webhook-signature'] ? ' signed' : '';
      const shown =
        body.length > 300 ? `${body.slice(0, 300)}… (${Buffer.byteLength(body)} bytes)` : body;
      console.log(`[sink] ${req.method} ${req.url}  webhook-id=${id}${signed}  ${shown}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: true, id }));
    });
  }),
);

function listen(server, p, name) {
  return new Promise((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`${name} cannot listen on 127.0.0.1:${p}: ${e.code ?? e.message}`)),
    );
    server.listen(p, '127.0.0.1', resolve);
  });
}

// ---- start -----------------------------------------------------------------------
// Our signal handlers go first: miniflare installs its own exit hook.
let mf;
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nhookcast: stopping…');
  sink.closeAllConnections?.();
  await Promise.allSettled([mf?.dispose(), new Promise((r) => sink.close(r))]);
  process.exit(code);
}
// workerd is a child process of miniflare: when it dies (crash, OOM, a
// kill), its output ends. Say so loudly and exit non-zero rather than keep
// serving a sink and a page in front of a dead worker.
function watchRuntime(stdout, stderr) {
  readline.createInterface(stdout).on('line', (l) => console.log(l));
  readline.createInterface(stderr).on('line', (l) => console.error(l));
  stdout.once('end', () => {
    if (stopping) return;
    console.error(
      `\n${'!'.repeat(78)}\n hookcast: the worker runtime (workerd) DIED; the API at ${ready?.origin ?? `http://${host}:${port}`} is down.\n` +
        ` Its last output is above. Stopping everything (exit 1); run \`npm start\` again.\n${'!'.repeat(78)}`,
    );
    stop(1);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
// Run by `npm start` (package.json execs us, so npm's SIGTERM reaches us):
// if npm itself is killed outright (a harness's SIGKILL), we are re-parented;
// stop rather than keep serving ports nobody can stop with npm any more.
if (env.npm_lifecycle_event === 'start') {
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop(0), 500).unref();
}
const testWorker = env.HOOKCAST_TEST_WORKER
  ? {
      scriptPath: path.resolve(env.HOOKCAST_TEST_WORKER),
      bindings: { HOOKCAST_TEST_CLOCK_OFFSET_MS: env.HOOKCAST_TEST_CLOCK_OFFSET_MS ?? '0' },
    }
  : {};
mf = createEdgeMiniflare({
  apiKey,
  allowLocalHttp,
  persistDir: path.join(persistDir, 'do'),
  host,
  port,
  assetsDir: assets.dir,
  runtimeStdio: watchRuntime,
  ...testWorker,
  // The slice settings (edge/src/delivery/slices.js) when set in the environment.
  bindings: {
    ...testWorker.bindings,
    ...Object.fromEntries(
      ['HOOKCAST_SLICE_USERS', 'HOOKCAST_MAX_SLICES', 'HOOKCAST_SLICE_CONCURRENCY']
        .filter((name) => env[name])
        .map((name) => [name, env[name]]),
    ),
  },
});

let ready;
try {
  [ready] = await Promise.all([mf.ready, listen(sink, sinkPort, 'the demo sink')]);
} catch (e) {
  console.error(`hookcast: ${e.message}`);
  await stop(1);
}

// A SIGKILLed start.mjs must not leave workerd holding the port.
reapRuntimeOnExit();

// mf.ready resolves to the URL workerd listens on (the real port when 0 was asked).
const api = ready.origin;
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;
const consoleUrl = `${api}/web/#key=${encodeURIComponent(apiKey)}`;
const example = {
  spec: {
    url: `${sinkUrl}/hook/{{ user.id | default: "anonymous" }}`,
    method: 'POST',
    headers: [{ key: 'X-Campaign', value: 'welcome' }],
    body: '{"hello": "{{ user.name | default: "there" }}", "plan": {{ user.plan | default: "free" }}}',
  },
  context: { user: { id: '42', properties: { name: 'Zoë', plan: 'pro' } } },
};
const shq = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const line = '='.repeat(78);
console.log(`${line}
 Open the console (signed in; the key stays in the fragment, never sent):
   ${consoleUrl}
${line}
 hookcast edge worker (workerd via miniflare)   ${api}
 API key${generatedKey ? ' (generated; set HOOKCAST_API_KEY to choose one)' : ''}:
   ${apiKey}
 demo sink (logs what it receives, answers 200):   ${sinkUrl}
 state: ${path.relative(process.cwd(), persistDir) || '.'}/
${
  allowLocalHttp
    ? ` !! HOOKCAST_ALLOW_LOCAL_HTTP=1 — http:// to LOOPBACK (127.0.0.0/8, ::1) is ALLOWED
 !! for this local run so the demo sink is reachable. Never set it in production.
 !! (HOOKCAST_ALLOW_LOCAL_HTTP=0 npm start turns it off.)`
    : ' HOOKCAST_ALLOW_LOCAL_HTTP is off: only https:// to public hosts; the demo sink is unreachable.'
}
${line}
 Try it (test-send one request to the demo sink):

curl -sS ${api}/v1/test-send -H ${shq(`Authorization: Bearer ${apiKey}`)} -H 'content-type: application/json' \\
  -d ${shq(JSON.stringify(example))}
${line}
 Ctrl-C stops everything.`);
