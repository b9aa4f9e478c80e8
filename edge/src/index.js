// hookcast edge worker: the HTTP API in front of the engine and the sender.
//
//   POST /v1/preview          {spec, context}                 -> the rendered request, curl, table
//   POST /v1/test-send        {spec, context, timeoutMs?, signingSecret?}  -> one real attempt
//   POST /v1/deliveries       {spec, contexts[], timeoutMs?, signingSecret?}  -> 202 (or ?wait=1: 200 with results)
//   GET  /v1/deliveries/:id   -> the delivery, its attempts and its state
//   GET  /v1/batches/:batch   -> every delivery of one POST /v1/deliveries, with counts
//   POST|GET /v1/users, GET|DELETE /v1/users/:id, POST /v1/events, GET /v1/properties   (audiences/routes.js)
//   GET /v1/time-zones?cohort=&fallbackTimeZone=   users per time zone   (audiences/time_zones.js)
//   POST|GET /v1/cohorts, GET|PUT|DELETE /v1/cohorts/:id, POST /v1/cohorts/:id/estimate   (audiences/cohorts.js)
//   POST|GET /v1/campaigns, GET|PATCH /v1/campaigns/:key, POST …/start|pause|resume|end|preview|test-send|send,
//   GET …/stats, GET|PUT /v1/settings/frequency-capping   (campaigns/routes.js)
//   GET /v1/campaigns/:key/deliveries|exposures|results, POST /v1/campaigns/:key/audience-check|launch-check,
//   POST /v1/deliveries/:id/retry, POST /v1/campaigns/:key/resend-failed   (campaigns/results.js)
//   GET /v1/campaigns/:key/waiting   (campaigns/routes.js)
//   GET /v1/destinations, POST /v1/destinations/:host/resume   (destinations/routes.js)
//   GET|PUT /v1/settings/quiet-hours   (campaigns/quiet_hours.js)
//
//   POST|GET|DELETE /v1/session   the console's sign-in cookie   (http/session.js)
//   GET  /v1/openapi.json     -> this API's OpenAPI document (docs/openapi.yaml), no key needed
//
// Every other route needs `Authorization: Bearer <HOOKCAST_API_KEY>` or the
// console's session cookie (then a state-changing call must come from this
// origin). Errors are JSON: { ok: false, error: { code, message }, problems:
// [...] }, built by http/errors.js; docs/openapi.yaml is the contract.

import { bearerMatches, discardUnreadBody } from './http/plumbing.js';
import { errorResponse, HttpError, problem } from './http/errors.js';
import { WORKER_ERROR_CODES } from './http/error_codes.js';
import { OPENAPI_PATH, openApiResponse } from './http/openapi.js';
import { preview, testSend, createDeliveries, getDelivery, getBatch } from './delivery/routes.js';
import {
  upsertUsers,
  findUsers,
  getUser,
  deleteUser,
  addEvents,
  listProperties,
} from './audiences/routes.js';
import { countTimeZones } from './audiences/time_zones.js';
import {
  checkSessionOrigin,
  createSession,
  describeSession,
  endSession,
  sessionExpiry,
} from './http/session.js';
import {
  listCampaignDeliveries,
  listExposures,
  audienceCheck,
  retryDelivery,
  resendFailed,
  campaignResults,
} from './campaigns/results.js';
import {
  createCohort,
  listCohorts,
  getCohort,
  updateCohort,
  deleteCohort,
  estimateCohort,
} from './audiences/cohorts.js';
import * as campaigns from './campaigns/routes.js';
import { withSecurityHeaders } from './http/security_headers.js';
import { listDestinations, resumeDestination } from './destinations/routes.js';
import { getQuietHours, putQuietHours } from './campaigns/quiet_hours.js';

export { DeliveryBatch } from './delivery/batch.js';
export { UserShard } from './shards/user_shard.js';
export { Workspace } from './workspace/workspace.js';
export { CampaignDispatch } from './delivery/dispatch.js';
export { DestinationHealth } from './destinations/destination_health.js';

