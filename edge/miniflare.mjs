// Runs the edge worker locally in workerd through miniflare, configured as
// wrangler.jsonc deploys it (same bindings, same Durable Object class, SQLite
// storage). Used by scripts/start.mjs, the tests and the benchmark.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: the worker imports ../../src/js and ../../dist from edge/src. */
export const REPO_ROOT = path.resolve(here, '..');
/** Matches wrangler.jsonc. */
export const COMPATIBILITY_DATE = '2025-06-01';

/**
 * Creates a Miniflare running edge/src/index.js.
 *
 * options:
 *   apiKey          HOOKCAST_API_KEY (required)
 *   allowLocalHttp  HOOKCAST_ALLOW_LOCAL_HTTP = "1" when true
 *   persistDir      folder for Durable Object state (omit: in memory)
 *   host, port      listen address (omit port: dispatchFetch only)
 *   outbound        optional function (Request) => Response that replaces the
 *                   worker's outbound fetch (tests use it to prove no packet leaves)
 *   scriptPath      worker entry (default edge/src/index.js; the bench adds its own)
 *   corsOrigins     browser origins allowed to call the API (HOOKCAST_CORS_ORIGINS)
 *   bindings        extra plain bindings
 *   durableObjects  extra Durable Object bindings (the bench's baseline objects)
 *   assetsDir       the console's static assets (scripts/assets.mjs prepares
 *                   them): served on the worker's own origin for every path
 *                   that is a file there; everything else reaches the worker
 *   log             a miniflare Log instance
 */
export function createEdgeMiniflare(options = {}) {
  const { apiKey, allowLocalHttp = false, corsOrigins = [], persistDir, host = '127.0.0.1', port, outbound, scriptPath, bindings = {}, durableObjects = {}, log, assetsDir } = options;
  if (!apiKey) throw new Error('createEdgeMiniflare: apiKey is required');
  return new Miniflare({
    modules: true,
    modulesRoot: REPO_ROOT,
    scriptPath: scriptPath ?? path.join(REPO_ROOT, 'edge/src/index.js'),
    // Everything here is an ES module (miniflare's default treats .js as CommonJS).
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: {
      DELIVERIES: { className: 'DeliveryBatch', useSQLite: true },
      // audiences: user shards (shards.js) and the one workspace object
      USER_SHARDS: { className: 'UserShard', useSQLite: true },
      WORKSPACE: { className: 'Workspace', useSQLite: true },
      // campaign delivery: one object per campaign slice (dispatch.js)
      DISPATCH: { className: 'CampaignDispatch', useSQLite: true },
      ...durableObjects,
    },
    durableObjectsPersist: persistDir ?? false,
    bindings: {
      HOOKCAST_API_KEY: apiKey,
      HOOKCAST_ALLOW_LOCAL_HTTP: allowLocalHttp ? '1' : '0',
      HOOKCAST_CORS_ORIGINS: corsOrigins.join(','),
      ...bindings,
    },
    ...(outbound ? { outboundService: outbound } : {}),
    // As wrangler.jsonc's `assets`: a request whose path is a file in the
    // folder gets the file (no Authorization needed); any other path, /v1/
    // included, runs the worker, which still asks for the key.
    ...(assetsDir ? { assets: { directory: assetsDir, routerConfig: { has_user_worker: true } } } : {}),
    ...(port !== undefined ? { host, port } : {}),
    ...(log ? { log } : {}),
  });
}
