// A tiny read-only static file server for tests: serves one directory on
// 127.0.0.1 (port 0 = any free port) with the MIME types browsers insist on
// (application/wasm for streaming compilation, text/javascript for modules).
// Loopback only, GET/HEAD only, no directory listings, no path escapes.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

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
  '.d.ts': 'text/plain; charset=utf-8',
});

/**
 * Starts serving `root`. A request for a directory serves its index.html; a
 * directory URL without its trailing slash is redirected to it (so relative
 * imports resolve). Unknown extensions are served as application/octet-stream.
 * @param {{ root: string, host?: string, port?: number }} options
 * @returns {Promise<{ url: string, port: number, requests: string[], close: () => Promise<void> }>}
 *   `url` has no trailing slash; `requests` logs "METHOD path status" lines.
 */
export async function startStaticServer({ root, host = '127.0.0.1', port = 0 }) {
  const base = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const reply = (status, headers, body) => {
      requests.push(`${req.method} ${req.url} ${status}`);
      res.writeHead(status, { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return reply(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }, 'method not allowed\n');
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return reply(400, { 'Content-Type': 'text/plain' }, 'bad path\n');
    }
    const file = resolve(join(base, pathname));
    if (pathname.includes('\0') || (file !== base && !file.startsWith(base + sep))) {
      return reply(403, { 'Content-Type': 'text/plain' }, 'forbidden\n');
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
      const type = target.endsWith('.d.ts') ? MIME_TYPES['.d.ts'] : MIME_TYPES[extname(target).toLowerCase()];
      return reply(200, { 'Content-Type': type ?? 'application/octet-stream', 'Content-Length': body.length }, body);
    } catch (err) {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return reply(404, { 'Content-Type': 'text/plain' }, 'not found\n');
      return reply(500, { 'Content-Type': 'text/plain' }, 'read error\n');
    }
  });
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, host, ok); });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    requests,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}
