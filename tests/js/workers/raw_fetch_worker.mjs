// Test-only: the edge worker plus two routes that send directly, bypassing
// the engine's destination check, to prove the runtime's own wall
// (edge/miniflare.mjs outboundNetwork) refuses what the engine would, for
// fetch() and for the socket client webhooks are sent with:
//   POST /raw-fetch {url} -> { ok: true, status } | { ok: false, error }
//   POST /raw-send {url}  -> the same through sendOnce (edge/src/delivery/deliver.js)
// No API key: the routes are only in this test worker.

import worker from '../../../edge/src/index.js';
import { sendOnce } from '../../../edge/src/delivery/deliver.js';

export * from '../../../edge/src/index.js';

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/raw-send') {
      const { url: target } = await request.json();
      const r = await sendOnce({
        request: { url: target, method: 'POST', headers: [], body: '{}' },
        msgId: 'msg_raw',
        timeoutMs: 5_000,
      });
      return Response.json(
        r.status !== null ? { ok: true, status: r.status } : { ok: false, error: r.error },
      );
    }
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
