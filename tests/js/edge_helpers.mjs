// Shared pieces of the edge suites: loopback sinks that record exactly what
// they receive, and a Miniflare running the real worker in workerd.
// Every server here listens on 127.0.0.1 (or ::1); nothing else is contacted.

import http from 'node:http';
import net from 'node:net';
import { createEdgeMiniflare } from '../../edge/miniflare.mjs';
import { checkAnswer } from './helpers/openapi_check.mjs';

/**
 * Starts an HTTP server on 127.0.0.1 (or `host`). `handler(req, res, hit)` answers; when
 * it returns without answering nothing more happens (a hanging server).
 * Every request is recorded in `hits` as { method, path, rawHeaders
 * ([name, Buffer of the value's bytes]), body (Buffer), at (ms) }, once its
 * body has arrived (hits.count also counts requests whose body never arrives).
 */
export async function startSink(handler, { host = '127.0.0.1' } = {}) {
  const hits = [];
  const sockets = new Set();
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rawHeaders = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        rawHeaders.push([req.rawHeaders[i], Buffer.from(req.rawHeaders[i + 1], 'latin1')]);
      }
      const hit = {
        method: req.method,
        path: req.url,
        rawHeaders,
        body: Buffer.concat(chunks),
        at: Date.now(),
      };
      hits.push(hit);
      handler(req, res, hit, hits.length);
    });
  });
  let connections = 0;
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  const { port } = server.address();
  const origin = host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
  return {
    origin,
    port,
    hits,
    get count() {
      return count;
    },
    /** TCP connections accepted (counts even traffic that is not HTTP). */
    get connections() {
      return connections;
    },
    /** The value bytes of header `name` in a recorded hit (first one), or undefined. */
    header(hit, name) {
      const h = hit.rawHeaders.find(([k]) => k.toLowerCase() === name.toLowerCase());
      return h?.[1];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A 127.0.0.1 port on which nothing listens (bound, then released). */
export async function closedPort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

export const API_KEY = 'test-key-0123456789abcdef';

/**
 * Starts the worker in workerd. Returns { mf, api(method, path, body?, init?),
 * close() }; api() answers { status, headers, json, text }, after checking
 * the answer against docs/openapi.yaml (helpers/openapi_check.mjs).
 */
export async function startEdge(options = {}) {
  const mf = createEdgeMiniflare({ apiKey: API_KEY, ...options });
  await mf.ready;
  let closed = false;
  async function api(method, path, body, init = {}) {
    const headers = { authorization: `Bearer ${API_KEY}`, ...(init.headers ?? {}) };
    let payload;
    if (body !== undefined) {
      payload =
        typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    for (const [k, v] of Object.entries(headers)) if (v === null) delete headers[k];
    const res = await mf.dispatchFetch(`http://hookcast.test${path}`, {
      method,
      headers,
      body: payload,
    });
    const text = await res.text();
    checkAnswer({
      method,
      path,
      status: res.status,
      contentType: res.headers.get('content-type'),
      text,
      request: body,
    });
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }
  return {
    mf,
    api,
    close: async () => {
      if (!closed) await mf.dispose();
      closed = true;
    },
  };
}

/** A POST spec to `url` with a small JSON body. */
export function postSpec(url, extra = {}) {
  return { url, method: 'POST', body: '{"user": "{{ user.id }}"}', ...extra };
}

/** Milliseconds between the end of attempt `a` and the start of attempt `b` (ISO 8601 `startedAt`s). */
export function gapMs(a, b) {
  return Date.parse(b.startedAt) - (Date.parse(a.startedAt) + a.durationMs);
}
