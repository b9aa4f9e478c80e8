// The worker's routes as the console calls them, each named once here and
// nowhere else in web/: pages call `client.campaign(key)`, never build a
// path. Every call answers the transport's value ({ ok, status, data, error,
// problems }, see api.js); nothing throws for a refusal.
import { api } from './api.js';

const seg = encodeURIComponent;
const campaignPath = (key) => `/v1/campaigns/${seg(key)}`;
/** `?a=1&b=2` from the entries that are set, or ''. */
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  return q.size ? `?${q}` : '';
}

export const client = {
  // Campaigns
  campaigns: () => api('GET', '/v1/campaigns'),
  createCampaign: (fields) => api('POST', '/v1/campaigns', fields),
  campaign: (key) => api('GET', campaignPath(key)),
  patchCampaign: (key, fields) => api('PATCH', campaignPath(key), fields),
  /** `action`: start | pause | resume | end. */
  transition: (key, action) => api('POST', `${campaignPath(key)}/${seg(action)}`),
  /** `who`: { userId } | { context }. */
  preview: (key, who) => api('POST', `${campaignPath(key)}/preview`, who),
  testSend: (key, who) => api('POST', `${campaignPath(key)}/test-send`, who),
  audienceCheck: (key) => api('POST', `${campaignPath(key)}/audience-check`),
  /** What start would refuse with now, nothing started: { launchable, problems }. */
  launchCheck: (key) => api('POST', `${campaignPath(key)}/launch-check`),
  stats: (key) => api('GET', `${campaignPath(key)}/stats`),
  deliveries: (key, { state, cursor } = {}) =>
    api('GET', `${campaignPath(key)}/deliveries${query({ state, cursor })}`),
  exposures: (key, cursor) => api('GET', `${campaignPath(key)}/exposures${query({ cursor })}`),
  /** The experiment's groups and uplift. */
  results: (key) => api('GET', `${campaignPath(key)}/results`),
  resendFailed: (key) => api('POST', `${campaignPath(key)}/resend-failed`),
  /** Pending messages held on purpose: { waiting: { quietHours, destination } }. */
  waiting: (key) => api('GET', `${campaignPath(key)}/waiting`),
  /** `render`: "stored" (the exact request again) | "current" (the campaign's webhook now). */
  retryDelivery: (id, render) =>
    api('POST', `/v1/deliveries/${seg(id)}/retry`, render ? { render } : undefined),

  // Users, events and what they carry
  user: (id) => api('GET', `/v1/users/${seg(id)}`),
  /** Users whose id starts with `q` or one of whose property values holds it. */
  findUsers: (q, limit) => api('GET', `/v1/users${query({ q, limit })}`),
  properties: () => api('GET', '/v1/properties'),
  /** Users per time zone ({ cohort } id, else every user), those without one in `fallbackTimeZone`. */
  timeZones: ({ cohort, fallbackTimeZone } = {}) =>
    api('GET', `/v1/time-zones${query({ cohort, fallbackTimeZone })}`),

  // Cohorts
  cohorts: () => api('GET', '/v1/cohorts'),
  cohort: (id) => api('GET', `/v1/cohorts/${seg(id)}`),
  createCohort: (body) => api('POST', '/v1/cohorts', body),
  updateCohort: (id, body) => api('PUT', `/v1/cohorts/${seg(id)}`, body),
  deleteCohort: (id) => api('DELETE', `/v1/cohorts/${seg(id)}`),
  estimate: (id, sample) => api('POST', `/v1/cohorts/${seg(id)}/estimate${query({ sample })}`),

  // Workspace settings
  frequencyCapping: () => api('GET', '/v1/settings/frequency-capping'),
  saveFrequencyCapping: (body) => api('PUT', '/v1/settings/frequency-capping', body),
  quietHours: () => api('GET', '/v1/settings/quiet-hours'),
  saveQuietHours: (body) => api('PUT', '/v1/settings/quiet-hours', body),

  // Destination health (the circuit breaker per host)
  destinations: () => api('GET', '/v1/destinations'),
  resumeDestination: (host) => api('POST', `/v1/destinations/${seg(host)}/resume`),

  // Signing in (auth.js): the key exchanged for the session cookie once; every other call carries the cookie only.
  createSession: (key) => api('POST', '/v1/session', undefined, { Authorization: `Bearer ${key}` }),
  session: () => api('GET', '/v1/session'),
  endSession: () => api('DELETE', '/v1/session'),

  // Single requests (no campaign)
  previewSpec: (spec, context) => api('POST', '/v1/preview', { spec, context }),
};
