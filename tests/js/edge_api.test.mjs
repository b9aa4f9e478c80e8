// The worker's HTTP API surface in workerd: auth, routing, body limits,
// malformed input, validation problems, preview. The worker's outbound is
// replaced by a trap that answers 599 to fetch() and carries no socket (the
// webhook sends, edge/src/delivery/http1.js, fail inside the worker; see
// edge_ssrf.test.mjs "the trap"): a spec that passes validation here
// (public example hosts) must never reach the network.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEdge, API_KEY } from './edge_helpers.mjs';
import { createEngine } from '../../src/js/node.js';
import { checkedResponse } from './helpers/openapi_check.mjs';

let edge;
let engine;
const trapped = [];
const trap = async (request) => {
  trapped.push(request.url);
  return new Response('trapped', { status: 599 });
};
before(async () => {
  [edge, engine] = await Promise.all([
    startEdge({ allowLocalHttp: false, outbound: trap }),
    createEngine(),
  ]);
});
after(() => edge?.close());

const SPEC = {
  url: 'https://api.example.com/users/{{ user.id }}',
  method: 'POST',
  headers: [{ key: 'X-Plan', value: '{{ user.plan | default: "free" }}' }],
  body: '{"id": "{{ user.id }}"}',
};
const CONTEXT = { user: { id: 'u 1', properties: { plan: 'pro' } } };

function assertError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.equal(res.json.ok, false);
  assert.equal(res.json.error.code, code, res.text);
  assert.ok(res.json.error.message.length > 0);
  assert.ok(Array.isArray(res.json.problems) && res.json.problems.length > 0);
}

