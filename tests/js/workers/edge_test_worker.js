// The edge worker plus test-only routes, for what no public route can reach:
//   POST /test/prune { userIds, nowMs } runs UserShard.prune(nowMs) (the
//     pruning alarm's work; an alarm cannot be fired over RPC) in the shards
//     of those users and answers { deleted }. Calling it from inside the
//     worker avoids miniflare's Node-side synchronous stub proxy, which is
//     flaky under load.
//   GET /test/routes answers the router's table: [{ pattern, methods }].
//   POST /test/store-cohort-rule { id, rule } stores a cohort rule without
//     the engine's check (as an older engine might have accepted it), to
//     test the policy for a stored rule that no longer compiles.

import worker, {
  CampaignDispatch,
  DeliveryBatch,
  DestinationHealth,
  ROUTES,
  UserShard,
  Workspace,
} from '../../../edge/src/index.js';
import { shardIndexFor } from '../../../edge/src/shards/locate.js';
import { shardStub, workspaceStub } from '../../../edge/src/stubs.js';

export { CampaignDispatch, DeliveryBatch, DestinationHealth, UserShard, Workspace };

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/test/prune') {
      const { userIds, nowMs } = await request.json();
      const shards = [...new Set(userIds.map(shardIndexFor))];
      const counts = await Promise.all(shards.map((i) => shardStub(env, i).prune(nowMs)));
      return Response.json({ deleted: counts.reduce((a, b) => a + b, 0) });
    }
    if (url.pathname === '/test/routes') {
      return Response.json(
        ROUTES.map((r) => ({ pattern: r.pattern.source, methods: Object.keys(r.methods) })),
      );
    }
    if (url.pathname === '/test/store-cohort-rule') {
      const { id, rule } = await request.json();
      return Response.json({
        cohort: await workspaceStub(env).updateCohort(id, { rule }, Date.now()),
      });
    }
    return worker.fetch(request, env, ctx);
  },
};
