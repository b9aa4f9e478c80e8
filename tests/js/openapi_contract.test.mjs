// The HTTP contract (docs/openapi.yaml) against the worker itself: the
// router knows exactly the documented routes, both code registries are
// listed in full, every code the worker's source uses is registered, the
// document is served without a key, and a stored rule that no longer
// compiles is answered as the document says (409 stored_rule_invalid).
// Every answer here also passes through the suite-wide answer check
// (edge_helpers.mjs → helpers/openapi_check.mjs).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../src/js/node.js';
import { WORKER_ERROR_CODES } from '../../edge/src/http/error_codes.js';
import { startEdge, startSink, postSpec } from './edge_helpers.mjs';
import { HTTP_METHODS, checkAnswer, documentedPaths, openApi } from './helpers/openapi_check.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const schemas = openApi.components.schemas;

/** Every documented operation as `METHOD /path/{param}`. */
const operations = documentedPaths.flatMap((p) =>
  HTTP_METHODS.filter((m) => p.item[m]).map((m) => ({
    method: m.toUpperCase(),
    template: p.template,
  })),
);
/** A request path for a template: each {param} filled with a plausible value. */
const sample = (template) => template.replace(/\{key\}/g, 'c_1_abcd').replace(/\{[^}]+\}/g, 'x1');

