// The edge worker plus one extra route for the delivery benchmark:
//   POST /bench {mode, url, n, concurrency, spec}
// runs n sends at the given concurrency INSIDE workerd and answers the wall
// time, so the numbers hold no Node<->workerd dispatch cost.
//   mode "bare":     fetch(url, POST body) + read the body
//   mode "pipeline": hookcast's first attempt: engine render (compiled spec,
//                    renderBatch of 64 contexts at a time),
//                    sendOnce (timeout, manual redirect, bounded capture,
//                    webhook-id), engine retry decision. No SSRF re-check:
//                    the engine checked the destination when it rendered it
//                    (as DeliveryBatch skips it for a first attempt right
//                    after POST /v1/deliveries). No persistence (the
//                    /v1/deliveries row measures that).
//   mode "retry":    the same plus the SSRF re-check through the engine, as
//                    for every retry and every attempt after a restart.
//   mode "send":     sendOnce alone on one pre-rendered request.
//   mode "render":   render (batched) + sendOnce, no retry decision.
// The last two exist for the breakdown (stages removed one at a time).

import worker, {
  DeliveryBatch,
  UserShard,
  Workspace,
  CampaignDispatch,
  DestinationHealth,
} from '../edge/src/index.js';
import {
  getEngine,
  engineOptions,
  destinationProblems,
  retryDecisionFor,
} from '../edge/src/engine.js';
import { sendOnce } from '../edge/src/delivery/deliver.js';
import { ConnectionPool } from '../edge/src/delivery/http1.js';

export { DeliveryBatch, UserShard, Workspace, CampaignDispatch, DestinationHealth };

async function run(n, concurrency, one) {
  let next = 0;
  let failures = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        if (!(await one(i))) failures++;
      }
    }),
  );
  return { ms: Date.now() - t0, failures };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== '/bench') return worker.fetch(request, env, ctx);
    const { mode, target, n, concurrency, spec } = await request.json();
    const body = JSON.stringify({ user: 'bench' });
    if (mode === 'bare') {
      return Response.json(
        await run(n, concurrency, async () => {
          const res = await fetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          await res.arrayBuffer();
          return res.status === 200;
        }),
      );
    }
    const engine = await getEngine();
    const options = engineOptions(env);
    const compiled = engine.compile(spec, options);
    if (!compiled.ok) return Response.json({ error: compiled.problems }, { status: 400 });
    const ctxOf = (i) => ({ user: { id: `u${i}`, properties: { name: 'Ada' } } });
    if (mode === 'stages') {
      // CPU-only loops; workerd freezes the clock during CPU work, so the
      // caller times this request from outside. One stage per request.
      const stage = url.searchParams.get('stage');
      const sample = compiled.webhook.render(ctxOf(0)).request;
      const fakeResult = {
        status: 200,
        headers: [['content-type', 'application/json']],
        error: null,
      };
      let sink = 0;
      for (let i = 0; i < n; i++) {
        if (stage === 'render') sink += compiled.webhook.render(ctxOf(i)).ok ? 1 : 0;
        else if (stage === 'guard') sink += destinationProblems(engine, sample.url, options).length;
        else if (stage === 'decide')
          sink += retryDecisionFor(engine, fakeResult, 1, 1_700_000_000_000 + i).retry ? 1 : 0;
        else if (stage === 'empty') sink += i & 1;
      }
      compiled.webhook.dispose?.();
      return Response.json({ sink });
    }
    const recheck = mode === 'retry';
    const decide = mode !== 'send' && mode !== 'render';
    const fixed = mode === 'send' ? compiled.webhook.render(ctxOf(0)) : null;
    // Rendered RENDER_CHUNK contexts at a time with renderBatch, as POST
    // /v1/deliveries renders its whole batch at once: one engine call per
    // chunk instead of one per send (inside the timed run).
    const RENDER_CHUNK = 64;
    const ready = [];
    const renderedFor = (i) => {
      const chunk = Math.floor(i / RENDER_CHUNK);
      if (ready[chunk] === undefined) {
        const from = chunk * RENDER_CHUNK;
        ready[chunk] = compiled.webhook.renderBatch(
          Array.from({ length: Math.min(RENDER_CHUNK, n - from) }, (_, k) => ctxOf(from + k)),
        );
      }
      const r = ready[chunk][i % RENDER_CHUNK];
      ready[chunk][i % RENDER_CHUNK] = null;
      return r;
    };
    const pool = new ConnectionPool();
    const result = await run(n, concurrency, async (i) => {
      const rendered = fixed ?? renderedFor(i);
      if (!rendered.ok) return false;
      if (recheck && destinationProblems(engine, rendered.request.url, options).length)
        return false;
      const sent = await sendOnce({
        request: rendered.request,
        msgId: `msg_bench_${i}`,
        timeoutMs: 15_000,
        pool,
      });
      if (!decide) return sent.status === 200;
      const decision = retryDecisionFor(engine, sent, recheck ? 2 : 1);
      return decision.reason === 'success';
    });
    compiled.webhook.dispose?.();
    return Response.json(result);
  },
};
