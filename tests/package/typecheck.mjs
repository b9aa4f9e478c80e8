// Type-checks TypeScript files against an installed "hookcast" the way a
// consumer's project would: a throwaway directory whose node_modules holds
// the package (a symlink to the repository, or the unpacked tarball) and
// @types/node, compiled by the repository's tsc with the options given.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');

/** The strict options every check starts from (skipLibCheck off: index.d.ts is checked too). */
export const STRICT = {
  target: 'es2022',
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
};

/** The module/resolution pairs a consumer may use. */
export const RESOLUTIONS = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' },
};

/**
 * A project directory (made once per call) with node_modules/hookcast
 * pointing at `packageDir` and @types/node from the repository.
 */
export function makeProject(
  packageDir = REPO_ROOT,
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookcast-types-')),
) {
  fs.mkdirSync(path.join(dir, 'node_modules/@types'), { recursive: true });
  if (!fs.existsSync(path.join(dir, 'node_modules/hookcast')))
    fs.symlinkSync(packageDir, path.join(dir, 'node_modules/hookcast'), 'dir');
  const types = path.join(dir, 'node_modules/@types/node');
  if (!fs.existsSync(types))
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules/@types/node'), types, 'dir');
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  return dir;
}

/**
 * Runs tsc over `files` (names inside `dir`) with `compilerOptions`;
 * resolves to { ok, output }.
 */
export function typecheck(dir, files, compilerOptions, name = 'tsconfig.check.json') {
  fs.writeFileSync(path.join(dir, name), JSON.stringify({ compilerOptions, files }, null, 2));
  const r = spawnSync(process.execPath, [TSC, '-p', name], { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
