// The code blocks of the package's documentation: the README's "## The npm
// package" section and the package README (docs/package.md, published as the
// tarball's README.md). The tests run them verbatim.
import fs from 'node:fs';
import path from 'node:path';

/**
 * Kinds of blocks, by their fence's info string: ```js is a whole program for
 * Node (run and type-checked without the DOM lib); ```js browser is one for a
 * page (type-checked with the DOM lib, run in Chromium by the consumer suite).
 */
export const RUNNABLE = new Set(['js']);
export const BROWSER = 'js browser';

/** The package section of the repository README: from its heading to the next "## ". */
function packageSection(readme) {
  const start = readme.indexOf('\n## The npm package\n');
  if (start < 0) throw new Error('README.md has no "## The npm package" section');
  const next = readme.indexOf('\n## ', start + 1);
  return { text: readme.slice(start, next < 0 ? undefined : next), offset: start };
}

function blocksOf(text, source, lineOffset) {
  const blocks = [];
  const fence = /^```([a-z]*)([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(fence)) {
    const line = lineOffset + text.slice(0, m.index).split('\n').length;
    const name = `${path.basename(source, '.md').toLowerCase()}_${line}`;
    const info = m[2].trim();
    blocks.push({ source, line, lang: info ? `${m[1]} ${info}` : m[1], code: m[3], name });
  }
  return blocks;
}

/** Every fenced block of both documents, with its language, source file and line. */
export function codeBlocks(root) {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const { text, offset } = packageSection(readme);
  const pkg = fs.readFileSync(path.join(root, 'docs/package.md'), 'utf8');
  return [
    ...blocksOf(text, 'README.md', readme.slice(0, offset).split('\n').length - 1),
    ...blocksOf(pkg, 'docs/package.md', 0),
  ];
}
