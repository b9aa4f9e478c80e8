// The worker's own error and problem codes, each with what it means: the
// registry beside the engine's (engine.problemCodes()). Every `code` an
// answer carries is in one of the two; docs/openapi.yaml lists both
// (WorkerErrorCode, EngineProblemCode) and tests/js/openapi_contract.test.mjs
// keeps this file, the document and the code that uses them in step.

/** @typedef {keyof typeof WORKER_ERROR_CODES} WorkerErrorCode */

export const WORKER_ERROR_CODES = Object.freeze({
  // the HTTP layer
  unauthorized: 'No bearer key, or not the worker\'s HOOKCAST_API_KEY (401).',
  not_configured: 'The worker has no HOOKCAST_API_KEY secret (503).',
  internal_error: 'A fault inside hookcast, never caused by the request; details in the worker log (500).',
  not_found: 'No such route, or no such id (404).',
  method_not_allowed: 'The route exists but takes other methods, listed in Allow (405).',
  body_too_large: 'The request body is over the size bound (413).',
  invalid_request: 'The engine refused input it cannot answer with located problems.',
  // shapes of users, events, recipients and ids
  empty: 'A list or id that must not be empty is empty.',
  empty_update: 'An update names no field to change.',
  invalid_text: 'Text with an unpaired UTF-16 surrogate (it cannot be stored as UTF-8).',
  invalid_id: 'A user id a URL path cannot name ("." or "..").',
  invalid_property_name: 'A property name that is empty, not UTF-8, or longer than 256 bytes.',
  too_deep: 'Property values nested deeper than the bound.',
  too_many_properties: 'More properties than a user or event may keep.',
  properties_too_large: 'Properties larger, as JSON, than a user or event may keep.',
  invalid_time: 'Not an ISO 8601 date and time with an offset (an event\'s `at`).',
  // query parameters and headers
  invalid_sample: '`?sample=` is not a whole number in range.',
  invalid_limit: '`?limit=` is not a whole number in range.',
  invalid_state: '`?state=` is not a delivery state.',
  invalid_cursor: 'A cursor no page gave.',
  invalid_idempotency_key: 'The Idempotency-Key header is not 1 to 255 visible ASCII characters.',
  // references and state conflicts (409)
  unknown_cohort: 'A campaign targets a cohort that does not exist.',
  idempotency_key_reused: 'The Idempotency-Key was used with a different body for this campaign in the last 24 hours.',
  not_api_campaign: 'An API send to a campaign whose send type is not "api".',
  campaign_not_running: 'An API send to a campaign that is not running.',
  not_failed: 'A retry of a delivery that has not failed.',
  campaign_ended: 'A retry of a delivery whose campaign has ended: nothing of it is sent again.',
  invalid_render: 'A retry\'s `render` that is not "stored" or "current", or "current" for a delivery without a campaign.',
  cross_origin: 'A state-changing call signed in by the session cookie without this origin\'s Origin (403).',
  cohort_in_use: 'A cohort a campaign that has not ended targets cannot be deleted.',
  batch_exists: 'A batch id that is taken (send again).',
  stored_rule_invalid: 'A stored cohort rule or event condition the engine no longer compiles; save it again.',
});
