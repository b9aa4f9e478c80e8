// Reads the shared fixtures (tests/fixtures/*.json, written by the C++ side)
// in Node, for the runners to hand to the suites. A missing or empty file is
// an error: skipping it would let the suites pass with zero fixture cases.
import { readFile } from 'node:fs/promises';

const NAMES = ['urls', 'render', 'templates', 'campaigns', 'fatigue', 'cohorts'];

export async function loadFixtures() {
  const fixtures = {};
  for (const name of NAMES) {
    const url = new URL(`../../fixtures/${name}.json`, import.meta.url);
    const cases = JSON.parse(await readFile(url, 'utf8'));
    // A list of cases, or (campaigns, fatigue, cohorts) named lists of them beside notes.
    const lists = Array.isArray(cases) ? [cases] : cases !== null && typeof cases === 'object' ? Object.values(cases).filter(Array.isArray) : [];
    if (lists.length === 0 || !lists.every((l) => Array.isArray(l) && l.length > 0)) {
      throw new Error(`tests/fixtures/${name}.json holds no cases (or an empty list of them)`);
    }
    fixtures[name] = cases;
  }
  return fixtures;
}
