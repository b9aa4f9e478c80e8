// Route handlers for cohorts (stored in the Workspace object):
//   POST   /v1/cohorts { name, rule }        -> 201 { cohort }
//   GET    /v1/cohorts                       -> { cohorts }
//   GET    /v1/cohorts/:id                   -> { cohort }
//   PUT    /v1/cohorts/:id { name?, rule? }  -> { cohort }
//   DELETE /v1/cohorts/:id                   -> { ok, id, deleted } (409 cohort_in_use while a campaign not ended targets it)
//   POST   /v1/cohorts/:id/estimate[?sample=N] -> { users, sample }   membership now, every shard in parallel
// A rule is checked by the engine (validateCohort) before anything is stored.

import { readJsonBody } from '../http/plumbing.js';
import { json } from '../http/json.js';
import {
  badRequest,
  fail,
  notFound as noSuch,
  problem,
  storedRuleInvalid,
} from '../http/errors.js';
import { getEngine } from '../engine.js';
import { forEachShard } from '../shards/locate.js';
import { workspaceStub } from '../stubs.js';
import { isoTime as iso } from '../http/iso_time.js';

/** Ids in a sample by default, and at most (`?sample=`). */
export const DEFAULT_SAMPLE = 10;
export const MAX_SAMPLE = 100;

const cohortJson = (c) => ({
  id: c.id,
  name: c.name,
  rule: c.rule,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});
const notFound = (id) => noSuch('id', `No cohort ${JSON.stringify(id)}.`);

/**
 * Checks a create (all fields) or update (`partial`: any present field)
 * body; the rule through the engine. Returns { name?, rule?, warnings }.
 */
async function checkCohortBody(body, { partial }) {
  const problems = [];
  if (!partial || body.name !== undefined)
    problems.push(...(await getEngine()).checkInput('cohortName', body.name, 'name'));
  let warnings = [];
  if (!partial || body.rule !== undefined) {
    if (body.rule === undefined) {
      problems.push(
        problem(
          'rule',
          'required',
          'A cohort needs a "rule", e.g. {"property": "plan", "op": "eq", "value": "pro"}.',
        ),
      );
    } else {
      const engine = await getEngine();
      const checked = engine.validateCohort(body.rule);
      const errors = checked.problems.filter((p) => p.severity === 'error');
      if (!checked.ok || errors.length) problems.push(...checked.problems);
      else warnings = checked.problems;
    }
  }
  if (partial && body.name === undefined && body.rule === undefined) {
    problems.push(problem('', 'empty_update', 'Send "name", "rule" or both.'));
  }
  if (problems.length) throw badRequest(problems);
  return { name: body.name, rule: body.rule, warnings };
}

const withWarnings = (answer, warnings) =>
  warnings.length ? { ...answer, problems: warnings } : answer;

/** POST /v1/cohorts */
export async function createCohort(request, env) {
  const body = await readJsonBody(request, { rules: ['rule'] });
  const { name, rule, warnings } = await checkCohortBody(body, { partial: false });
  const cohort = await workspaceStub(env).createCohort({ name, rule }, Date.now());
  return json(withWarnings({ cohort: cohortJson(cohort) }, warnings), 201);
}

/** GET /v1/cohorts */
export async function listCohorts(env) {
  const cohorts = await workspaceStub(env).listCohorts();
  return json({ cohorts: cohorts.map(cohortJson) });
}

/** GET /v1/cohorts/:id */
export async function getCohort(id, env) {
  const cohort = await workspaceStub(env).getCohort(id);
  if (!cohort) throw notFound(id);
  return json({ cohort: cohortJson(cohort) });
}

/** PUT /v1/cohorts/:id */
export async function updateCohort(id, request, env) {
  const body = await readJsonBody(request, { rules: ['rule'] });
  const { name, rule, warnings } = await checkCohortBody(body, { partial: true });
  const cohort = await workspaceStub(env).updateCohort(id, { name, rule }, Date.now());
  if (!cohort) throw notFound(id);
  return json(withWarnings({ cohort: cohortJson(cohort) }, warnings));
}

/** DELETE /v1/cohorts/:id */
export async function deleteCohort(id, env) {
  const result = await workspaceStub(env).deleteCohort(id);
  if (result.ok) return json({ ok: true, id, deleted: true });
  if (result.code === 'cohort_in_use') {
    throw fail(
      409,
      'id',
      'cohort_in_use',
      `Cohort ${id} is the target of a campaign that has not ended; end the campaign or change its target first.`,
    );
  }
  throw notFound(id);
}

/** The `?sample=` size: an integer 0 … MAX_SAMPLE, default DEFAULT_SAMPLE. */
function sampleSizeOf(url) {
  const raw = url.searchParams.get('sample');
  if (raw === null) return DEFAULT_SAMPLE;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0 || n > MAX_SAMPLE) {
    throw badRequest([
      problem(
        'sample',
        'invalid_sample',
        `?sample= must be a whole number from 0 to ${MAX_SAMPLE}.`,
      ),
    ]);
  }
  return n;
}

/** POST /v1/cohorts/:id/estimate */
export async function estimateCohort(id, env, url) {
  const sampleSize = sampleSizeOf(url);
  const cohort = await workspaceStub(env).getCohort(id);
  if (!cohort) throw notFound(id);
  const now = Date.now();
  const parts = await forEachShard(env, (stub) => stub.estimate(cohort.rule, now, sampleSize));
  const refused = parts.find((p) => !p.ok);
  // A stored rule was valid when saved; one this engine no longer compiles is 409 (docs/openapi.yaml).
  if (refused) throw storedRuleInvalid(`rule of cohort ${id}`, 'rule', refused.problems);
  let users = 0;
  const sample = [];
  for (const p of parts) {
    users += p.users;
    sample.push(...p.sample);
  }
  sample.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return json({ users, sample: sample.slice(0, sampleSize), at: iso(now) });
}
