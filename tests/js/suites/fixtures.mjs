// Reads the shared fixtures (tests/fixtures/*.json, written by the C++ side)
// in Node, for the runners to hand to the suites. A missing or empty file is
// an error: skipping it would let the suites pass with zero fixture cases.
import { readFile } from 'node:fs/promises';

const NAMES = [
  'urls',
  'render',
  'templates',
  'cohorts',
  'campaigns',
  'fatigue',
  'audience',
  'uplift',
];

export async function loadFixtures() {
  const fixtures = {};
  for (const name of NAMES) {
    const url = new URL(`../../fixtures/${name}.json`, import.meta.url);
    const cases = JSON.parse(await readFile(url, 'utf8'));
    // A file is a list of cases, or an object of named lists (cohorts, campaigns, fatigue).
    const lists = Array.isArray(cases) ? [cases] : Object.values(cases ?? {}).filter(Array.isArray);
    if (lists.length === 0 || lists.some((l) => l.length === 0))
      throw new Error(`tests/fixtures/${name}.json holds no cases`);
    fixtures[name] = cases;
  }
  return fixtures;
}
