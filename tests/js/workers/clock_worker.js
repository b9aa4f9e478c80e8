// The edge worker with an injected clock, for tests that would otherwise
// wait for wall time (a schedule due "in 2 s", pacing held by a pause).
// Everything else is the real worker in workerd: routes, Durable Objects,
// SQLite, alarms, fetch.
//
// Inside the isolate Date.now() reads the test clock: real time plus an
// offset, or a frozen instant. Durable Object alarms are set and read in
// test-clock time (translated to real time for workerd), so an alarm "at T"
// fires when the test clock reaches T; an alarm that fires early (the clock
// frozen) finds nothing due and is armed again, as after any early wake-up.
//
//   POST /test/clock { freeze?: boolean, advanceMs?: number, slices?: [[key, slice]], hosts?: [host] }
//     freeze: true stops the clock, false lets it run again from where it
//     stands; advanceMs moves it forward and brings forward the alarms of
//     the workspace, every user shard, the named dispatch slices and the
//     named destinations' breakers by as much (their stored real times were
//     computed before the move).
//     Answers { now } (test-clock ms).
//   GET /test/clock -> { now }
//   GET /test/alarm -> { alarm, now }: the workspace's alarm (test-clock ms, or null)
//   GET /test/due?key=&slice= -> { due }: how many messages the dispatch
//     slice would start at the test clock's now (its pump's own choice).
//
// HOOKCAST_TEST_CLOCK_OFFSET_MS (a binding) starts the clock that far ahead
// of real time, so a test that restarts the worker never sees time go back.

import worker, {
  DeliveryBatch,
  UserShard,
  Workspace,
  CampaignDispatch,
  DestinationHealth,
} from '../../../edge/src/index.js';
import {
  destinationStub,
  dispatchStub,
  shardStub,
  workspaceStub,
} from '../../../edge/src/stubs.js';
import { SHARD_COUNT } from '../../../edge/src/constants.js';

const realNow = Date.now.bind(Date);
const clock = { offset: null, frozenAt: null };

function now() {
  return clock.frozenAt ?? realNow() + (clock.offset ?? 0);
}
Date.now = now;

function startClock(env) {
  clock.offset ??= Number(env.HOOKCAST_TEST_CLOCK_OFFSET_MS ?? 0);
}

/**
 * A Durable Object class whose storage sets and reads alarms in test-clock
 * time, plus testShiftAlarm(ms) for the clock route.
 */
function withTestClock(Base) {
  return class extends Base {
    constructor(ctx, env) {
      startClock(env);
      const storage = ctx.storage;
      const raw = { get: storage.getAlarm.bind(storage), set: storage.setAlarm.bind(storage) };
      storage.setAlarm = (at, options) => raw.set(Number(at) - (now() - realNow()), options);
      storage.getAlarm = async (options) => {
        const at = await raw.get(options);
        return at === null ? null : at + (now() - realNow());
      };
      super(ctx, env);
      this.rawAlarm = raw;
    }

    /** The clock moved forward by `ms`: the stored real alarm time comes as much sooner. */
    async testShiftAlarm(ms) {
      const at = await this.rawAlarm.get();
      if (at !== null) await this.rawAlarm.set(Math.max(realNow(), at - ms));
    }

    /** The alarm in test-clock time, or null. */
    async testAlarm() {
      return this.ctx.storage.getAlarm();
    }

    /** (CampaignDispatch) How many messages the pump would start now, without starting them. */
    async testDueNow() {
      return this.dueRows(Date.now(), 1000, new Set()).length;
    }
  };
}

const TestDeliveryBatch = withTestClock(DeliveryBatch);
const TestUserShard = withTestClock(UserShard);
const TestWorkspace = withTestClock(Workspace);
const TestCampaignDispatch = withTestClock(CampaignDispatch);
const TestDestinationHealth = withTestClock(DestinationHealth);
export {
  TestDeliveryBatch as DeliveryBatch,
  TestUserShard as UserShard,
  TestWorkspace as Workspace,
  TestCampaignDispatch as CampaignDispatch,
  TestDestinationHealth as DestinationHealth,
};

async function clockRoute(request, env) {
  if (request.method === 'GET') return Response.json({ now: now() });
  const { freeze, advanceMs = 0, slices = [], hosts = [] } = await request.json();
  if (freeze === true) clock.frozenAt ??= now();
  if (freeze === false && clock.frozenAt !== null) {
    clock.offset = clock.frozenAt - realNow();
    clock.frozenAt = null;
  }
  if (advanceMs > 0) {
    if (clock.frozenAt !== null) clock.frozenAt += advanceMs;
    else clock.offset += advanceMs;
    const stubs = [
      workspaceStub(env),
      ...Array.from({ length: SHARD_COUNT }, (_, i) => shardStub(env, i)),
    ];
    for (const [key, slice] of slices) stubs.push(dispatchStub(env, key, slice));
    for (const host of hosts) stubs.push(destinationStub(env, host));
    await Promise.all(stubs.map((s) => s.testShiftAlarm(advanceMs)));
  }
  return Response.json({ now: now() });
}

export default {
  async fetch(request, env, ctx) {
    startClock(env);
    const url = new URL(request.url);
    if (url.pathname === '/test/clock') return clockRoute(request, env);
    if (url.pathname === '/test/alarm')
      return Response.json({ alarm: await workspaceStub(env).testAlarm(), now: now() });
    if (url.pathname === '/test/due') {
      const due = await dispatchStub(
        env,
        url.searchParams.get('key'),
        url.searchParams.get('slice'),
      ).testDueNow();
      return Response.json({ due });
    }
    return worker.fetch(request, env, ctx);
  },
};
