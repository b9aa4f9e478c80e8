// A Durable Object has one alarm. Several parts of an object may each need
// a wake-up: each asks for "no later than" its time, and the earliest wins.

/** Sets the alarm of `storage` to `at` (ms) unless it is already set no later. */
export async function armNoLaterThan(storage, at) {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}
