// Reads the shared fixtures (tests/fixtures/*.json, written by the C++ side)
// in Node, for the runners to hand to the suites; a missing file is skipped.
import { readFile } from 'node:fs/promises';

const NAMES = ['urls', 'render', 'templates', 'campaigns', 'fatigue', 'cohorts'];

export async function loadFixtures() {
  const fixtures = {};
  for (const name of NAMES) {
    const url = new URL(`../../fixtures/${name}.json`, import.meta.url);
    let text;
    try {
      text = await readFile(url, 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') continue;
      throw error;
    }
    fixtures[name] = JSON.parse(text);
  }
  return fixtures;
}