describe('auth', { concurrency: true }, () => {
  for (const [what, headers] of [
    ['no Authorization header', { authorization: null }],
    ['a wrong key', { authorization: 'Bearer nope' }],
    ['the key with one character changed', { authorization: `Bearer ${API_KEY.slice(0, -1)}x` }],
    ['the key as a prefix', { authorization: `Bearer ${API_KEY}x` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['Basic auth', { authorization: `Basic ${Buffer.from(`u:${API_KEY}`).toString('base64')}` }],
  ]) {
    it(`answers 401 JSON for ${what}`, async () => {
      for (const [method, path] of [
        ['POST', '/v1/preview'],
        ['GET', '/v1/deliveries/msg_x'],
        ['GET', '/nothing-here'],
      ]) {
        const res = await edge.api(method, path, method === 'POST' ? { spec: SPEC } : undefined, {
          headers,
        });
        assertError(res, 401, 'unauthorized');
        assert.match(res.headers.get('www-authenticate'), /^Bearer/);
      }
    });
  }
  it('answers 503 not_configured, never 200, when the worker has no HOOKCAST_API_KEY', async () => {
    const bare = await startEdge({ bindings: { HOOKCAST_API_KEY: '' }, outbound: trap });
    try {
      for (const authorization of [null, 'Bearer ', `Bearer ${API_KEY}`]) {
        const res = await bare.api(
          'POST',
          '/v1/preview',
          { spec: SPEC },
          { headers: { authorization } },
        );
        assertError(res, 503, 'not_configured');
      }
    } finally {
      await bare.close();
    }
  });

  it('accepts the right key, case-insensitive scheme', async () => {
    const res = await edge.api(
      'POST',
      '/v1/preview',
      { spec: SPEC, context: CONTEXT },
      { headers: { authorization: `bearer ${API_KEY}` } },
    );
    assert.equal(res.status, 200, res.text);
  });
});

describe('routing and body parsing', { concurrency: true }, () => {
  it('404 JSON for an unknown route, 405 with Allow for a wrong method', async () => {
    assertError(await edge.api('GET', '/v2/preview'), 404, 'not_found');
    assertError(await edge.api('GET', '/'), 404, 'not_found');
    const res = await edge.api('GET', '/v1/preview');
    assertError(res, 405, 'method_not_allowed');
    assert.equal(res.headers.get('allow'), 'POST');
    assertError(
      await edge.api('DELETE', '/v1/deliveries/msg_aaaaaaaaaaaaaaaaaaaa_0'),
      405,
      'method_not_allowed',
    );
  });

  it('413 for a body over 1 MiB, whether or not Content-Length says so', async () => {
    const big = JSON.stringify({
      spec: SPEC,
      context: { user: { properties: { blob: 'x'.repeat(1024 * 1024) } } },
    });
    assertError(await edge.api('POST', '/v1/preview', big), 413, 'body_too_large');
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
        c.close();
      },
    });
    const res = await edge.mf.dispatchFetch('http://hookcast.test/v1/test-send', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    assert.equal(res.status, 413);
    assert.equal(
      (await checkedResponse('POST', '/v1/test-send', res)).json.error.code,
      'body_too_large',
    );
  });

  it('400 naming the reason for malformed JSON, empty bodies and non-objects', async () => {
    const bad = await edge.api('POST', '/v1/preview', '{"spec": {');
    assertError(bad, 400, 'invalid_json');
    assert.match(bad.json.error.message, /not valid JSON: .+/);
    assertError(await edge.api('POST', '/v1/test-send', ''), 400, 'invalid_json');
    assertError(await edge.api('POST', '/v1/deliveries', '[1, 2]'), 400, 'invalid_json');
    assertError(await edge.api('POST', '/v1/deliveries', '"spec"'), 400, 'invalid_json');
    assertError(
      await edge.api('POST', '/v1/preview', new Uint8Array([0x7b, 0xff, 0x7d])),
      400,
      'invalid_utf8',
    );
  });

  it('400 naming the field when spec, context or contexts have the wrong shape', async () => {
    const fields = async (path, body) => {
      const res = await edge.api('POST', path, body);
      assert.equal(res.status, 400, res.text);
      return res.json.problems.map((p) => `${p.field}:${p.code}`);
    };
    assert.deepEqual(await fields('/v1/preview', {}), ['spec:required']);
    assert.deepEqual(await fields('/v1/preview', { spec: 'https://x' }), ['spec:invalid_spec']);
    assert.deepEqual(await fields('/v1/preview', { spec: SPEC, context: [] }), [
      'context:invalid_context',
    ]);
    assert.deepEqual(await fields('/v1/deliveries', { spec: SPEC }), ['contexts:required']);
    assert.deepEqual(await fields('/v1/deliveries', { spec: SPEC, contexts: {} }), [
      'contexts:invalid_type',
    ]);
    assert.deepEqual(await fields('/v1/deliveries', { spec: SPEC, contexts: [] }), [
      'contexts:empty',
    ]);
    assert.deepEqual(await fields('/v1/deliveries', { spec: SPEC, contexts: [{}, 7, null] }), [
      'contexts[1]:invalid_context',
      'contexts[2]:invalid_context',
    ]);
    assert.deepEqual(await fields('/v1/test-send', { spec: SPEC, timeoutMs: 30_001 }), [
      'timeoutMs:out_of_range',
    ]);
    assert.deepEqual(await fields('/v1/test-send', { spec: SPEC, timeoutMs: 0 }), [
      'timeoutMs:out_of_range',
    ]);
    assert.deepEqual(await fields('/v1/test-send', { spec: SPEC, timeoutMs: '500' }), [
      'timeoutMs:invalid_type',
    ]);
    assert.deepEqual(
      await fields('/v1/deliveries', { spec: SPEC, contexts: [{}], timeoutMs: 1.5 }),
      ['timeoutMs:invalid_type'],
    );
    assert.deepEqual(await fields('/v1/test-send', { spec: SPEC, signingSecret: 'secret' }), [
      'signingSecret:invalid_signing_secret',
    ]);
    assert.deepEqual(await fields('/v1/test-send', { spec: SPEC, signingSecret: 'whsec_!!!' }), [
      'signingSecret:invalid_signing_secret',
    ]);
    assert.deepEqual(
      await fields('/v1/test-send', { spec: SPEC, signingSecret: `whsec_${btoa('short')}` }),
      ['signingSecret:invalid_signing_secret'],
    );
  });

  it("400 with the engine's problems for an invalid spec, on every sending route", async () => {
    const spec = {
      url: 'ftp://x',
      method: 'FETCH',
      headers: [{ key: 'Content-Length', value: '1' }],
    };
    const expected = engine
      .validate(spec, { allowLocalHttp: false })
      .problems.filter((p) => p.severity === 'error');
    assert.ok(expected.length >= 2);
    for (const [path, body] of [
      ['/v1/test-send', { spec, context: {} }],
      ['/v1/deliveries', { spec, contexts: [{}] }],
    ]) {
      const res = await edge.api('POST', path, body);
      assert.equal(res.status, 400, res.text);
      for (const p of expected)
        assert.ok(
          res.json.problems.some((q) => q.field === p.field && q.code === p.code),
          `${path}: ${p.field} ${p.code}`,
        );
    }
  });

  it('404 for unknown or malformed delivery ids', async () => {
    assertError(
      await edge.api('GET', '/v1/deliveries/msg_aaaaaaaaaaaaaaaaaaaa_0'),
      404,
      'not_found',
    );
    assertError(await edge.api('GET', '/v1/deliveries/nope'), 404, 'not_found');
    assertError(
      await edge.api('GET', '/v1/deliveries/msg_aaaaaaaaaaaaaaaaaaaa_01'),
      404,
      'not_found',
    );
    assertError(await edge.api('GET', '/v1/batches/aaaaaaaaaaaaaaaaaaaa'), 404, 'not_found');
    assertError(await edge.api('GET', '/v1/batches/..'), 404, 'not_found');
    assertError(await edge.api('GET', '/v1/deliveries/%E0%A4%A'), 404, 'not_found');
  });
});

