// The edge worker plus one test-only route, for what no public route can
// reach: POST /test/prune { userIds, nowMs } runs UserShard.prune(nowMs) (the
// pruning alarm's work; an alarm cannot be fired over RPC) in the shards of
// those users and answers { deleted }. Calling it from inside the worker
// avoids miniflare's Node-side synchronous stub proxy, which is flaky under load.

import worker, { DeliveryBatch, UserShard, Workspace } from '../../../edge/src/index.js';
import { shardIndexFor } from '../../../edge/src/shards/locate.js';
import { shardStub } from '../../../edge/src/stubs.js';

export { DeliveryBatch, UserShard, Workspace };

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== '/test/prune') return worker.fetch(request, env, ctx);
    const { userIds, nowMs } = await request.json();
    const shards = [...new Set(userIds.map(shardIndexFor))];
    const counts = await Promise.all(shards.map((i) => shardStub(env, i).prune(nowMs)));
    return Response.json({ deleted: counts.reduce((a, b) => a + b, 0) });
  },
};
