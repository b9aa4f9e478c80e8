// hookcast edge worker: the HTTP API in front of the engine and the sender.
//
//   POST /v1/preview          {spec, context}                 -> the rendered request, curl, table
//   POST /v1/test-send        {spec, context, timeoutMs?, signingSecret?}  -> one real attempt
//   POST /v1/deliveries       {spec, contexts[], timeoutMs?, signingSecret?}  -> 202 (or ?wait=1: 200 with results)
//   GET  /v1/deliveries/:id   -> the delivery, its attempts and its state
//   GET  /v1/batches/:batch   -> every delivery of one POST /v1/deliveries, with counts
//
// Every route needs `Authorization: Bearer <HOOKCAST_API_KEY>`. Errors are
// JSON: { ok: false, error: { code, message }, problems: [...] }.

import { bearerMatches, discardUnreadBody, errorResponse, HttpError } from './http.js';
import { preview, testSend, createDeliveries, getDelivery, getBatch } from './api.js';

export { DeliveryBatch } from './store.js';

/** A path segment, percent-decoded; malformed escapes are kept as typed (then they match nothing). */
function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const ROUTES = [
  { pattern: /^\/v1\/preview$/, methods: { POST: (req, env) => preview(req, env) } },
  { pattern: /^\/v1\/test-send$/, methods: { POST: (req, env) => testSend(req, env) } },
  { pattern: /^\/v1\/deliveries$/, methods: { POST: (req, env, url) => createDeliveries(req, env, url) } },
  { pattern: /^\/v1\/deliveries\/([^/]+)$/, methods: { GET: (req, env, url, m) => getDelivery(decodeSegment(m[1]), env) } },
  { pattern: /^\/v1\/batches\/([^/]+)$/, methods: { GET: (req, env, url, m) => getBatch(decodeSegment(m[1]), env) } },
];

async function route(request, env) {
  const apiKey = env.HOOKCAST_API_KEY;
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    return errorResponse(503, 'not_configured', 'The worker has no HOOKCAST_API_KEY; set it as a secret.');
  }
  if (!(await bearerMatches(request, apiKey))) {
    return errorResponse(401, 'unauthorized', 'Send "Authorization: Bearer <API key>".', undefined, {
      'www-authenticate': 'Bearer realm="hookcast"',
    });
  }
  const url = new URL(request.url);
  for (const r of ROUTES) {
    const m = r.pattern.exec(url.pathname);
    if (!m) continue;
    const handler = r.methods[request.method];
    if (!handler) {
      const allow = Object.keys(r.methods).join(', ');
      return errorResponse(405, 'method_not_allowed', `${url.pathname} accepts ${allow}, not ${request.method}.`, undefined, { allow });
    }
    return handler(request, env, url, m);
  }
  return errorResponse(404, 'not_found', `No route ${request.method} ${url.pathname}.`);
}

/**
 * Origins allowed to call the API from a browser (the dashboard), from
 * HOOKCAST_CORS_ORIGINS: a comma- or space-separated list; none by default.
 */
function corsOrigin(request, env) {
  const origin = request.headers.get('origin');
  if (!origin) return null;
  const allowed = String(env.HOOKCAST_CORS_ORIGINS ?? '').split(/[\s,]+/).filter(Boolean);
  return allowed.includes(origin) ? origin : null;
}

export default {
  async fetch(request, env) {
    const origin = corsOrigin(request, env);
    // A browser's preflight carries no Authorization; answer it for allowed
    // origins only. Everything else, OPTIONS included, needs the key.
    if (origin && request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'Authorization, Content-Type, Prefer',
          'access-control-max-age': '600',
          vary: 'Origin',
        },
      });
    }
    const response = await handle(request, env);
    await discardUnreadBody(request);
    if (origin) {
      response.headers.set('access-control-allow-origin', origin);
      response.headers.append('vary', 'Origin');
    }
    return response;
  },
};

async function handle(request, env) {
  try {
    return await route(request, env);
  } catch (e) {
    if (e instanceof HttpError) return e.toResponse();
    // The engine throws HookcastError for input its contract cannot answer
    // with problems (e.g. a value that cannot be JSON): still the caller's input.
    if (e?.name === 'HookcastError') {
      return errorResponse(400, e.code ?? 'invalid_request', e.message, e.problems?.length ? e.problems : undefined);
    }
    console.error('hookcast: unexpected error', e?.stack ?? e);
    return errorResponse(500, 'internal_error', 'Something went wrong inside hookcast; the details are in the worker log.');
  }
}