describe('preview', { concurrency: true }, () => {
  it("returns the engine's request, curl and table", async () => {
    const res = await edge.api('POST', '/v1/preview', { spec: SPEC, context: CONTEXT });
    assert.equal(res.status, 200, res.text);
    const rendered = engine.render(SPEC, CONTEXT, { allowLocalHttp: false });
    assert.equal(res.json.ok, true);
    assert.deepEqual(res.json.request, rendered.request);
    assert.equal(res.json.curl, engine.toCurl(rendered.request));
    assert.deepEqual(res.json.table, engine.toTable(rendered.request));
    assert.deepEqual(res.json.problems, engine.validate(SPEC, { allowLocalHttp: false }).problems);
  });

  it('answers 200 with ok:false and the problems for a spec with errors', async () => {
    const spec = { ...SPEC, method: 'GET' };
    const res = await edge.api('POST', '/v1/preview', { spec, context: CONTEXT });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.ok, false);
    assert.equal(res.json.request, null);
    assert.deepEqual(res.json.problems, engine.validate(spec, { allowLocalHttp: false }).problems);
  });

  it('reports a render problem (header injection) for one context', async () => {
    const res = await edge.api('POST', '/v1/preview', {
      spec: SPEC,
      context: { user: { id: 'x', properties: { plan: 'a\r\nX-Evil: 1' } } },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.ok, false);
    assert.ok(
      res.json.problems.some(
        (p) => p.code === 'header_injection' && p.field === 'headers[0].value',
      ),
      res.text,
    );
  });

  it('deliveries refuse the whole batch, naming each bad context, when one context cannot render', async () => {
    const contexts = [
      CONTEXT,
      { user: { id: 'x', properties: { plan: 'a\nb' } } },
      CONTEXT,
      { user: { properties: { plan: 'c\u0000' } } },
    ];
    const res = await edge.api('POST', '/v1/deliveries', { spec: SPEC, contexts });
    assert.equal(res.status, 400, res.text);
    const bad = res.json.problems.filter((p) => p.code === 'header_injection');
    assert.deepEqual(
      bad.map((p) => p.context),
      [1, 3],
    );
    assert.match(res.json.error.message, /2 of 4 contexts cannot be sent; nothing was sent/);
  });
});

