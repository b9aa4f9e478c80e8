// The README that npm publishes. npm always takes README.md from the package
// root, and the repository's README is written for people running the whole
// system (npm start, the console, the worker). So `npm pack` / `npm publish`
// swap them for the duration: prepack stages docs/package.md as README.md
// (keeping the repository's aside), postpack puts it back.
//
//   node scripts/package_readme.mjs stage     (prepack)
//   node scripts/package_readme.mjs restore   (postpack; also safe to run by hand)
//   node scripts/package_readme.mjs print     (the staged text, to stdout)
//
// Staging fills in what must not be typed by hand: the sizes of the files the
// package ships (measured here, from dist/), and the repository link when
// package.json names one. It refuses a README with a relative link or image,
// which would be dead on the registry.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = path.join(ROOT, 'docs/package.md');
const README = path.join(ROOT, 'README.md');
const ASIDE = path.join(ROOT, '.README.repository.md');

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

function sizes(file) {
  const bytes = fs.readFileSync(path.join(ROOT, file));
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const brotli = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
  return { bytes: bytes.length, gzip, brotli };
}

/** The size table: what a page downloads, measured from the files being packed. */
export function sizeTable() {
  const wasm = sizes('dist/hookcast.wasm');
  const glue = sizes('dist/hookcast.mjs');
  // What a browser loads: every src/js file but the other runtimes' entries.
  const entry = fs
    .readdirSync(path.join(ROOT, 'src/js'))
    .filter((f) => f.endsWith('.js') && !['node.js', 'workerd.js', 'timezone.js'].includes(f))
    .map((f) => sizes(`src/js/${f}`))
    .reduce((a, b) => ({
      bytes: a.bytes + b.bytes,
      gzip: a.gzip + b.gzip,
      brotli: a.brotli + b.brotli,
    }));
  const inline = 'dist/hookcast.wasm.base64.js';
  const row = (name, s) => `| ${name} | ${kib(s.bytes)} | ${kib(s.gzip)} | ${kib(s.brotli)} |`;
  return [
    'Measured by `scripts/package_readme.mjs` from the files in this tarball (gzip -9, brotli 11):',
    '',
    '| File | Bytes | gzip | brotli |',
    '|---|---:|---:|---:|',
    row('`hookcast.wasm` (the engine)', wasm),
    row('`dist/hookcast.mjs` (Emscripten glue)', glue),
    row('`src/js/*.js` (browser entry and wrapper, unminified)', entry),
    ...(fs.existsSync(path.join(ROOT, inline))
      ? [
          row(
            '`hookcast.wasm.base64.js` (the fallback copy, loaded only when the .wasm is missing)',
            sizes(inline),
          ),
        ]
      : []),
  ].join('\n');
}

/** docs/package.md (or `source`) with the generated parts filled in; throws on a relative link. */
export function stagedReadme(source = fs.readFileSync(SOURCE, 'utf8')) {
  let text = source;
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  text = text.replace(/<!-- sizes -->[\s\S]*?<!-- \/sizes -->/, sizeTable());
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (repo)
    text += `\nSource, issues and the full documentation: ${repo.replace(/^git\+/, '').replace(/\.git$/, '')}\n`;
  // Links and images: [text](target), ![alt](target), <img src="target">, <a href="target">.
  const targets = [...text.matchAll(/\]\(([^)\s]+)[^)]*\)|(?:src|href)="([^"]+)"/g)].map(
    (m) => m[1] ?? m[2],
  );
  const relative = targets.filter((t) => !/^(https?:|mailto:|#)/.test(t));
  if (relative.length)
    throw new Error(`docs/package.md: links that break once published: ${relative.join(', ')}`);
  return text;
}

function restore() {
  if (fs.existsSync(ASIDE)) fs.renameSync(ASIDE, README);
}

function stage() {
  restore(); // an earlier pack that died between prepack and postpack
  const text = stagedReadme();
  fs.renameSync(README, ASIDE);
  fs.writeFileSync(README, text);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command === 'stage') stage();
  else if (command === 'restore') restore();
  else if (command === 'print') process.stdout.write(stagedReadme());
  else {
    console.error('usage: node scripts/package_readme.mjs stage|restore|print');
    process.exitCode = 2;
  }
}
