// Runs the edge worker locally in workerd through miniflare, configured as
// wrangler.jsonc deploys it (same bindings, same Durable Object class, SQLite
// storage). Used by scripts/start.mjs, the tests and the benchmark.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: the worker imports ../../src/js and ../../dist from edge/src. */
export const REPO_ROOT = path.resolve(here, '..');

/**
 * edge/wrangler.jsonc, the deploy configuration, parsed (JSON with // and
 * /* *\/ comments and trailing commas, as wrangler reads it).
 */
export function readWranglerConfig() {
  const text = fs.readFileSync(path.join(here, 'wrangler.jsonc'), 'utf8');
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Copy a string whole, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 1;
      if (i === 0) throw new Error('edge/wrangler.jsonc: a /* comment is never closed');
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

/** The Workers compatibility date: wrangler.jsonc's, the one place it is set. */
export const COMPATIBILITY_DATE = readWranglerConfig().compatibility_date;

/**
 * workerd's allow list for the worker's outbound connections: public
 * addresses only, plus loopback (127.0.0.0/8, ::1) while allowLocalHttp.
 * The second wall under the engine's destination check: workerd applies it
 * when it connects, after DNS, so a public-looking name that resolves to an
 * internal address (127.0.0.1.nip.io, localtest.me) is refused there, for
 * fetch() and connect() alike. (miniflare's
 * default "internet" service allows public, private and 240.0.0.0/4.)
 */
export function outboundNetwork({ allowLocalHttp = false } = {}) {
  return {
    allow: allowLocalHttp ? ['public', '127.0.0.0/8', '::1/128'] : ['public'],
    // TLS for the sockets webhooks are sent on (edge/src/delivery/http1.js):
    // without tlsOptions a network service opens plain TCP only.
    tlsOptions: { trustBrowserCas: true },
  };
}

/**
 * The slice settings of one machine (edge/src/delivery/slices.js): a
 * campaign spreads over at most 8 dispatch objects (one per 12,500
 * messages), 32 attempts in flight each. workerd runs every object on one
 * thread here, so more objects add memory, not speed.
 * edge/wrangler.jsonc sets the Cloudflare values. Each can be overridden
 * through the environment of `npm start` (scripts/start.mjs).
 */
export const LOCAL_SLICE_SETTINGS = Object.freeze({
  HOOKCAST_SLICE_USERS: '12500',
  HOOKCAST_MAX_SLICES: '8',
  HOOKCAST_SLICE_CONCURRENCY: '32',
});

/**
 * Creates a Miniflare running edge/src/index.js.
 *
 * options:
 *   apiKey          HOOKCAST_API_KEY (required)
 *   allowLocalHttp  HOOKCAST_ALLOW_LOCAL_HTTP = "1" when true
 *   persistDir      folder for Durable Object state (omit: in memory)
 *   host, port      listen address (omit port: dispatchFetch only)
 *   outbound        optional function (Request) => Response that replaces the
 *                   worker's outbound fetch (tests use it to prove no packet leaves);
 *                   without it, outbound traffic goes through outboundNetwork()
 *   scriptPath      worker entry (default edge/src/index.js; the bench adds its own)
 *   corsOrigins     browser origins allowed to call the API (HOOKCAST_CORS_ORIGINS)
 *   bindings        extra plain bindings
 *   durableObjects  extra Durable Object bindings (the bench's baseline objects)
 *   assetsDir       the console's static assets (scripts/assets.mjs prepares
 *                   them): served on the worker's own origin for every path
 *                   that is a file there; everything else reaches the worker
 *   log             a miniflare Log instance
 *   runtimeStdio    optional (stdout, stderr) => void given workerd's output
 *                   streams (they end when workerd exits: start.mjs watches that)
 *   inspectorPort   V8 inspector port on 127.0.0.1 (bench/campaign_profile.mjs)
 */
export function createEdgeMiniflare(options = {}) {
  const {
    apiKey,
    allowLocalHttp = false,
    corsOrigins = [],
    persistDir,
    host = '127.0.0.1',
    port,
    outbound,
    scriptPath,
    bindings = {},
    durableObjects = {},
    log,
    assetsDir,
    runtimeStdio,
    inspectorPort,
  } = options;
  if (!apiKey) throw new Error('createEdgeMiniflare: apiKey is required');
  return new Miniflare({
    modules: true,
    modulesRoot: REPO_ROOT,
    scriptPath: scriptPath ?? path.join(REPO_ROOT, 'edge/src/index.js'),
    // Everything here is an ES module (miniflare's default treats .js as CommonJS).
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
      // The HTTP contract, served as it is (edge/src/http/openapi.js).
      { type: 'Text', include: ['**/openapi.json'] },
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: {
      DELIVERIES: { className: 'DeliveryBatch', useSQLite: true },
      // audiences: user shards (src/shards/locate.js) and the one workspace object
      USER_SHARDS: { className: 'UserShard', useSQLite: true },
      WORKSPACE: { className: 'Workspace', useSQLite: true },
      // campaign delivery: one object per campaign slice (src/delivery/dispatch.js)
      DISPATCH: { className: 'CampaignDispatch', useSQLite: true },
      // destination health: one circuit breaker per host (src/destinations/destination_health.js)
      DESTINATIONS: { className: 'DestinationHealth', useSQLite: true },
      ...durableObjects,
    },
    durableObjectsPersist: persistDir ?? false,
    bindings: {
      HOOKCAST_API_KEY: apiKey,
      HOOKCAST_ALLOW_LOCAL_HTTP: allowLocalHttp ? '1' : '0',
      HOOKCAST_CORS_ORIGINS: corsOrigins.join(','),
      ...LOCAL_SLICE_SETTINGS,
      ...bindings,
    },
    outboundService: outbound ?? { network: outboundNetwork({ allowLocalHttp }) },
    // As wrangler.jsonc's `assets`: a request whose path is a file in the
    // folder gets the file (no Authorization needed); any other path, /v1/
    // included, runs the worker, which still asks for the key.
    ...(assetsDir
      ? { assets: { directory: assetsDir, routerConfig: { has_user_worker: true } } }
      : {}),
    ...(port !== undefined ? { host, port } : {}),
    ...(log ? { log } : {}),
    ...(runtimeStdio ? { handleRuntimeStdio: runtimeStdio } : {}),
    ...(inspectorPort !== undefined ? { inspectorPort, inspectorHost: '127.0.0.1' } : {}),
  });
}
