// Compiled cohorts are freed both ways: by dispose() at once, and by the
// FinalizationRegistry when one is dropped undisposed. Runs in a child node
// with --expose-gc so the test can force collection.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'node:test';

const child = fileURLToPath(new URL('./helpers/cohort_finalizer_child.mjs', import.meta.url));

test('cohort finalizer: dropped cohorts are released; dispose() releases at once and only once', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child], {
    timeout: 60_000,
  });
  const r = JSON.parse(stdout.trim().split('\n').pop());
  assert.equal(r.start, 0);
  assert.equal(r.afterCompile, 500, 'every compile holds a handle until freed');
  assert.equal(
    r.afterGc,
    0,
    `the collector frees every dropped cohort's handle: ${r.afterGc} still live`,
  );
  assert.equal(r.afterDispose, r.afterGc, 'dispose() and matchesCohort free at once');
  assert.equal(r.kept, r.afterGc + 50);
  assert.ok(
    r.keptAfterGc >= 50,
    `a finalizer freed a handle of a live cohort: ${JSON.stringify(r)}`,
  );
  assert.equal(
    r.keptStillMatch,
    true,
    'live cohorts still match after the disposed ones were collected',
  );
  assert.equal(r.end, r.keptAfterGc - 50);
});
