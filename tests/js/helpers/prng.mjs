// A small deterministic PRNG (mulberry32), so every run of a test or a
// benchmark draws the same random rules, members and data.

/**
 * A generator of numbers in [0, 1) seeded with `seed` (a 32-bit integer).
 * @param {number} seed
 * @returns {() => number}
 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
