// Names and sizes that several rooms of the worker share. Changing one of
// them changes the stored layout (which object holds which user or message).

/** Number of user-shard objects (`shard-0` … `shard-15`). Users hash over them (shards/locate.js). */
export const SHARD_COUNT = 16;

/** The single dispatch slice of a campaign with a rate limit (all its messages, paced in one object). */
export const PACED_SLICE = 'paced';
