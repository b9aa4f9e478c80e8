// The worker's own error and problem codes, each with what it means: the
// registry beside the engine's (engine.problemCodes()). Every `code` an
// answer carries is in one of the two; docs/openapi.yaml lists both
// (WorkerErrorCode, EngineProblemCode) and tests/js/openapi_contract.test.mjs
// keeps this file, the document and the code that uses them in step.

/** @typedef {keyof typeof WORKER_ERROR_CODES} WorkerErrorCode */

export const WORKER_ERROR_CODES = Object.freeze({
  // the HTTP layer
  unauthorized: "No bearer key, or not the worker's HOOKCAST_API_KEY (401).",
  not_configured: 'The worker has no HOOKCAST_API_KEY secret (503).',
  internal_error:
    'A fault inside hookcast, never caused by the request; details in the worker log (500).',
  not_found: 'No such route, or no such id (404).',
  method_not_allowed: 'The route exists but takes other methods, listed in Allow (405).',
  body_too_large: 'The request body is over the size bound (413).',
  invalid_request: 'The engine refused input it cannot answer with located problems.',
  // shapes of updates (ids, properties and times of users and events are the engine's codes)
  empty_update: 'An update names no field to change.',
  // query parameters and headers
  invalid_sample: '`?sample=` is not a whole number in range.',
  invalid_limit: '`?limit=` is not a whole number in range.',
  invalid_state: '`?state=` is not a delivery state.',
  invalid_cursor: 'A cursor no page gave.',
  invalid_idempotency_key: 'The Idempotency-Key header is not 1 to 255 visible ASCII characters.',
  // references and state conflicts (409)
  unknown_cohort: 'A campaign targets a cohort that does not exist.',
  idempotency_key_reused:
    'The Idempotency-Key was used with a different body for this campaign in the last 24 hours.',
  not_api_campaign: 'An API send to a campaign whose send type is not "api".',
  campaign_not_running: 'An API send to a campaign that is not running.',
  not_failed: 'A retry of a delivery that has not failed.',
  campaign_ended: 'A retry of a delivery whose campaign has ended: nothing of it is sent again.',
  invalid_render:
    'A retry\'s `render` that is not "stored" or "current", or "current" for a delivery without a campaign.',
  cross_origin:
    "A state-changing call signed in by the session cookie without this origin's Origin (403).",
  cohort_in_use: 'A cohort a campaign that has not ended targets cannot be deleted.',
  batch_exists: 'A batch id that is taken (send again).',
  stored_rule_invalid:
    'A stored cohort rule or event condition the engine no longer compiles; save it again.',
  invalid_number: 'A JSON number a double cannot hold (1e309 reads as Infinity).',
  // destinations
  invalid_host: 'A destination host that is not a URL host with an optional port.',
});
