// The package's examples as a developer copies them: every ```js block of
// the README's package section and of the package README (docs/package.md)
// is written, verbatim, into a throwaway project that has "hookcast"
// installed (a symlink here; the unpacked tarball in npm run test:package),
// run with Node, and type-checked as strict TypeScript without the DOM lib.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';

import { BROWSER, codeBlocks, RUNNABLE } from '../package/examples.mjs';
import { makeProject, REPO_ROOT, RESOLUTIONS, STRICT, typecheck } from '../package/typecheck.mjs';

const run = promisify(execFile);
const blocks = codeBlocks(REPO_ROOT).filter((b) => RUNNABLE.has(b.lang));
const browserBlocks = codeBlocks(REPO_ROOT).filter((b) => b.lang === BROWSER);
const dir = makeProject();
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the package sections hold runnable examples', () => {
  const from = new Set(blocks.map((b) => b.source));
  assert.ok(from.has('README.md') && from.has('docs/package.md'), [...from].join());
  assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
});

for (const block of blocks) {
  test(`${block.source}:${block.line} runs as written`, async () => {
    const file = path.join(dir, `${block.name}.mjs`);
    fs.writeFileSync(file, block.code);
    // A failed example throws: node exits non-zero and execFile rejects.
    await run(process.execPath, [file], { cwd: dir, timeout: 60_000 });
  });
}

test('every example type-checks as strict TypeScript (lib es2023, @types/node)', () => {
  const files = blocks.map((b) => {
    fs.writeFileSync(path.join(dir, `${b.name}.ts`), b.code);
    return `${b.name}.ts`;
  });
  const { ok, output } = typecheck(dir, files, {
    ...STRICT,
    ...RESOLUTIONS.nodenext,
    lib: ['es2023'],
    types: ['node'],
  });
  assert.ok(ok, output);
});

test('the published README: docs/package.md staged with measured sizes and no link that breaks on the registry', async () => {
  const { stagedReadme } = await import('../../scripts/package_readme.mjs');
  const text = stagedReadme();
  const wasmKiB = (fs.statSync(path.join(REPO_ROOT, 'dist/hookcast.wasm')).size / 1024).toFixed(1);
  assert.match(
    text,
    new RegExp(
      `\\| \`hookcast\\.wasm\` \\(the engine\\) \\| ${wasmKiB.replace('.', '\\.')} KiB \\|`,
    ),
  );
  assert.doesNotMatch(text, /<!-- \/?sizes -->|The published README has a table here/);
  // The repository's README is not what npm users read first.
  assert.doesNotMatch(text, /npm start|DESIGN|\/work\//);
  const source = fs.readFileSync(path.join(REPO_ROOT, 'docs/package.md'), 'utf8');
  assert.throws(
    () => stagedReadme(`${source}\n![console](docs/console/webhook.png)\n`),
    /links that break once published: docs\/console\/webhook\.png/,
  );
  assert.throws(
    () => stagedReadme(`${source}\nSee [the worker](edge/README.md).\n`),
    /edge\/README\.md/,
  );
});

test('browser examples type-check as strict TypeScript with the DOM lib (they run in npm run test:package)', () => {
  assert.ok(browserBlocks.length >= 1);
  const files = browserBlocks.map((b) => {
    fs.writeFileSync(path.join(dir, `${b.name}.ts`), b.code);
    return `${b.name}.ts`;
  });
  const { ok, output } = typecheck(
    dir,
    files,
    { ...STRICT, ...RESOLUTIONS.bundler, lib: ['es2023', 'dom'], types: [] },
    'tsconfig.browser.json',
  );
  assert.ok(ok, output);
});
