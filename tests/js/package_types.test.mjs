// index.d.ts as consumers compile it: strict TypeScript with node16,
// nodenext and bundler resolution, with and without the DOM lib (a Node-only
// project has lib es2023 and @types/node, skipLibCheck off), through the
// package's name and exports (".", "./hookcast.wasm"). The consumer suite
// (npm run test:package, the last step of npm test) runs the same checks against the packed tarball.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

import { makeProject, REPO_ROOT, RESOLUTIONS, STRICT, typecheck } from '../package/typecheck.mjs';

const dir = makeProject();
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
for (const name of ['node_only.ts', 'usage.ts'])
  fs.copyFileSync(path.join(REPO_ROOT, 'tests/types', name), path.join(dir, name));

for (const [resolution, options] of Object.entries(RESOLUTIONS)) {
  test(`types: Node-only project (lib es2023, @types/node), ${resolution} resolution`, () => {
    const { ok, output } = typecheck(
      dir,
      ['node_only.ts'],
      { ...STRICT, ...options, lib: ['es2023'], types: ['node'] },
      `tsconfig.${resolution}.json`,
    );
    assert.ok(ok, output);
  });
  test(`types: browser project (lib es2023 + DOM), ${resolution} resolution`, () => {
    const files = ['node_only.ts', 'usage.ts'];
    const { ok, output } = typecheck(
      dir,
      files,
      { ...STRICT, ...options, lib: ['es2023', 'dom'], types: ['node'] },
      `tsconfig.${resolution}.dom.json`,
    );
    assert.ok(ok, output);
  });
}
