// Test-only: the edge worker plus one route that calls fetch() directly,
// bypassing the engine's destination check, to prove the runtime's own wall
// (edge/miniflare.mjs outboundNetwork) refuses what the engine would:
//   POST /raw-fetch {url} -> { ok: true, status } | { ok: false, error }
// No API key: the route is only in this test worker.

import worker from '../../../edge/src/index.js';

export * from '../../../edge/src/index.js';

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== '/raw-fetch') return worker.fetch(request, env, ctx);
    const { url: target } = await request.json();
    try {
      const res = await fetch(target, { method: 'POST', body: '{}', redirect: 'manual' });
      await res.arrayBuffer();
      return Response.json({ ok: true, status: res.status });
    } catch (e) {
      return Response.json({ ok: false, error: String(e?.message ?? e) });
    }
  },
};
