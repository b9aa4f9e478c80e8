// A tiny read-only static file server for tests: serves a directory (by
// default the repository root) on 127.0.0.1 (port 0 = any free port) with the
// MIME types browsers insist on (application/wasm for streaming compilation,
// text/javascript for modules), plus in-memory pages a test registers.
// Loopback only, GET/HEAD only, no directory listings, no path escapes.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, served when no `root` is given. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** Content types by file extension (lowercase, with the dot). */
export const MIME_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
});

/**
 * Starts serving. A request for a directory serves its index.html; a
 * directory URL without its trailing slash is redirected to it (so relative
 * imports resolve). Unknown extensions are served as application/octet-stream.
 * @param {{
 *   root?: string,                               // directory to serve (default: the repository root)
 *   pages?: Record<string, [string, string | Uint8Array]>,  // path -> [content type, body], served first
 *   only?: string[],                             // if given, only paths under these prefixes are served from disk
 *   host?: string, port?: number,
 * }} [options]
 * @returns {Promise<{ url: string, origin: string, port: number, requests: string[], close: () => Promise<void> }>}
 *   `url` (= `origin`) has no trailing slash; `requests` logs "METHOD path status" lines.
 */
export async function startStaticServer({
  root = REPO_ROOT,
  pages = {},
  only,
  host = '127.0.0.1',
  port = 0,
} = {}) {
  const base = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const reply = (status, headers, body) => {
      requests.push(`${req.method} ${req.url} ${status}`);
      res.writeHead(status, {
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        ...headers,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return reply(
        405,
        { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' },
        'method not allowed\n',
      );
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return reply(400, { 'Content-Type': 'text/plain' }, 'bad path\n');
    }
    if (Object.hasOwn(pages, pathname)) {
      const [type, body] = pages[pathname];
      return reply(200, { 'Content-Type': type }, body);
    }
    const file = resolve(join(base, pathname));
    if (pathname.includes('\0') || (file !== base && !file.startsWith(base + sep))) {
      return reply(403, { 'Content-Type': 'text/plain' }, 'forbidden\n');
    }
    if (only && !only.some((prefix) => pathname.startsWith(prefix))) {
      return reply(404, { 'Content-Type': 'text/plain' }, 'not served\n');
    }
    try {
      let target = file;
      let info = await stat(target);
      if (info.isDirectory()) {
        if (!pathname.endsWith('/')) return reply(301, { Location: `${pathname}/` }, '');
        target = join(target, 'index.html');
        info = await stat(target);
      }
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      const body = await readFile(target);
      const type = MIME_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
      return reply(200, { 'Content-Type': type, 'Content-Length': body.length }, body);
    } catch (err) {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR')
        return reply(404, { 'Content-Type': 'text/plain' }, 'not found\n');
      return reply(500, { 'Content-Type': 'text/plain' }, 'read error\n');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const actual = server.address().port;
  const origin = `http://${host}:${actual}`;
  return {
    url: origin,
    origin,
    port: actual,
    requests,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