describe('the document', () => {
  it('is OpenAPI 3.1 and every operation documents its answers with JSON schemas', () => {
    assert.match(openApi.openapi, /^3\.1\./);
    assert.ok(operations.length >= 35, `${operations.length} operations`);
    for (const { method, template } of operations) {
      const op = openApi.paths[template][method.toLowerCase()];
      assert.ok(op.operationId, `${method} ${template} has an operationId`);
      const statuses = Object.keys(op.responses);
      assert.ok(
        statuses.some((s) => s.startsWith('2')),
        `${method} ${template} documents a success`,
      );
      if (template !== '/v1/openapi.json') {
        for (const s of ['401', '500', '503'])
          assert.ok(statuses.includes(s), `${method} ${template} documents ${s}`);
      }
    }
  });

  it('lists the engine problem-code registry exactly (EngineProblemCode)', async () => {
    const engine = await createEngine();
    const registered = engine.problemCodes().map((c) => c.code);
    assert.deepEqual([...schemas.EngineProblemCode.enum].sort(), [...registered].sort());
  });

  it("lists the worker's registry exactly (WorkerErrorCode = edge/src/http/error_codes.js), each code with a summary", () => {
    assert.deepEqual(
      [...schemas.WorkerErrorCode.enum].sort(),
      Object.keys(WORKER_ERROR_CODES).sort(),
    );
    for (const [code, summary] of Object.entries(WORKER_ERROR_CODES)) {
      assert.match(code, /^[a-z][a-z0-9_]*$/);
      assert.ok(summary.length > 10, code);
    }
  });

  it('index.d.ts types the worker registry exactly (WorkerErrorCode)', () => {
    const dts = fs.readFileSync(path.join(ROOT, 'index.d.ts'), 'utf8');
    const union = /export type WorkerErrorCode =([^;]+);/.exec(dts);
    assert.ok(union, 'index.d.ts has no WorkerErrorCode union');
    const typed = [...union[1].matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]);
    assert.deepEqual(typed.sort(), Object.keys(WORKER_ERROR_CODES).sort());
  });

  it('every x-error-codes list names registered codes', () => {
    const registered = new Set([
      ...schemas.WorkerErrorCode.enum,
      ...schemas.EngineProblemCode.enum,
    ]);
    const lists = [];
    const walk = (v) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) k === 'x-error-codes' ? lists.push(x) : walk(x);
    };
    walk(openApi);
    assert.ok(lists.length >= 15, `${lists.length} lists`);
    for (const list of lists) for (const code of list) assert.ok(registered.has(code), code);
  });

  it('every code the worker source writes is in one of the two registries', async () => {
    const engine = await createEngine();
    const known = new Set([
      ...Object.keys(WORKER_ERROR_CODES),
      ...engine.problemCodes().map((c) => c.code),
    ]);
    const files = fs
      .readdirSync(path.join(ROOT, 'edge/src'), { recursive: true })
      .filter((f) => f.endsWith('.js'));
    const patterns = [
      /\bproblem\(\s*[^,()]+,\s*'([a-z_]+)'/g, // problem(field, 'code', …)
      /\bfail\(\s*\d+,\s*[^,()]+,\s*'([a-z_]+)'/g, // fail(status, field, 'code', …)
      /\brefuse\(\s*\d+,\s*'([a-z_]+)'/g, // refuse(status, 'code', …)
      /\bcode: '([a-z_]+)'/g, // { code: '…' } answered by an object
    ];
    const used = new Map();
    for (const f of files) {
      const text = fs.readFileSync(path.join(ROOT, 'edge/src', f), 'utf8');
      for (const re of patterns) for (const m of text.matchAll(re)) used.set(m[1], f);
    }
    assert.ok(used.size > 25, `found ${used.size} codes`);
    const unknown = [...used].filter(([code]) => !known.has(code));
    assert.deepEqual(unknown, [], 'codes used but in neither registry');
  });
});

describe('the worker', () => {
  let edge;
  let sink;
  before(async () => {
    sink = await startSink((req, res) => res.writeHead(200).end('ok'));
    edge = await startEdge({
      allowLocalHttp: true,
      scriptPath: fileURLToPath(new URL('workers/edge_test_worker.js', import.meta.url)),
    });
  });
  after(async () => {
    await edge?.close();
    await sink?.close();
  });

  it('serves the document at GET /v1/openapi.json without a key, as docs/openapi.yaml says', async () => {
    for (const authorization of [null, 'Bearer wrong-key']) {
      const r = await edge.api('GET', '/v1/openapi.json', undefined, {
        headers: { authorization },
      });
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get('content-type'), /^application\/json/);
      assert.deepEqual(
        r.json,
        openApi,
        'dist/openapi.json is stale: run `node scripts/openapi_json.mjs` (bash scripts/build.sh wasm does)',
      );
    }
    assert.equal(
      (await edge.api('GET', '/v1/campaigns', undefined, { headers: { authorization: null } }))
        .status,
      401,
      'the rest still needs the key',
    );
  });

  it("knows exactly the documented routes: the router's table and the document name the same paths and methods", async () => {
    const routes = await (await edge.mf.dispatchFetch('http://hookcast.test/test/routes')).json();
    assert.ok(routes.length >= 20);
    const matchers = routes.map((r) => ({ ...r, re: new RegExp(r.pattern) }));
    // Every documented operation is a route with that method …
    for (const { method, template } of operations) {
      const route = matchers.find((r) => r.re.test(sample(template)));
      assert.ok(route, `${method} ${template} is documented but no route matches it`);
      assert.ok(
        route.methods.includes(method),
        `${template}: the router takes ${route.methods.join(', ')}, not ${method}`,
      );
    }
    // … and every route's methods are documented for every path it matches.
    for (const route of matchers) {
      const documented = documentedPaths.filter((p) => route.re.test(sample(p.template)));
      assert.ok(documented.length > 0, `route ${route.pattern} is not in the document`);
      for (const p of documented) {
        const methods = HTTP_METHODS.filter((m) => p.item[m]).map((m) => m.toUpperCase());
        assert.deepEqual(
          methods.sort(),
          [...route.methods].sort(),
          `${p.template}: document ${methods} vs router ${route.methods}`,
        );
      }
    }
  });

  it('the answer check refuses what the document does not say', () => {
    const ok = {
      ok: false,
      error: { code: 'not_found', message: 'No campaign.' },
      problems: [{ field: 'key', code: 'not_found', message: 'No campaign.', severity: 'error' }],
    };
    const check =
      (status, body, p = '/v1/campaigns/c_1_abcd') =>
      () =>
        checkAnswer({
          method: 'GET',
          path: p,
          status,
          contentType: 'application/json',
          text: JSON.stringify(body),
        });
    check(404, ok)();
    assert.throws(check(418, ok), /status 418 is not documented/);
    assert.throws(check(404, { ...ok, extra: 1 }), /must NOT have additional properties/);
    assert.throws(
      check(404, { ...ok, error: { ...ok.error, code: 'no_such_code' } }),
      /\/error\/code must be equal to one of the allowed values/,
    );
    assert.throws(check(404, { ...ok, problems: [] }), /must NOT have fewer than 1 items/);
    assert.throws(
      check(404, { ...ok, problems: [{ ...ok.problems[0], code: 'too_long' }] }),
      /first error problem/,
    );
    assert.throws(check(200, { targeted: 0 }, '/v1/campaigns/c_1_abcd/stats'), /required property/);
    const inUse = {
      ok: false,
      error: { code: 'cohort_in_use', message: 'In use.' },
      problems: [{ field: 'id', code: 'cohort_in_use', message: 'In use.', severity: 'error' }],
    };
    const post = (p, status, body) => () =>
      checkAnswer({
        method: 'POST',
        path: p,
        status,
        contentType: 'application/json',
        text: JSON.stringify(body),
      });
    assert.throws(
      post('/v1/campaigns/c_1_abcd/start', 409, inUse),
      /error code cohort_in_use is not one of invalid_transition/,
    );
    assert.throws(post('/v1/campaigns/c_1_abcd/start', 200, 'not json'), /does not match/);
  });

  it('refusals the other suites do not reach answer as documented', async () => {
    const draft = await edge.api('POST', '/v1/campaigns', { title: 'no webhook yet' });
    const key = draft.json.campaign.key;
    const noWebhook = await edge.api('POST', `/v1/campaigns/${key}/test-send`, { context: {} });
    assert.equal(noWebhook.status, 400);
    assert.equal(noWebhook.json.error.code, 'required');
    await edge.api('PATCH', `/v1/campaigns/${key}`, { webhook: postSpec(`${sink.origin}/hook`) });
    const noUser = await edge.api('POST', `/v1/campaigns/${key}/test-send`, { userId: 'nobody' });
    assert.equal(noUser.status, 404);
    assert.equal(noUser.json.problems[0].field, 'userId');
    const cursor = await edge.api('GET', `/v1/campaigns/${key}/exposures?cursor=not-a-cursor`);
    assert.equal(cursor.status, 400);
    assert.equal(cursor.json.error.code, 'invalid_cursor');
    const big = await edge.api(
      'PATCH',
      `/v1/campaigns/${key}`,
      JSON.stringify({ title: 'x'.repeat(1024 * 1024) }),
    );
    assert.equal(big.status, 413);
    assert.equal(sink.hits.length, 0, 'nothing was sent');
  });

  it('a stored cohort rule the engine no longer compiles: 409 stored_rule_invalid on every route that evaluates it', async () => {
    const created = await edge.api('POST', '/v1/cohorts', {
      name: 'pros',
      rule: { property: 'plan', op: 'eq', value: 'pro' },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.cohort.id;
    await edge.api('POST', '/v1/users', { users: [{ id: 'u1', properties: { plan: 'pro' } }] });
    const campaign = await edge.api('POST', '/v1/campaigns', {
      title: 'api',
      webhook: postSpec(`${sink.origin}/hook`),
      target: { cohort: id },
      send: { type: 'api' },
    });
    const key = campaign.json.campaign.key;
    assert.equal((await edge.api('POST', `/v1/campaigns/${key}/start`)).status, 200);

    const stored = await edge.mf.dispatchFetch('http://hookcast.test/test/store-cohort-rule', {
      method: 'POST',
      body: JSON.stringify({
        id,
        rule: { property: 'plan', op: 'no_such_operator', value: 'pro' },
      }),
    });
    assert.equal(stored.status, 200);

    for (const [method, p, body] of [
      ['POST', `/v1/cohorts/${id}/estimate`],
      ['POST', `/v1/campaigns/${key}/audience-check`],
      ['POST', `/v1/campaigns/${key}/send`, { recipients: [{ userId: 'u1' }] }],
    ]) {
      const r = await edge.api(method, p, body);
      assert.equal(r.status, 409, `${method} ${p}: ${r.text}`);
      assert.equal(r.json.error.code, 'stored_rule_invalid');
      assert.ok(
        r.json.problems.some((q) => q.code !== 'stored_rule_invalid' && q.severity === 'error'),
        "the engine's problems are listed",
      );
    }
    assert.equal(sink.hits.length, 0, 'nothing was sent');
    // Saving the rule again fixes it.
    assert.equal(
      (
        await edge.api('PUT', `/v1/cohorts/${id}`, {
          rule: { property: 'plan', op: 'eq', value: 'pro' },
        })
      ).status,
      200,
    );
    const estimate = await edge.api('POST', `/v1/cohorts/${id}/estimate`);
    assert.equal(estimate.status, 200, estimate.text);
    assert.equal(estimate.json.users, 1);
  });
});
