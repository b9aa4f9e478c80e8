// Every error answer of the API, built here and nowhere else:
//   { ok: false, error: { code, message }, problems: [{ field, code, message, severity }, …] }
// `error.code` is the code of the first problem whose severity is `error`
// (so the two never disagree), and there is always at least one problem.
// Codes are the engine's (engine.problemCodes()) or the worker's
// (error_codes.js); docs/openapi.yaml lists both.

import { json } from './json.js';

/** One problem: where (`field`), a code, a sentence, and whether it refuses (`error`) or only warns. */
export function problem(field, code, message, severity = 'error') {
  return { field, code, message, severity };
}

/** The problem an error answer is named after: the first error, else the first. */
const leading = (problems) => problems.find((p) => p.severity === 'error') ?? problems[0];

/** `field: message (and N more problems)`, the default message of an answer with several problems. */
function summary(problems) {
  const first = leading(problems);
  const more = problems.length - 1;
  return `${first.field ? `${first.field}: ` : ''}${first.message}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : ''}`;
}

/** An error answer for `problems` (at least one); `message` defaults to the leading problem's. */
export function errorResponse(status, problems, message = summary(problems), headers = {}) {
  if (!Array.isArray(problems) || problems.length === 0)
    throw new TypeError(
      'errorResponse(status, problems, message?, headers?): give at least one problem',
    );
  return json(
    { ok: false, error: { code: leading(problems).code, message }, problems },
    status,
    headers,
  );
}

/** Thrown by route handlers; the router answers it with `toResponse()`. */
export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {ReturnType<typeof problem>[]} problems at least one
   * @param {string} [message] defaults to the leading problem's
   */
  constructor(status, problems, message) {
    if (!Array.isArray(problems) || problems.length === 0) {
      throw new TypeError(
        'HttpError takes (status, problems, message?) with one problem at least; for one code, fail(status, field, code, message)',
      );
    }
    super(message ?? summary(problems));
    this.status = status;
    this.problems = problems;
  }
  get code() {
    return leading(this.problems).code;
  }
  toResponse(headers) {
    return errorResponse(this.status, this.problems, this.message, headers);
  }
}

/** An error with one problem: `fail(404, 'id', 'not_found', 'No such user.')`. */
export function fail(status, field, code, message) {
  return new HttpError(status, [problem(field, code, message)], message);
}

/** 400 for bad input: every problem, nothing stored. `problems` must hold one at least. */
export function badRequest(problems, message) {
  return new HttpError(400, problems, message);
}

/** 404 for an unknown id named by `field`. */
export function notFound(field, message) {
  return fail(404, field, 'not_found', message);
}

/**
 * 409 `stored_rule_invalid`: a stored rule (a cohort's, an event campaign's
 * `where`) that the engine no longer compiles. The first problem names where
 * it is stored (`field`: `rule`, `target.cohort`, `send.where`), the engine's
 * follow as it gave them (docs/openapi.yaml: "A stored rule that no longer compiles").
 */
export function storedRuleInvalid(what, field, problems) {
  const found = problems?.length
    ? problems
    : [problem('rule', 'invalid_rule', 'The engine refuses this rule.')];
  const message = `The stored ${what} no longer compiles with this engine; save it again (${found[0].field}: ${found[0].message}).`;
  return new HttpError(409, [problem(field, 'stored_rule_invalid', message), ...found], message);
}

/** The log line background work writes when it meets such a rule (it then targets nobody). */
export function logStoredRuleInvalid(what, problems) {
  console.error(
    'hookcast: stored rule no longer compiles',
    what,
    JSON.stringify(problems ?? []).slice(0, 300),
  );
}