describe('hostile input never gets a 500', { concurrency: true }, () => {
  const specs = [
    { url: 5, method: 'POST' },
    { url: 'https://x.example', method: null },
    { url: 'https://x.example', method: 'POST', headers: 'X-A: 1' },
    { url: 'https://x.example', method: 'POST', headers: [null, 5, 'x', { key: 1, value: {} }] },
    { url: 'https://x.example', method: 'POST', params: { a: 1 } },
    { url: 'https://x.example', method: 'POST', params: [{ key: 'a' }] },
    { url: 'https://x.example', method: 'POST', body: 7 },
    { url: 'https://x.example', method: 'POST', body: '{"a": {{ user.a }' },
    { url: 'https://x.example/{{', method: 'POST' },
    {
      url: 'https://x.example',
      method: 'POST',
      body: '{"deep": ' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    },
    { url: `https://x.example/${'a'.repeat(100_000)}`, method: 'GET' },
    {
      url: 'https://x.example',
      method: 'POST',
      extra: { nested: [1, 2, 3] },
      __proto__: { polluted: true },
    },
  ];
  const contexts = [
    { user: 5 },
    { user: { id: 7, properties: 'x' } },
    { event: { key: [], properties: [1, 2] } },
    { user: { properties: { a: { b: { c: { d: null } } } } } },
    { user: { properties: { name: '\ud800' } } }, // lone surrogate
  ];
  for (const [i, spec] of specs.entries()) {
    it(`spec #${i}`, async () => {
      for (const [path, body] of [
        ['/v1/preview', { spec, context: contexts[i % contexts.length] }],
        ['/v1/test-send', { spec, context: contexts[i % contexts.length], timeoutMs: 100 }],
        ['/v1/deliveries', { spec, contexts }],
      ]) {
        const res = await edge.api('POST', path, body);
        assert.ok(
          [200, 202, 400].includes(res.status),
          `${path} spec #${i}: ${res.status} ${res.text.slice(0, 300)}`,
        );
        if (res.status === 400)
          assert.ok(res.json.problems.length > 0 && res.json.problems.every((p) => p.message));
      }
    });
  }
  it('valid spec with hostile contexts (nothing reaches a host but example ones)', async () => {
    const res = await edge.api('POST', '/v1/deliveries', { spec: SPEC, contexts });
    assert.ok([202, 400].includes(res.status), res.text.slice(0, 300));
    assert.ok(
      trapped.every(
        (u) =>
          new URL(u).hostname.endsWith('example.com') || new URL(u).hostname.endsWith('.example'),
      ),
      trapped.join(' '),
    );
  });
});

describe('CORS for the dashboard', { concurrency: true }, () => {
  let cors;
  const DASH = 'http://127.0.0.1:8789';
  before(async () => {
    cors = await startEdge({ corsOrigins: [DASH], outbound: trap });
  });
  after(() => cors?.close());

  const preflight = (origin) =>
    cors.mf.dispatchFetch('http://hookcast.test/v1/test-send', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('answers the preflight of an allowed origin without a key', async () => {
    const res = await preflight(DASH);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), DASH);
    assert.match(res.headers.get('access-control-allow-headers'), /Authorization/);
    assert.match(res.headers.get('access-control-allow-methods'), /POST/);
  });

  it('refuses (401) the preflight of any other origin, and never allows it', async () => {
    const res = await preflight('http://evil.example');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('marks answers to an allowed origin, errors included; none without configuration', async () => {
    const ok = await cors.api(
      'POST',
      '/v1/preview',
      { spec: SPEC, context: CONTEXT },
      { headers: { origin: DASH } },
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), DASH);
    const denied = await cors.api(
      'POST',
      '/v1/preview',
      { spec: SPEC },
      { headers: { origin: DASH, authorization: null } },
    );
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), DASH);
    const plain = await edge.api(
      'POST',
      '/v1/preview',
      { spec: SPEC, context: CONTEXT },
      { headers: { origin: DASH } },
    );
    assert.equal(plain.headers.get('access-control-allow-origin'), null);
  });
});