/** A path segment, percent-decoded; malformed escapes are kept as typed (then they match nothing). */
function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export const ROUTES = [
  { pattern: /^\/v1\/openapi\.json$/, methods: { GET: () => openApiResponse() } },
  { pattern: /^\/v1\/preview$/, methods: { POST: (req, env) => preview(req, env) } },
  { pattern: /^\/v1\/test-send$/, methods: { POST: (req, env) => testSend(req, env) } },
  {
    pattern: /^\/v1\/deliveries$/,
    methods: { POST: (req, env, url) => createDeliveries(req, env, url) },
  },
  {
    pattern: /^\/v1\/deliveries\/([^/]+)$/,
    methods: { GET: (req, env, url, m) => getDelivery(decodeSegment(m[1]), env) },
  },
  {
    pattern: /^\/v1\/batches\/([^/]+)$/,
    methods: { GET: (req, env, url, m) => getBatch(decodeSegment(m[1]), env) },
  },
  // audiences: users, events, properties, cohorts
  // the console's sign-in cookie (http/session.js); `auth` is how this call signed in
  {
    pattern: /^\/v1\/session$/,
    methods: {
      POST: (req, env, url, m, auth) =>
        auth.bearer
          ? createSession(auth.apiKey, url)
          : refuse(
              401,
              'unauthorized',
              'A session is made from the key: send "Authorization: Bearer <API key>".',
            ),
      GET: (req, env, url, m, auth) => describeSession(auth.sessionEnds),
      DELETE: (req, env, url) => endSession(url),
    },
  },
  {
    pattern: /^\/v1\/users$/,
    methods: {
      POST: (req, env) => upsertUsers(req, env),
      GET: (req, env, url) => findUsers(env, url),
    },
  },
  {
    pattern: /^\/v1\/users\/([^/]+)$/,
    methods: {
      GET: (req, env, url, m) => getUser(decodeSegment(m[1]), env),
      DELETE: (req, env, url, m) => deleteUser(decodeSegment(m[1]), env),
    },
  },
  { pattern: /^\/v1\/events$/, methods: { POST: (req, env) => addEvents(req, env) } },
  { pattern: /^\/v1\/properties$/, methods: { GET: (req, env) => listProperties(env) } },
  {
    pattern: /^\/v1\/time-zones$/,
    methods: { GET: (req, env, url) => countTimeZones(env, url) },
  },
  {
    pattern: /^\/v1\/cohorts$/,
    methods: { POST: (req, env) => createCohort(req, env), GET: (req, env) => listCohorts(env) },
  },
  {
    pattern: /^\/v1\/cohorts\/([^/]+)$/,
    methods: {
      GET: (req, env, url, m) => getCohort(decodeSegment(m[1]), env),
      PUT: (req, env, url, m) => updateCohort(decodeSegment(m[1]), req, env),
      DELETE: (req, env, url, m) => deleteCohort(decodeSegment(m[1]), env),
    },
  },
  // campaign results: deliveries, exposures, audience check, replay of a failed delivery
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/deliveries$/,
    methods: { GET: (req, env, url, m) => listCampaignDeliveries(decodeSegment(m[1]), env, url) },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/exposures$/,
    methods: { GET: (req, env, url, m) => listExposures(decodeSegment(m[1]), env, url) },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/results$/,
    methods: { GET: (req, env, url, m) => campaignResults(decodeSegment(m[1]), env) },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/audience-check$/,
    methods: { POST: (req, env, url, m) => audienceCheck(decodeSegment(m[1]), env) },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/launch-check$/,
    methods: { POST: (req, env, url, m) => campaigns.launchCheck(decodeSegment(m[1]), env) },
  },
  {
    pattern: /^\/v1\/deliveries\/([^/]+)\/retry$/,
    methods: { POST: (req, env, url, m) => retryDelivery(decodeSegment(m[1]), req, env) },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/resend-failed$/,
    methods: { POST: (req, env, url, m) => resendFailed(decodeSegment(m[1]), env) },
  },
  {
    pattern: /^\/v1\/cohorts\/([^/]+)\/estimate$/,
    methods: { POST: (req, env, url, m) => estimateCohort(decodeSegment(m[1]), env, url) },
  },
  // campaigns: CRUD, lifecycle, preview/test-send, API sends, stats, frequency capping
  {
    pattern: /^\/v1\/campaigns$/,
    methods: {
      POST: (req, env) => campaigns.createCampaign(req, env),
      GET: (req, env) => campaigns.listCampaigns(env),
    },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)$/,
    methods: {
      GET: (req, env, url, m) => campaigns.getCampaign(decodeSegment(m[1]), env),
      PATCH: (req, env, url, m) => campaigns.updateCampaign(decodeSegment(m[1]), req, env),
    },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/(start|pause|resume|end)$/,
    methods: {
      POST: (req, env, url, m) => campaigns.transitionCampaign(decodeSegment(m[1]), m[2], env),
    },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/preview$/,
    methods: {
      POST: (req, env, url, m) => campaigns.previewCampaign(decodeSegment(m[1]), req, env),
    },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/test-send$/,
    methods: {
      POST: (req, env, url, m) => campaigns.testSendCampaign(decodeSegment(m[1]), req, env),
    },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/send$/,
    methods: { POST: (req, env, url, m) => campaigns.sendCampaign(decodeSegment(m[1]), req, env) },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/stats$/,
    methods: { GET: (req, env, url, m) => campaigns.getCampaignStats(decodeSegment(m[1]), env) },
  },
  {
    pattern: /^\/v1\/campaigns\/([^/]+)\/waiting$/,
    methods: { GET: (req, env, url, m) => campaigns.getCampaignWaiting(decodeSegment(m[1]), env) },
  },
  {
    pattern: /^\/v1\/settings\/quiet-hours$/,
    methods: { GET: (req, env) => getQuietHours(env), PUT: (req, env) => putQuietHours(req, env) },
  },
  // destination health: the circuit breaker per host
  { pattern: /^\/v1\/destinations$/, methods: { GET: (req, env) => listDestinations(env) } },
  {
    pattern: /^\/v1\/destinations\/([^/]+)\/resume$/,
    methods: { POST: (req, env, url, m) => resumeDestination(decodeSegment(m[1]), env) },
  },
  {
    pattern: /^\/v1\/settings\/frequency-capping$/,
    methods: {
      GET: (req, env) => campaigns.getFrequencyCapping(env),
      PUT: (req, env) => campaigns.putFrequencyCapping(req, env),
    },
  },
];

