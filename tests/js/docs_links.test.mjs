// Every relative link in the repository's markdown resolves, and every file
// path a code comment names exists: a reader following either lands on a
// file a clone has. Also: no tracked file names a document that lives only
// beside the repository.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The files git tracks plus the ones not yet added (so a new file is checked before its commit). */
function trackedFiles() {
  const out = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
    { cwd: root, encoding: 'utf8' },
  );
  return out.split('\0').filter((f) => f && existsSync(path.join(root, f)));
}

const files = trackedFiles();
const self = path.relative(root, fileURLToPath(import.meta.url));
const read = (f) => readFileSync(path.join(root, f), 'utf8');

/** Markdown without its fenced code blocks and inline code spans. */
function proseOf(markdown) {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The relative targets of `[text](target)` and `![alt](target)` links. */
export function markdownLinks(markdown) {
  const links = [];
  for (const m of proseOf(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    links.push(target);
  }
  return links;
}

const CODE = /\.(?:m?js|cjs|ts|cpp|hpp|h|cc|sh|css|html)$|(?:^|\/)CMakeLists\.txt$/;

/** The comment text of a source file, line by line (whole-line comments and trailing `// …`). */
export function commentLines(source, file) {
  const hash = /\.sh$|CMakeLists\.txt$/.test(file);
  const lines = [];
  let inBlock = false;
  for (const line of source.split('\n')) {
    const t = line.trim();
    if (inBlock) {
      lines.push(t);
      if (t.includes('*/')) inBlock = false;
      continue;
    }
    if (t.startsWith('/*') || t.startsWith('<!--')) {
      lines.push(t);
      inBlock = !t.includes('*/') && !t.includes('-->');
      continue;
    }
    if (t.startsWith('//') || t.startsWith('*') || (hash && t.startsWith('#'))) {
      lines.push(t);
      continue;
    }
    const trailing = line.match(/\s\/\/\s(.*)$/) ?? (hash ? line.match(/\s#\s(.*)$/) : null);
    if (trailing) lines.push(trailing[1]);
  }
  return lines;
}

/** Paths such as `edge/src/delivery/deliver.js`, `src/core/cohort.hpp` or `docs/design.md` in a text. */
export function namedPaths(text) {
  const found = [];
  const re =
    /(?<![\w.@/:-])((?:\.\.?\/)*(?:[\w-]+\/)+[\w.-]+\.(?:m?js|cjs|ts|cpp|hpp|h|md|json|jsonc|yaml|sh|html|css|png))(?![\w/])/g;
  for (const m of text.matchAll(re)) found.push(m[1]);
  return found;
}

/** Generated or installed places a comment may name that a clone does not hold until a build. */
const GENERATED = /^(?:\.\.\/)*(?:build|dist|node_modules|test-artifacts|\.hookcast)\//;

/**
 * Whether `named`, written in `file`, names an existing file: from the
 * repository's root, from the file's folder, or from any folder above it
 * (edge/src comments name `delivery/dispatch.js`, edge/ ones `src/index.js`).
 */
function resolves(named, file) {
  if (GENERATED.test(named)) return true;
  let dir = path.dirname(file);
  for (;;) {
    if (existsSync(path.join(root, dir, named))) return true;
    if (dir === '.' || dir === '') break;
    dir = path.dirname(dir);
  }
  return existsSync(path.join(root, named));
}

test('every relative link in the markdown resolves', () => {
  const broken = [];
  let checked = 0;
  for (const f of files.filter((x) => x.endsWith('.md'))) {
    for (const link of markdownLinks(read(f))) {
      const target = decodeURI(link.replace(/[#?].*$/, ''));
      if (!target) continue;
      checked++;
      if (!existsSync(path.join(root, path.dirname(f), target))) broken.push(`${f}: ${link}`);
    }
  }
  assert.ok(checked > 20, `only ${checked} links found: the scan is broken`);
  assert.deepEqual(broken, []);
});

test('every file a code comment names exists', () => {
  const missing = [];
  let checked = 0;
  for (const f of files.filter((x) => CODE.test(x) && x !== self)) {
    for (const line of commentLines(read(f), f)) {
      for (const named of namedPaths(line)) {
        checked++;
        if (!resolves(named, f)) missing.push(`${f}: ${named}`);
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} paths found: the scan is broken`);
  assert.deepEqual(missing, []);
});

test('no tracked file names a document that only lives beside the repository', () => {
  const outside = /DESIGN\.md|INTERFACES\.md|TOOLCHAIN\.md|STYLE\.md|\.\.\/shared\/|\/work\//;
  const hits = [];
  for (const f of files) {
    if (f === self || /\.(?:png|wasm|ico|jpg)$/.test(f)) continue;
    read(f)
      .split('\n')
      .forEach((line, i) => {
        if (outside.test(line)) hits.push(`${f}:${i + 1}: ${line.trim().slice(0, 100)}`);
      });
  }
  assert.deepEqual(hits, []);
});

test('the scanners find what they should (so the checks above cannot pass empty)', () => {
  assert.deepEqual(
    markdownLinks(
      'see [a](docs/a.md#x), [b](https://x.y/), [c](#top), `[d](e.md)`\n```\n[f](g.md)\n```\n',
    ),
    ['docs/a.md#x'],
  );
  assert.deepEqual(
    commentLines(
      'const a = 1; // see edge/src/x.js\n/**\n * docs/y.md\n */\nconst s = "src/z.js";\n',
      'a.js',
    ),
    ['see edge/src/x.js', '/**', '* docs/y.md', '*/'],
  );
  assert.deepEqual(
    namedPaths(
      'see edge/src/delivery/deliver.js, `src/core/cohort.hpp` and https://example.com/a/b.js',
    ),
    ['edge/src/delivery/deliver.js', 'src/core/cohort.hpp'],
  );
  assert.equal(resolves('delivery/dispatch.js', 'edge/src/shards/sends.js'), true);
  assert.equal(resolves('delivery/no_such_file.js', 'edge/src/shards/sends.js'), false);
});
