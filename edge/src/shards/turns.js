// Long work in slices. workerd runs a worker and its Durable Objects on one
// thread: a loop that never awaits holds every other request (of every
// object) until it ends. Work over a whole audience (an audience check, a
// cohort estimate) awaits nextTurn() between its chunks, so requests that
// arrived meanwhile are served in between, and sizes its chunks by the work
// each user costs.

/** Resolves on a later turn of the event loop (after queued I/O and requests). */
export function nextTurn() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Renders (user × placeholder) per chunk of an audience check or a
 * schedule run. Measured (Node, load average ~13 on 2 cores): renderBatch
 * of 200 placeholders that all miss (200 warnings each) costs ~2.8 ms per
 * user, so a chunk at the placeholder limit (50 users) holds the thread for
 * ~140 ms at that load, and a webhook of ≤ 10 placeholders is chunked by
 * the store's own size (1000 users).
 */
export const RENDERS_PER_TURN = 10_000;

/** Users per chunk when each costs `perUser` units of work: 25 … `max`. */
export function chunkSize(perUser, max) {
  return Math.max(25, Math.min(max, Math.floor(RENDERS_PER_TURN / Math.max(1, perUser))));
}
