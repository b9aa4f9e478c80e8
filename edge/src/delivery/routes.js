// The API's route handlers. Each one checks the input's shape, asks the
// engine (validate / render / compile / retry decision), and does the I/O.

import { readJsonBody, isObject } from '../http/plumbing.js';
import { json } from '../http/json.js';
import { badRequest, fail, notFound, problem } from '../http/errors.js';
import { getEngine, engineOptions, retryDecisionFor } from '../engine.js';
import { sendOnce, DEFAULT_TIMEOUT_MS } from './deliver.js';
import { importSigningKey } from './signing.js';
import { publicOutcome } from './outcome.js';
import { messageId, newBatchId, parseMessageId, singleMessageId } from './ids.js';
import { MAX_WAIT_MS } from './batch.js';
import { getCampaignDelivery } from '../campaigns/results.js';
import { batchStub } from '../stubs.js';

/** Most contexts one POST /v1/deliveries may carry. */
export const MAX_CONTEXTS = 10_000;

function requireSpec(body) {
  if (!('spec' in body))
    return [
      problem('spec', 'required', 'The request needs a "spec" object (the webhook to send).'),
    ];
  if (!isObject(body.spec))
    return [problem('spec', 'invalid_spec', '"spec" must be a JSON object.')];
  return [];
}

function checkContext(value, field) {
  if (value === undefined) return [];
  // The engine's code for a context it cannot read (render says the same).
  if (!isObject(value))
    return [
      problem(
        field,
        'invalid_context',
        `"${field}" must be a JSON object like {"user": {...}, "event": {...}}.`,
      ),
    ];
  return [];
}

const errorsOf = (problems) => problems.filter((p) => p.severity === 'error');

/** POST /v1/preview {spec, context} -> {ok, problems, request, curl, table}, all from the engine. */
export async function preview(request, env) {
  const body = await readJsonBody(request);
  const shape = [...requireSpec(body), ...checkContext(body.context, 'context')];
  if (shape.length) throw badRequest(shape);
  const engine = await getEngine();
  return json(engine.preview(body.spec, body.context ?? {}, engineOptions(env)));
}

/**
 * Problems of a request's `timeoutMs` (1..30000 ms) and `signingSecret`
 * ("whsec_" + base64 of a 24..64-byte key). The rules are the core's, the
 * same that a campaign's fields of those names follow.
 */
function checkSendOptions(engine, body) {
  const fields = {};
  if (body.timeoutMs !== undefined) fields.timeoutMs = body.timeoutMs;
  if (body.signingSecret !== undefined) fields.signingSecret = body.signingSecret;
  return engine.checkCampaign(fields, { partial: true }).problems;
}

/**
 * POST /v1/test-send {spec, context, timeoutMs?, signingSecret?}
 * One attempt, no retries: what came back and what the retry policy would do.
 */
