// The test clock of workers/clock_worker.js, driven through its routes, for
// the suites that would otherwise wait for wall time. Each suite has its own
// HTTP helper: `call(method, path, body)` answers { status, json }.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

/** The worker entry with the test clock (startEdge's scriptPath, npm start's HOOKCAST_TEST_WORKER). */
export const CLOCK_WORKER = fileURLToPath(new URL('../workers/clock_worker.js', import.meta.url));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function testClock(call) {
  async function ok(method, path, body) {
    const r = await call(method, path, body);
    assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.json)}`);
    return r.json;
  }
  const clock = {
    /** The worker's clock (ms). */
    now: async () => (await ok('GET', '/test/clock')).now,
    /** How far the worker's clock runs ahead of real time (ms): what a restart hands on. */
    ahead: async () => Math.max(0, (await clock.now()) - Date.now()),
    /** Stops the clock (a paced interval or a schedule then never comes due by itself). */
    freeze: () => ok('POST', '/test/clock', { freeze: true }),
    /** Lets a stopped clock run again from where it stands. */
    unfreeze: () => ok('POST', '/test/clock', { freeze: false }),
    /**
     * Moves the clock forward by `ms`; the alarms of the workspace, the
     * shards, `slices` ([[key, slice]]) and the breakers of `hosts` come as much sooner.
     */
    advance: (ms, slices = [], hosts = []) =>
      ok('POST', '/test/clock', { advanceMs: ms, slices, hosts }),
    /** Moves the clock a second past `instantMs`. */
    advancePast: async (instantMs) =>
      clock.advance(Math.max(0, instantMs - (await clock.now())) + 1000),
    /** How many messages a campaign's dispatch slice would start at the clock's now. */
    dueNow: async (key, slice) =>
      (
        await ok(
          'GET',
          `/test/due?key=${encodeURIComponent(key)}&slice=${encodeURIComponent(slice)}`,
        )
      ).due,
    /** Polls until the workspace's alarm is not due at the clock's now: it ran, or there is none. */
    async workspaceAlarmDone() {
      for (let i = 0; i < 300; i++) {
        const { alarm, now } = await ok('GET', '/test/alarm');
        if (alarm === null || alarm > now) return;
        await sleep(100);
      }
      assert.fail('the workspace alarm never ran');
    },
  };
  return clock;
}