/** An error answer with one problem about the request as a whole. */
const refuse = (status, code, message, headers) =>
  errorResponse(status, [problem('', code, message)], message, headers);

async function route(request, env) {
  const url = new URL(request.url);
  // The contract itself is public: tools read it before they have a key.
  if (url.pathname === OPENAPI_PATH && request.method === 'GET') return openApiResponse();
  const apiKey = env.HOOKCAST_API_KEY;
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    return refuse(503, 'not_configured', 'The worker has no HOOKCAST_API_KEY; set it as a secret.');
  }
  // The key itself, or the console's session cookie (http/session.js), whose
  // state-changing calls must come from this origin.
  const bearer = await bearerMatches(request, apiKey);
  const sessionEnds = bearer ? null : await sessionExpiry(request, apiKey);
  if (!bearer && sessionEnds === null) {
    return refuse(401, 'unauthorized', 'Send "Authorization: Bearer <API key>".', {
      'www-authenticate': 'Bearer realm="hookcast"',
    });
  }
  if (!bearer) checkSessionOrigin(request, url);
  const auth = { apiKey, bearer, sessionEnds };
  for (const r of ROUTES) {
    const m = r.pattern.exec(url.pathname);
    if (!m) continue;
    const handler = r.methods[request.method];
    if (!handler) {
      const allow = Object.keys(r.methods).join(', ');
      return refuse(
        405,
        'method_not_allowed',
        `${url.pathname} accepts ${allow}, not ${request.method}.`,
        { allow },
      );
    }
    return handler(request, env, url, m, auth);
  }
  return refuse(404, 'not_found', `No route ${request.method} ${url.pathname}.`);
}

/**
 * Origins allowed to call the API from a browser (the dashboard), from
 * HOOKCAST_CORS_ORIGINS: a comma- or space-separated list; none by default.
 */
function corsOrigin(request, env) {
  const origin = request.headers.get('origin');
  if (!origin) return null;
  const allowed = String(env.HOOKCAST_CORS_ORIGINS ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  return allowed.includes(origin) ? origin : null;
}

export default {
  async fetch(request, env) {
    const origin = corsOrigin(request, env);
    // A browser's preflight carries no Authorization; answer it for allowed
    // origins only. Everything else, OPTIONS included, needs the key.
    if (
      origin &&
      request.method === 'OPTIONS' &&
      request.headers.has('access-control-request-method')
    ) {
      return withSecurityHeaders(
        new Response(null, {
          status: 204,
          headers: {
            'access-control-allow-origin': origin,
            'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
            'access-control-allow-headers': 'Authorization, Content-Type, Prefer, Idempotency-Key',
            'access-control-max-age': '600',
            vary: 'Origin',
          },
        }),
      );
    }
    const response = withSecurityHeaders(await handle(request, env));
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
    // Its located problems are answered as they are; otherwise one problem
    // with its code when the worker's registry has it, else invalid_request.
    if (e?.name === 'HookcastError') {
      const code = e.code in WORKER_ERROR_CODES ? e.code : 'invalid_request';
      return errorResponse(
        400,
        e.problems?.length ? e.problems : [problem('', code, e.message)],
        e.message,
      );
    }
    console.error('hookcast: unexpected error', e?.stack ?? e);
    return refuse(
      500,
      'internal_error',
      'Something went wrong inside hookcast; the details are in the worker log.',
    );
  }
}