export async function testSend(request, env) {
  const body = await readJsonBody(request);
  const engine = await getEngine();
  const shape = [
    ...requireSpec(body),
    ...checkContext(body.context, 'context'),
    ...checkSendOptions(engine, body),
  ];
  if (shape.length) throw badRequest(shape);
  const options = engineOptions(env);
  const rendered = engine.render(body.spec, body.context ?? {}, options);
  // render applied the destination rule (the host cannot hold a placeholder),
  // so the rendered URL needs no second check before this first attempt.
  if (!rendered.ok) throw badRequest(rendered.problems);
  const id = singleMessageId();
  const signingKey = body.signingSecret ? await importSigningKey(body.signingSecret) : null;
  const result = await sendOnce({
    request: rendered.request,
    msgId: id,
    signingKey,
    timeoutMs: body.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const decision = retryDecisionFor(engine, result, 1, Date.now());
  return json({
    id,
    request: rendered.request,
    warnings: rendered.warnings,
    outcome: publicOutcome(result),
    wouldRetry: decision.retry,
    retryReason: decision.reason,
    retryDelayMs: decision.retry ? decision.delayMs : 0,
    signed: signingKey !== null,
    allowLocalHttp: options.allowLocalHttp,
  });
}

/**
 * POST /v1/deliveries {spec, contexts[], timeoutMs?, signingSecret?}
 * Validates and renders everything first; any problem anywhere answers 400
 * with the full list and sends nothing. Then one delivery per context goes
 * to a DeliveryBatch object, which sends with retries.
 */
export async function createDeliveries(request, env, url) {
  const body = await readJsonBody(request);
  const engine = await getEngine();
  const shape = [...requireSpec(body), ...checkSendOptions(engine, body)];
  if (!Array.isArray(body.contexts)) {
    shape.push(
      problem(
        'contexts',
        body.contexts === undefined ? 'required' : 'invalid_type',
        '"contexts" must be an array of context objects, one per delivery.',
      ),
    );
  } else if (body.contexts.length === 0) {
    shape.push(problem('contexts', 'empty', '"contexts" is empty: give at least one context.'));
  } else if (body.contexts.length > MAX_CONTEXTS) {
    shape.push(
      problem(
        'contexts',
        'too_many',
        `At most ${MAX_CONTEXTS} contexts per request; this one has ${body.contexts.length}.`,
      ),
    );
  } else {
    body.contexts.forEach((c, i) =>
      shape.push(...checkContext(c, `contexts[${i}]`).map((p) => ({ ...p, context: i }))),
    );
  }
  if (shape.length) throw badRequest(shape);

  const options = engineOptions(env);
  const compiled = engine.compile(body.spec, options);
  if (!compiled.ok) throw badRequest(compiled.problems);
  let results;
  try {
    results = compiled.webhook.renderBatch(body.contexts);
  } finally {
    compiled.webhook.dispose?.();
  }
  if (!Array.isArray(results) || results.length !== body.contexts.length) {
    throw new Error(
      `engine renderBatch returned ${Array.isArray(results) ? results.length : typeof results} results for ${body.contexts.length} contexts`,
    );
  }
  const problems = [];
  const warnings = [];
  results.forEach((r, i) => {
    if (!r.ok) problems.push(...r.problems.map((p) => ({ ...p, context: i })));
    else warnings.push(...r.warnings.map((p) => ({ ...p, context: i })));
  });
  if (errorsOf(problems).length) {
    throw badRequest(
      problems,
      `${new Set(problems.map((p) => p.context)).size} of ${results.length} contexts cannot be sent; nothing was sent.`,
    );
  }

  const batch = newBatchId();
  const deliveries = results.map((r, i) => ({ id: messageId(batch, i), request: r.request }));
  const wait =
    url.searchParams.get('wait') === '1' ||
    /(^|[\s,;])wait($|[\s,;=])/i.test(request.headers.get('prefer') ?? '');
  const stub = batchStub(env, batch);
  const created = await stub.create({
    batch,
    deliveries,
    timeoutMs: body.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    signingSecret: body.signingSecret ?? null,
    wait,
  });
  if (!created.ok) throw fail(409, 'batch', created.code, 'That batch id is taken; send again.');
  const done = wait && created.deliveries.every((d) => d.status !== 'pending');
  return json(
    { batch, allowLocalHttp: options.allowLocalHttp, warnings, deliveries: created.deliveries },
    done ? 200 : 202,
    wait && !done ? { 'x-hookcast-note': `not finished after ${MAX_WAIT_MS} ms` } : {},
  );
}

/** GET /v1/deliveries/:id -> the delivery with its attempts and state. */
export async function getDelivery(id, env) {
  const fromCampaign = await getCampaignDelivery(id, env);
  if (fromCampaign) return fromCampaign;
  const parsed = parseMessageId(id);
  if (!parsed) {
    throw notFound(
      'id',
      `"${id}" is not a delivery id (they look like msg_<20 letters>_<n> or cmsg_<campaign>_<slice>_<n>).`,
    );
  }
  const stub = batchStub(env, parsed.batch);
  const delivery = await stub.get(parsed.index);
  if (!delivery) throw notFound('id', `No delivery ${id}.`);
  return json(delivery);
}

const BATCH_RE = /^[a-z2-7]{20}$/;

/** GET /v1/batches/:batch -> counts by state and every delivery of one POST. */
export async function getBatch(batch, env) {
  if (!BATCH_RE.test(batch)) throw notFound('batch', `No batch ${batch}.`);
  const listed = await batchStub(env, batch).list();
  if (!listed) throw notFound('batch', `No batch ${batch}.`);
  return json(listed);
}
