// The console's static assets: the files the worker serves beside its API
// (wrangler's `assets`, miniflare's `assets` option), so the console and
// /v1/ share one origin. The folder keeps the repository's own layout for
// the files it holds (web/, src/js/, dist/, node_modules/<ui libs>/), so the
// page's relative imports resolve the same whether it is served from here or
// from the repository root by a test's static server.
//
//   node scripts/assets.mjs [outDir]     (default build/assets; wrangler deploys that)

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMON_SECURITY_HEADERS, consoleCsp } from '../edge/src/http/security_headers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm start` and `wrangler deploy` (edge/wrangler.jsonc) take the assets from. */
export const DEFAULT_ASSETS_DIR = path.join(REPO_ROOT, 'build/assets');

/**
 * Single files the console imports from outside web/, relative to the repo
 * root. The UI libraries are served from their npm packages (pinned in
 * package-lock.json), never from a CDN.
 */
const FILES = [
  'dist/hookcast.mjs',
  'dist/hookcast.wasm',
  'node_modules/preact/dist/preact.mjs',
  'node_modules/preact/hooks/dist/hooks.mjs',
  'node_modules/htm/dist/htm.mjs',
  'node_modules/uplot/dist/uPlot.esm.js',
  'node_modules/uplot/dist/uPlot.min.css',
  'node_modules/preact/LICENSE',
  'node_modules/htm/LICENSE',
  'node_modules/uplot/LICENSE',
];
/** The package's JavaScript (src/js/*.js): the browser entry and the files it imports. */
const PACKAGE_FILES = fs
  .readdirSync(path.join(REPO_ROOT, 'src/js'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => `src/js/${f}`);

// `/` sends the browser on to the console; the fragment (the API key that
// `npm start` puts there) comes along and never reaches a server.
const ROOT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hookcast</title><link rel="icon" href="data:,">
<script>location.replace('web/' + location.hash);</script></head>
<body><p><a href="web/">Open the hookcast console</a></p></body></html>
`;

/**
 * Writes the assets folder. Each file is written to a temporary name and
 * renamed, so a worker serving the folder while another process refreshes
 * it never reads half a file.
 * @param {string} [outDir]
 * @returns {{ dir: string, files: number, bytes: number }}
 */
export function prepareAssets(outDir = DEFAULT_ASSETS_DIR) {
  const missing = FILES.filter((f) => !fs.existsSync(path.join(REPO_ROOT, f)));
  if (missing.length) {
    throw new Error(
      `console assets are missing ${missing.join(', ')}: run \`npm ci\` and \`bash scripts/build.sh wasm\``,
    );
  }
  const webFiles = fs
    .readdirSync(path.join(REPO_ROOT, 'web'), { recursive: true })
    .map((f) => path.join('web', String(f)))
    .filter((f) => fs.statSync(path.join(REPO_ROOT, f)).isFile());
  const all = [...webFiles, ...PACKAGE_FILES, ...FILES];
  let bytes = 0;
  const put = (rel, data) => {
    const to = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    const tmp = `${to}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, to);
    bytes += data.length;
  };
  for (const rel of all) put(rel, fs.readFileSync(path.join(REPO_ROOT, rel)));
  put('index.html', Buffer.from(ROOT_PAGE));
  const pages = [
    ROOT_PAGE,
    ...webFiles
      .filter((f) => f.endsWith('.html'))
      .map((f) => fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')),
  ];
  put('_headers', Buffer.from(headersFile(pages)));
  return { dir: outDir, files: all.length + 1, bytes };
}

/**
 * The 'sha256-…' CSP source of every inline <script> in `pages` (the
 * console's import map, the root page's redirect): the policy allows those
 * exact texts and no other inline script.
 */
export function inlineScriptHashes(pages) {
  const hashes = new Set();
  for (const page of pages) {
    for (const m of page.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
      hashes.add(`sha256-${crypto.createHash('sha256').update(m[1], 'utf8').digest('base64')}`);
    }
  }
  return [...hashes].sort();
}

/**
 * The assets' `_headers` file (Cloudflare's format, which miniflare reads
 * too): the security headers of edge/src/http/security_headers.js on every file.
 */
export function headersFile(pages) {
  const lines = ['/*', `  Content-Security-Policy: ${consoleCsp(inlineScriptHashes(pages))}`];
  for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS))
    lines.push(`  ${name}: ${value}`);
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir, files, bytes } = prepareAssets(
    process.argv[2] ? path.resolve(process.argv[2]) : undefined,
  );
  console.log(
    `console assets: ${files} files, ${(bytes / 1024).toFixed(0)} KiB in ${path.relative(process.cwd(), dir) || '.'}`,
  );
}
