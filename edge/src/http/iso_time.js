// Times in API answers: stored milliseconds since the epoch as ISO 8601 text.

/**
 * `ms` as ISO 8601 UTC text ("2026-06-15T12:00:00.000Z"); null for null or
 * undefined (a time not set yet).
 * @param {number | null | undefined} ms
 * @returns {string | null}
 */
export const isoTime = (ms) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
