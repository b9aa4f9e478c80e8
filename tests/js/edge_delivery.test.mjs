// Delivery through the real worker in workerd (miniflare) to real HTTP
// servers on 127.0.0.1: statuses, retries with their waits, timeouts,
// resets, redirects, endless bodies, exact bytes, signing.
// HOOKCAST_ALLOW_LOCAL_HTTP is on here so that loopback sinks are reachable.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Webhook } from 'standardwebhooks';
import { startSink, startEdge, closedPort, postSpec, gapMs } from './edge_helpers.mjs';
import { createEngine } from '../../src/js/node.js';

let edge;
let engine;
const sinks = [];
async function sink(handler, opts) {
  const s = await startSink(handler, opts);
  sinks.push(s);
  return s;
}
const ok = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('thanks');
};

before(async () => {
  [edge, engine] = await Promise.all([startEdge({ allowLocalHttp: true }), createEngine()]);
});
after(async () => {
  await edge?.close();
  await Promise.all(sinks.map((s) => s.close()));
});

async function deliverWait(spec, contexts, extra = {}) {
  const res = await edge.api('POST', '/v1/deliveries?wait=1', { spec, contexts, ...extra });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

describe('delivery', { concurrency: true }, () => {
  it('delivers to a sink that answers 200 in one attempt, with the webhook-id header', async () => {
    const s = await sink(ok);
    const out = await deliverWait(postSpec(`${s.origin}/hook`), [{ user: { id: 'u1' } }]);
    const [d] = out.deliveries;
    assert.equal(d.status, 'delivered');
    assert.equal(d.reason, 'success');
    assert.equal(d.attempts.length, 1);
    assert.equal(d.attempts[0].status, 200);
    assert.equal(d.attempts[0].response.body, 'thanks');
    assert.match(d.id, /^msg_[a-z2-7]{20}_0$/);
    assert.equal(s.hits.length, 1);
    assert.equal(s.header(s.hits[0], 'webhook-id').toString(), d.id);
    assert.equal(out.allowLocalHttp, true);
    const again = await edge.api('GET', `/v1/deliveries/${d.id}`);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, d);
  });

  it('retries 503 twice, waiting about 1 s then 2 s, and delivers on the third attempt with the same id', async () => {
    const s = await sink((req, res, hit, n) => {
      res.writeHead(n <= 2 ? 503 : 200);
      res.end(n <= 2 ? 'busy' : 'ok');
    });
    const out = await deliverWait(postSpec(`${s.origin}/flaky`), [{ user: { id: 'u1' } }]);
    const [d] = out.deliveries;
    assert.equal(d.status, 'delivered');
    assert.deepEqual(
      d.attempts.map((a) => a.status),
      [503, 503, 200],
    );
    assert.deepEqual(
      d.attempts.map((a) => a.retry),
      [true, true, false],
    );
    assert.deepEqual(
      d.attempts.map((a) => a.delayMs),
      [1000, 2000, 0],
    );
    assert.deepEqual(
      d.attempts.map((a) => a.reason),
      ['server_error', 'server_error', 'success'],
    );
    assert.ok(
      gapMs(d.attempts[0], d.attempts[1]) >= 900,
      `first wait ${gapMs(d.attempts[0], d.attempts[1])} ms`,
    );
    assert.ok(
      gapMs(d.attempts[1], d.attempts[2]) >= 1900,
      `second wait ${gapMs(d.attempts[1], d.attempts[2])} ms`,
    );
    assert.ok(s.hits[1].at - s.hits[0].at >= 900, 'the sink saw the first wait too');
    assert.deepEqual(
      new Set(s.hits.map((h) => s.header(h, 'webhook-id').toString())),
      new Set([d.id]),
    );
  });

  it('does not retry a 400', async () => {
    const s = await sink((req, res) => {
      res.writeHead(400);
      res.end('bad');
    });
    const [d] = (await deliverWait(postSpec(`${s.origin}/x`), [{}])).deliveries;
    assert.equal(d.status, 'failed');
    assert.equal(d.reason, 'client_error');
    assert.equal(d.attempts.length, 1);
    assert.equal(d.attempts[0].retry, false);
    assert.equal(s.hits.length, 1);
  });

  it('honours Retry-After: 2 on a 429', async () => {
    const s = await sink((req, res, hit, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '2' });
      else res.writeHead(204);
      res.end();
    });
    const [d] = (await deliverWait(postSpec(`${s.origin}/rl`), [{}])).deliveries;
    assert.equal(d.status, 'delivered');
    assert.deepEqual(
      d.attempts.map((a) => a.status),
      [429, 204],
    );
    assert.equal(d.attempts[0].reason, 'rate_limited');
    assert.equal(d.attempts[0].delayMs, 2000);
    assert.ok(
      gapMs(d.attempts[0], d.attempts[1]) >= 1900,
      `waited ${gapMs(d.attempts[0], d.attempts[1])} ms`,
    );
  });

  it('retries a 408', async () => {
    const s = await sink((req, res, hit, n) => {
      res.writeHead(n === 1 ? 408 : 200);
      res.end();
    });
    const [d] = (await deliverWait(postSpec(`${s.origin}/slow`), [{}])).deliveries;
    assert.deepEqual(
      d.attempts.map((a) => [a.status, a.retry, a.reason]),
      [
        [408, true, 'request_timeout'],
        [200, false, 'success'],
      ],
    );
    assert.equal(d.status, 'delivered');
  });

  it('gives up on a server that hangs past the timeout, and retries it', async () => {
    const s = await sink((req, res, hit, n) => {
      if (n > 2) ok(req, res); // the first two requests never get an answer
    });
    const t = await edge.api('POST', '/v1/test-send', {
      spec: postSpec(`${s.origin}/hang`),
      context: {},
      timeoutMs: 500,
    });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.outcome.error, 'timeout');
    assert.equal(t.json.outcome.status, null);
    assert.ok(t.json.outcome.durationMs >= 450, `gave up after ${t.json.outcome.durationMs} ms`);
    assert.equal(t.json.wouldRetry, true);
    assert.equal(t.json.retryReason, 'timeout');
    const [d] = (await deliverWait(postSpec(`${s.origin}/hang`), [{}], { timeoutMs: 500 }))
      .deliveries;
    assert.deepEqual(
      d.attempts.map((a) => a.status ?? a.error),
      ['timeout', 200],
    );
    assert.equal(d.attempts[0].reason, 'timeout');
    assert.equal(s.count, 3);
  });

  it('keeps the status and the partial body when the timeout strikes mid-body (known length and chunked)', async () => {
    const s = await sink((req, res) => {
      // Headers and 10 bytes at once, then nothing more.
      if (req.url === '/stall-length') res.writeHead(200, { 'content-length': '100' });
      else res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('0123456789');
    });
    for (const path of ['/stall-length', '/stall-chunked']) {
      // 2 s: the headers must arrive before it even while the other tests of
      // this suite run alongside; the body never completes.
      const t = await edge.api('POST', '/v1/test-send', {
        spec: postSpec(`${s.origin}${path}`),
        context: {},
        timeoutMs: 2000,
      });
      assert.equal(t.status, 200, t.text);
      assert.equal(t.json.outcome.status, 200, `${path}: ${t.text}`);
      assert.equal(t.json.outcome.error, null, path);
      assert.equal(t.json.outcome.bodyError, 'timeout', path);
      assert.equal(t.json.outcome.bodyTruncated, true, path);
      assert.ok(
        t.json.outcome.durationMs >= 1900,
        `${path}: gave up after ${t.json.outcome.durationMs} ms`,
      );
    }
  });

  it('keeps 64 KiB of a small gzip body that unpacks to 1 MiB (workerd decompresses it)', async () => {
    const packed = gzipSync(Buffer.alloc(1024 * 1024, 'a'));
    const s = await sink((req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
        'content-length': String(packed.length),
      });
      res.end(packed);
    });
    assert.ok(packed.length < 64 * 1024);
    const t = await edge.api('POST', '/v1/test-send', {
      spec: postSpec(`${s.origin}/bomb`),
      context: {},
    });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.outcome.status, 200);
    assert.equal(t.json.outcome.bodyTruncated, true);
    assert.equal(t.json.outcome.body, 'a'.repeat(64 * 1024));
  });

  it('records a reset connection as connection_reset and a closed port as connection_refused', async () => {
    const s = await sink((req, res, hit, n) => {
      if (n === 1) req.socket.destroy();
      else ok(req, res);
    });
    const [d] = (await deliverWait(postSpec(`${s.origin}/reset`), [{}])).deliveries;
    assert.deepEqual(
      d.attempts.map((a) => a.status ?? a.error),
      ['connection_reset', 200],
    );
    assert.equal(d.attempts[0].reason, 'network_error');
    assert.equal(d.attempts[0].retry, true);
    const port = await closedPort();
    const t = await edge.api('POST', '/v1/test-send', {
      spec: postSpec(`http://127.0.0.1:${port}/`),
      context: {},
    });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.outcome.error, 'connection_refused');
    assert.equal(t.json.wouldRetry, true);
  });

  it('classifies an https handshake with a plain-http server as tls', async () => {
    const s = await sink(ok);
    // Only loopback http is allowed locally; https to loopback is too, and this server does not speak TLS.
    const t = await edge.api('POST', '/v1/test-send', {
      spec: postSpec(`https://127.0.0.1:${s.port}/`),
      context: {},
    });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.outcome.error, 'tls');
  });

  it('does not follow a 302 to a loopback admin path: recorded as a redirect, admin never hit', async () => {
    let adminHits = 0;
    const s = await sink((req, res) => {
      if (req.url.startsWith('/admin')) {
        adminHits++;
        res.end('secret');
        return;
      }
      res.writeHead(302, { location: `http://127.0.0.1:${s.port}/admin/delete-everything` });
      res.end();
    });
    const [d] = (await deliverWait(postSpec(`${s.origin}/hook`), [{}])).deliveries;
    assert.equal(d.status, 'failed');
    assert.equal(d.reason, 'redirect_not_followed');
    assert.equal(d.attempts.length, 1);
    assert.equal(d.attempts[0].status, 302);
    assert.equal(d.attempts[0].redirect, `http://127.0.0.1:${s.port}/admin/delete-everything`);
    const t = await edge.api('POST', '/v1/test-send', {
      spec: postSpec(`${s.origin}/hook`),
      context: {},
    });
    assert.equal(t.json.outcome.redirect, `http://127.0.0.1:${s.port}/admin/delete-everything`);
    assert.equal(t.json.wouldRetry, false);
    assert.equal(adminHits, 0);
  });

  it('keeps 64 KiB of an endless body, stops reading, and finishes', async () => {
    let closed = 0;
    const s = await sink((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'é'); // 2-byte characters: the cut may fall mid-character
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      res.on('close', () => closed++);
      pump();
    });
    const t = await edge.api('POST', '/v1/test-send', {
      spec: postSpec(`${s.origin}/endless`),
      context: {},
    });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.outcome.status, 200);
    assert.equal(t.json.outcome.bodyTruncated, true);
    assert.ok(Buffer.byteLength(t.json.outcome.body) <= 64 * 1024 + 3);
    assert.ok(Buffer.byteLength(t.json.outcome.body) >= 64 * 1024 - 3);
    const [d] = (await deliverWait(postSpec(`${s.origin}/endless`), [{}])).deliveries;
    assert.equal(d.status, 'delivered');
    assert.equal(d.attempts[0].response.bodyTruncated, true);
    for (let i = 0; i < 50 && closed < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(closed, 2, 'the worker closed both endless responses');
  });

  it('sends exactly the rendered request for hostile personalization values', async () => {
    const s = await sink(ok);
    const spec = {
      url: `${s.origin}/u/{{ user.id }}/x?ref={{ event.ref }}`,
      method: 'PUT',
      params: [{ key: 'q', value: '{{ user.name }}' }],
      headers: [
        { key: 'X-Name', value: 'name={{ user.name }}' },
        { key: 'X-Note', value: '{{ event.note | default: "none" }}' },
      ],
      body: '{"name": "{{ user.name }}", "age": {{ user.age }}, "note": {{ event.note }}, "tags": {{ event.tags }}}',
    };
    const contexts = [
      {
        user: { id: '../../admin', properties: { name: 'Zoë "z" \\ 🚀', age: 33 } },
        event: { properties: { ref: 'a&b=c#frag', note: '\u2028</script>', tags: ['x', 1] } },
      },
      {
        user: {
          id: '?x=1&y=2',
          properties: { name: '{{ user.id }}', age: '12"}, "admin": true, "x": {"' },
        },
        event: { properties: { ref: '%2e%2e/%00', note: null } },
      },
      {
        user: { id: 'a b/c', properties: { name: 'Ω≈ç√∫˜µ≤≥÷ 日本語 \u00a0 \ufeff' } },
        event: { properties: { ref: ' ', tags: { nested: { deep: true } } } },
      },
    ];
    const out = await deliverWait(spec, contexts);
    assert.equal(out.deliveries.length, 3);
    for (const [i, d] of out.deliveries.entries()) {
      const expected = engine.render(spec, contexts[i], { allowLocalHttp: true });
      assert.equal(expected.ok, true);
      assert.deepEqual(
        d.request,
        expected.request,
        `context ${i}: the stored request is engine.render's`,
      );
      const hit = s.hits.find((h) => s.header(h, 'webhook-id')?.toString() === d.id);
      assert.ok(hit, `context ${i} reached the sink`);
      const url = new URL(expected.request.url);
      assert.equal(hit.method, expected.request.method);
      assert.equal(hit.path, url.pathname + url.search);
      for (const [name, value] of expected.request.headers) {
        assert.deepEqual(
          s.header(hit, name),
          Buffer.from(value, 'utf8'),
          `context ${i}: header ${name} bytes`,
        );
      }
      assert.deepEqual(
        hit.body,
        Buffer.from(expected.request.body, 'utf8'),
        `context ${i}: body bytes`,
      );
    }
  });

  it('sends header values as their UTF-8 bytes', async () => {
    const s = await sink(ok);
    const value = 'Zoë — 日本 🚀';
    const t = await edge.api('POST', '/v1/test-send', {
      spec: postSpec(`${s.origin}/utf8`, { headers: [{ key: 'X-Who', value: '{{ user.name }}' }] }),
      context: { user: { properties: { name: value } } },
    });
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(s.header(s.hits[0], 'x-who'), Buffer.from(value, 'utf8'));
  });

  it('signs with Standard Webhooks, verifiable by the standardwebhooks package, on every attempt', async () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const s = await sink((req, res, hit, n) => {
      res.writeHead(n === 1 ? 500 : 200);
      res.end();
    });
    const out = await deliverWait(postSpec(`${s.origin}/signed`), [{ user: { id: 'Zoë' } }], {
      signingSecret: secret,
    });
    const [d] = out.deliveries;
    assert.equal(d.status, 'delivered');
    assert.equal(d.signed, true);
    assert.equal(s.hits.length, 2);
    const wh = new Webhook(secret);
    for (const hit of s.hits) {
      const headers = Object.fromEntries(
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((k) => [
          k,
          s.header(hit, k).toString('latin1'),
        ]),
      );
      assert.equal(headers['webhook-id'], d.id);
      assert.deepEqual(wh.verify(hit.body.toString('utf8'), headers), { user: 'Zoë' });
      const tampered = {
        ...headers,
        'webhook-signature': headers['webhook-signature'].replace(/.$/, (c) =>
          c === 'A' ? 'B' : 'A',
        ),
      };
      assert.throws(() => wh.verify(hit.body.toString('utf8'), tampered));
    }
    assert.ok(!JSON.stringify(out).includes(secret.slice(6)), 'the secret is never echoed back');
  });

  it('sends many deliveries concurrently, never more than 32 at once per batch', async () => {
    let open = 0;
    let peak = 0;
    const s = await sink((req, res) => {
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => {
        open--;
        ok(req, res);
      }, 30);
    });
    const contexts = Array.from({ length: 100 }, (_, i) => ({ user: { id: `user-${i}` } }));
    const out = await deliverWait(postSpec(`${s.origin}/fan`), contexts);
    assert.equal(out.deliveries.length, 100);
    assert.ok(out.deliveries.every((d) => d.status === 'delivered'));
    assert.equal(new Set(out.deliveries.map((d) => d.id)).size, 100);
    assert.deepEqual(
      s.hits.map((h) => JSON.parse(h.body).user).sort(),
      contexts.map((c) => c.user.id).sort(),
    );
    assert.ok(peak <= 32, `peak concurrency ${peak}`);
    const batch = await edge.api('GET', `/v1/batches/${out.batch}`);
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(batch.json.counts, { pending: 0, delivered: 100, failed: 0 });
    assert.deepEqual(
      batch.json.deliveries.map((d) => d.id),
      out.deliveries.map((d) => d.id),
    );
    assert.ok(peak > 1, `peak concurrency ${peak}: sends overlapped`);
  });

  it('answers 202 at once without wait, then GET shows pending and later the final state', async () => {
    const s = await sink((req, res, hit, n) => {
      res.writeHead(n === 1 ? 503 : 200);
      res.end();
    });
    const res = await edge.api('POST', '/v1/deliveries', {
      spec: postSpec(`${s.origin}/later`),
      contexts: [{}],
    });
    assert.equal(res.status, 202, res.text);
    const [{ id, status }] = res.json.deliveries;
    assert.equal(status, 'pending');
    let d;
    let sawPending = false;
    for (let i = 0; i < 100; i++) {
      d = (await edge.api('GET', `/v1/deliveries/${id}`)).json;
      if (d.status === 'pending') sawPending = true;
      if (d.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(sawPending);
    assert.equal(d.status, 'delivered');
    assert.deepEqual(
      d.attempts.map((a) => a.status),
      [503, 200],
    );
  });

  it('waits with Prefer: wait too', async () => {
    const s = await sink(ok);
    const res = await edge.api(
      'POST',
      '/v1/deliveries',
      { spec: postSpec(`${s.origin}/p`), contexts: [{}] },
      { headers: { prefer: 'wait' } },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.deliveries[0].status, 'delivered');
  });

  it('sends nothing at all when one context of a batch cannot render', async () => {
    const s = await sink(ok);
    const spec = postSpec(`${s.origin}/all-or-nothing`, {
      headers: [{ key: 'X-Name', value: '{{ user.name }}' }],
    });
    const contexts = [
      { user: { properties: { name: 'fine' } } },
      { user: { properties: { name: 'evil\r\nX-Admin: 1' } } },
    ];
    const res = await edge.api('POST', '/v1/deliveries?wait=1', { spec, contexts });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(
      res.json.problems.map((p) => [p.context, p.code]),
      [[1, 'header_injection']],
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.connections, 0);
  });

  it('over an IPv6 loopback sink too', async () => {
    const s = await sink(ok, { host: '::1' });
    const [d] = (await deliverWait(postSpec(`${s.origin}/v6`), [{}])).deliveries;
    assert.equal(d.status, 'delivered');
    assert.equal(s.hits.length, 1);
  });
});
