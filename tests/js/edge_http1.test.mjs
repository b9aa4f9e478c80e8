// The socket client webhooks are sent with (edge/src/delivery/http1.js),
// through the real worker in workerd, against raw TCP servers on 127.0.0.1
// that answer byte for byte what each case needs: the framings HTTP/1.x
// allows, interim answers, connections the server closes, and what a
// kept-alive connection may be reused for.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEdge, postSpec } from './edge_helpers.mjs';

let edge;
const servers = [];

/**
 * A raw HTTP server: `answer(request, socket, n)` writes the answer for the
 * n-th request (1-based) read from a connection; `requests` keeps every
 * request head and body, `connections` counts connections.
 */
async function rawServer(answer) {
  const state = { requests: [], connections: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
        buf = buf.subarray(end + 4 + length);
        state.requests.push({ head, body });
        answer({ head, body }, socket, state.requests.length);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  state.origin = `http://127.0.0.1:${server.address().port}`;
  return state;
}

async function testSend(url) {
  const t = await edge.api('POST', '/v1/test-send', { spec: postSpec(url), context: {} });
  assert.equal(t.status, 200, t.text);
  return t.json.outcome;
}

async function deliverWait(url, n) {
  const res = await edge.api('POST', '/v1/deliveries?wait=1', {
    spec: postSpec(url),
    contexts: Array.from({ length: n }, (_, i) => ({ user: { id: `u${i}` } })),
  });
  assert.equal(res.status, 200, res.text);
  return res.json.deliveries;
}

before(async () => {
  edge = await startEdge({ allowLocalHttp: true });
});
after(async () => {
  await edge?.close();
  for (const s of servers) s.close();
});

describe('the socket client', { concurrency: true }, () => {
  it('writes one request with Host, Content-Length and the exact body', async () => {
    const s = await rawServer((req, socket) =>
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'),
    );
    const out = await testSend(`${s.origin}/a/b?x=1&y=%22`);
    assert.equal(out.status, 200);
    assert.equal(out.body, 'ok');
    const [{ head, body }] = s.requests;
    const lines = head.split('\r\n');
    assert.equal(lines[0], 'POST /a/b?x=1&y=%22 HTTP/1.1');
    assert.ok(lines.includes(`host: ${s.origin.slice('http://'.length)}`), head);
    assert.ok(lines.includes(`content-length: ${Buffer.byteLength(body)}`), head);
    assert.equal(body, '{"user": ""}');
  });

  it('reads a body delimited by the end of the connection (HTTP/1.0, no length)', async () => {
    const s = await rawServer((req, socket) => {
      socket.write('HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil ');
      setTimeout(() => socket.end('the end'), 20);
    });
    const out = await testSend(`${s.origin}/close`);
    assert.equal(out.status, 200);
    assert.equal(out.body, 'until the end');
    assert.equal(out.bodyTruncated, false);
  });

  it('decodes chunked bodies, with extensions and trailers, split anywhere', async () => {
    const s = await rawServer((req, socket) => {
      const parts = [
        'HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n',
        '5;ext=1\r\nhel',
        'lo\r\n7\r\n, world\r\n',
        '0\r\nx-trailer: yes\r\n\r\n',
      ];
      const next = () => {
        if (parts.length) socket.write(parts.shift(), () => setTimeout(next, 10));
      };
      next();
    });
    const out = await testSend(`${s.origin}/chunked`);
    assert.equal(out.status, 201);
    assert.equal(out.body, 'hello, world');
    assert.equal(out.bodyTruncated, false);
    assert.equal(out.bodyError, null);
  });

  it('skips an interim 100 Continue and keeps the final answer', async () => {
    const s = await rawServer((req, socket) =>
      socket.write(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\ncontent-length: 4\r\n\r\nlate',
      ),
    );
    const out = await testSend(`${s.origin}/continue`);
    assert.equal(out.status, 202);
    assert.equal(out.body, 'late');
  });

  it('keeps response headers in order with lower-case names, and reads a head split byte by byte', async () => {
    const answer =
      'HTTP/1.1 200 OK\r\nX-One: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n';
    // One byte per write, each after the previous one was handed to the
    // kernel (timers alone may fire out of order under load).
    const s = await rawServer((req, socket) => {
      const bytes = [...answer];
      const next = () => {
        if (bytes.length) socket.write(bytes.shift(), () => setTimeout(next, 1));
      };
      next();
    });
    const out = await testSend(`${s.origin}/split`);
    assert.equal(out.status, 200);
    assert.deepEqual(out.headers, [
      ['x-one', '1'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['content-length', '0'],
    ]);
  });

  it('refuses an answer that is not HTTP, as a network error', async () => {
    const s = await rawServer((req, socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n'));
    const out = await testSend(`${s.origin}/ssh`);
    assert.equal(out.status, null);
    assert.equal(out.error, 'network');
    assert.match(out.errorMessage, /not an HTTP\/1\.x response/);
  });

  it('reuses a kept-alive connection for the messages of one batch', async () => {
    const s = await rawServer((req, socket) =>
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'),
    );
    const deliveries = await deliverWait(`${s.origin}/keep`, 40);
    assert.ok(deliveries.every((d) => d.status === 'delivered'));
    assert.equal(s.requests.length, 40);
    assert.ok(s.connections <= 32, `${s.connections} connections for 40 requests`);
  });

  it('opens a new connection after `Connection: close`, and each message arrives once', async () => {
    const s = await rawServer((req, socket) =>
      socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'),
    );
    const deliveries = await deliverWait(`${s.origin}/close-each`, 10);
    assert.ok(deliveries.every((d) => d.status === 'delivered' && d.attempts.length === 1));
    assert.equal(s.requests.length, 10);
    assert.equal(s.connections, 10);
  });

  it('replaces a kept-alive connection the server dropped while it was idle', async () => {
    // The first attempt gets a 503 and the server drops that connection a
    // moment later, as an idle keep-alive timeout does; the retry (1 s on)
    // takes the pooled connection, finds it closed before any answer, and
    // goes out once on a new one: two requests, two attempts, no error.
    const s = await rawServer((req, socket, n) => {
      if (s.requests.length === 1) {
        socket.write('HTTP/1.1 503 Busy\r\ncontent-length: 0\r\n\r\n');
        setTimeout(() => socket.destroy(), 30);
      } else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      return n;
    });
    const [d] = await deliverWait(`${s.origin}/idle`, 1);
    assert.equal(d.status, 'delivered');
    assert.deepEqual(
      d.attempts.map((a) => a.status ?? a.error),
      [503, 200],
    );
    assert.equal(s.requests.length, 2);
    assert.equal(s.connections, 2);
  });
});
