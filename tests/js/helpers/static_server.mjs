// A tiny static server on 127.0.0.1 for the browser runner: serves a few
// folders of the repository with the MIME types the glue needs, and any
// extra in-memory pages the test registers.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const SERVED = ['/src/js/', '/dist/', '/tests/js/suites/'];
const TYPES = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
};

/** Starts the server; `pages` maps a path to [content type, body]. */
export async function startStaticServer(pages = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (Object.hasOwn(pages, path)) return send(200, ...pages[path]);
    const file = resolve(ROOT, `.${path}`);
    if (!SERVED.some((dir) => path.startsWith(dir)) || !file.startsWith(ROOT + sep)) {
      return send(404, 'text/plain', 'not served');
    }
    try {
      send(200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
    } catch {
      send(404, 'text/plain', 'not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(ok)) };
}
