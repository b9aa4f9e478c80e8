// Regression: a 10 MB request body got a connection reset instead of the
// documented 413 for clients that do not send `Expect: 100-continue` (4-8 of
// 20 with Node's fetch): the worker answered while the client was still
// writing. Over a real socket (workerd listening on 127.0.0.1, port 0).

import { before, after, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEdgeMiniflare } from '../../edge/miniflare.mjs';
import { API_KEY } from './edge_helpers.mjs';
import { checkedResponse } from './helpers/openapi_check.mjs';

let mf;
let origin;
before(async () => {
  mf = createEdgeMiniflare({ apiKey: API_KEY, port: 0 });
  origin = (await mf.ready).origin;
});
after(async () => {
  await mf?.dispose();
});

it('a 10 MB body answers a readable 413, 20 times out of 20, with Node fetch', async () => {
  const body = Buffer.alloc(10 * 1024 * 1024, 0x61);
  const outcomes = [];
  for (let i = 0; i < 20; i++) {
    try {
      const res = await fetch(`${origin}/v1/preview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body,
      });
      const { json } = await checkedResponse('POST', '/v1/preview', res);
      outcomes.push(`${res.status} ${json.error?.code}`);
    } catch (e) {
      outcomes.push(`${e.name}: ${e.cause?.code ?? e.message}`);
    }
  }
  assert.deepEqual(outcomes, Array(20).fill('413 body_too_large'));
});

it('a 10 MB chunked body (no Content-Length) also answers 413', async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 10; i++) controller.enqueue(chunk);
      controller.close();
    },
  });
  const res = await fetch(`${origin}/v1/preview`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  });
  assert.equal(res.status, 413);
  assert.equal(
    (await checkedResponse('POST', '/v1/preview', res)).json.error.code,
    'body_too_large',
  );
});

it('a 10 MB body without the key answers a readable 401 (the body is drained, not reset)', async () => {
  const outcomes = [];
  for (let i = 0; i < 5; i++) {
    try {
      const res = await fetch(`${origin}/v1/preview`, {
        method: 'POST',
        body: Buffer.alloc(10 * 1024 * 1024, 0x61),
      });
      outcomes.push(
        `${res.status} ${(await checkedResponse('POST', '/v1/preview', res)).json.error?.code}`,
      );
    } catch (e) {
      outcomes.push(`${e.name}: ${e.cause?.code ?? e.message}`);
    }
  }
  assert.deepEqual(outcomes, Array(5).fill('401 unauthorized'));
});
