// Regression: with /users/{{ user.v }}/events, v = ".." rendered
// /users/../events and the receiver got POST /events, while the cURL
// preview (--path-as-is) showed the dots. Preview, test-send and deliveries
// must all refuse that user, with the same code, before anything is sent.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEdge, startSink } from './edge_helpers.mjs';

let edge;
let sink;
before(async () => {
  [edge, sink] = await Promise.all([
    startEdge({ allowLocalHttp: true }),
    startSink((req, res) => res.end('{}')),
  ]);
});
after(async () => {
  await Promise.all([edge?.close(), sink?.close()]);
});

const spec = () => ({
  url: `${sink.origin}/users/{{ user.v }}/events`,
  method: 'POST',
  body: '{}',
});
const ctx = (v) => ({ user: { id: 'u1', properties: { v } } });
const codes = (res) =>
  (res.json?.problems ?? [])
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.field}:${p.code}`);

it('preview, test-send and deliveries refuse a dot segment from personalization alike', async () => {
  for (const v of ['..', '.']) {
    const prev = await edge.api('POST', '/v1/preview', { spec: spec(), context: ctx(v) });
    assert.equal(prev.status, 200);
    assert.equal(prev.json.ok, false);
    assert.deepEqual(codes(prev), ['url:path_traversal']);
    const send = await edge.api('POST', '/v1/test-send', { spec: spec(), context: ctx(v) });
    assert.equal(send.status, 400, send.text);
    assert.deepEqual(codes(send), ['url:path_traversal']);
    const many = await edge.api('POST', '/v1/deliveries?wait=1', {
      spec: spec(),
      contexts: [ctx('fine'), ctx(v)],
    });
    assert.equal(many.status, 400, many.text);
    assert.deepEqual(
      many.json.problems.map((p) => [p.context, p.code]),
      [[1, 'path_traversal']],
    );
  }
  assert.equal(sink.hits.length, 0, 'nothing was sent');
});

it('an ordinary value still reaches the path it names', async () => {
  const send = await edge.api('POST', '/v1/test-send', { spec: spec(), context: ctx('...') });
  assert.equal(send.status, 200, send.text);
  assert.equal(sink.hits.at(-1).path, '/users/.../events');
});
