// Names and sizes that several rooms of the worker share. Changing one of
// them changes the stored layout (which object holds which user or message).

/** Number of user-shard objects (`shard-0` … `shard-15`). Users hash over them (shards/locate.js). */
export const SHARD_COUNT = 16;

/** The single dispatch slice of a campaign with a rate limit (all its messages, paced in one object). */
export const PACED_SLICE = 'paced';

/**
 * Attempts one delivery object's pump run starts before it hands over to a
 * fresh alarm invocation: Cloudflare counts subrequests per invocation
 * (10,000), and a campaign slice can hold far more messages than that.
 */
export const MAX_ATTEMPTS_PER_RUN = 5_000;
