// The workspace's quiet hours: the settings route and its checks.
//
//   GET|PUT /v1/settings/quiet-hours
//     { start: "21:00", end: "08:00", timeZone: "user" | IANA, fallbackTimeZone } | {} (off)
//
// Campaigns opt in with `quietHours: true`; their dispatch objects hold a
// message whose dispatch instant is inside the user's quiet hours until
// they end (delivery/dispatch.js). Whether an instant is inside, and when
// they end, is src/js/timezone.js's quietHoursEndMs, beside the one
// conversion between wall times and instants it needs. A change reaches
// every campaign's dispatch objects before the answer (a new snapshot
// version, as an edit).

import { readJsonBody, isObject } from '../http/plumbing.js';
import { json } from '../http/json.js';
import { badRequest, problem } from '../http/errors.js';
import { isTimeZone, parseTimeOfDay } from '../../../src/js/timezone.js';
import { notifyCampaign } from '../delivery/dispatch_control.js';
import { workspaceStub } from '../stubs.js';

const FIELDS = ['start', 'end', 'timeZone', 'fallbackTimeZone'];

/** The problems of a quiet-hours body (empty: it may be stored). */
export function quietHoursProblems(body) {
  if (!isObject(body))
    return [
      problem(
        '',
        'invalid_type',
        'Quiet hours are an object { start, end, timeZone, fallbackTimeZone? }, or {} to turn them off.',
      ),
    ];
  const problems = [];
  for (const k of Object.keys(body))
    if (!FIELDS.includes(k))
      problems.push(
        problem(
          k,
          'unknown_field',
          `"${k.slice(0, 64)}" is not a quiet-hours field (known: ${FIELDS.join(', ')}).`,
        ),
      );
  if (Object.keys(body).length === 0) return problems;
  for (const k of ['start', 'end']) {
    if (body[k] === undefined)
      problems.push(
        problem(k, 'required', `Quiet hours need ${k}, a local time of day like "21:00".`),
      );
    else if (parseTimeOfDay(body[k]) === null)
      problems.push(
        problem(k, 'invalid_date_time', `${k} must be a local time of day HH:mm, 00:00 to 23:59.`),
      );
  }
  if (!problems.length && body.start === body.end)
    problems.push(
      problem(
        'end',
        'invalid_value',
        'end equals start: quiet hours would be empty; send {} to turn them off.',
      ),
    );
  if (body.timeZone === undefined)
    problems.push(
      problem(
        'timeZone',
        'required',
        'Quiet hours need timeZone: "user" (each user\'s timezone property) or an IANA zone.',
      ),
    );
  else if (body.timeZone !== 'user' && !isTimeZone(body.timeZone))
    problems.push(
      problem(
        'timeZone',
        'unknown_time_zone',
        'timeZone is "user" or an IANA time zone such as "Asia/Seoul".',
      ),
    );
  if (body.timeZone === 'user') {
    if (body.fallbackTimeZone === undefined)
      problems.push(
        problem(
          'fallbackTimeZone',
          'required',
          'timeZone "user" needs fallbackTimeZone, the zone of users without a timezone property.',
        ),
      );
    else if (!isTimeZone(body.fallbackTimeZone))
      problems.push(
        problem(
          'fallbackTimeZone',
          'unknown_time_zone',
          'fallbackTimeZone is an IANA time zone such as "Asia/Seoul".',
        ),
      );
  } else if (body.fallbackTimeZone !== undefined) {
    problems.push(
      problem(
        'fallbackTimeZone',
        'invalid_value',
        'fallbackTimeZone applies only with timeZone "user".',
      ),
    );
  }
  return problems;
}

/** GET /v1/settings/quiet-hours */
export async function getQuietHours(env) {
  return json(await workspaceStub(env).getQuietHours());
}

/** PUT /v1/settings/quiet-hours */
export async function putQuietHours(request, env) {
  const body = await readJsonBody(request);
  const problems = quietHoursProblems(body);
  if (problems.length) throw badRequest(problems);
  const value = Object.keys(body).length
    ? Object.fromEntries(FIELDS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]))
    : {};
  const stored = await workspaceStub(env).setQuietHours(value);
  await Promise.all(
    stored.campaigns.map((c) =>
      notifyCampaign(env, c.key, { status: c.status, version: c.version }),
    ),
  );
  return json(stored.quietHours);
}
