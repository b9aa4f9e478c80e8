// One named helper per Durable Object namespace: the only place that knows
// how an object is named. Every caller reaches an object through these.

/** The Workspace stub of this deployment (binding WORKSPACE, object name "workspace"). */
export function workspaceStub(env) {
  return env.WORKSPACE.get(env.WORKSPACE.idFromName('workspace'));
}

/** The stub of user shard `i` (binding USER_SHARDS, object name `shard-<i>`). */
export function shardStub(env, i) {
  return env.USER_SHARDS.get(env.USER_SHARDS.idFromName(`shard-${i}`));
}

/** The CampaignDispatch stub of `key`'s slice `slice` (binding DISPATCH, name `${key}/${slice}`). */
export function dispatchStub(env, key, slice) {
  return env.DISPATCH.get(env.DISPATCH.idFromName(`${key}/${slice}`));
}

/** The DeliveryBatch stub of batch `batch` (binding DELIVERIES, object name: the batch id). */
export function batchStub(env, batch) {
  return env.DELIVERIES.get(env.DELIVERIES.idFromName(batch));
}
