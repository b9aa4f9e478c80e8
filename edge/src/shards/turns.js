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
 * Renders (user × placeholder) per chunk of an audience check: about 20 ms
 * of engine time on this machine, so no request waits longer than that
 * behind one chunk.
 */
export const RENDERS_PER_TURN = 50_000;

/** Users per chunk when each costs `perUser` units of work: 50 … `max`. */
export function chunkSize(perUser, max) {
  return Math.max(50, Math.min(max, Math.floor(RENDERS_PER_TURN / Math.max(1, perUser))));
}
