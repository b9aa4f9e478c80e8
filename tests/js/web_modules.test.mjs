// The console's module graph (web/*.js), read from the files themselves:
// no import circle (pages import components, never the other way round),
// and every worker route is named in one module, web/client.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../../web/', import.meta.url));
const files = readdirSync(web).filter((f) => f.endsWith('.js'));
const source = Object.fromEntries(files.map((f) => [f, readFileSync(`${web}${f}`, 'utf8')]));

/** The web/ modules `file` imports (static and dynamic imports of ./x.js). */
function importsOf(file) {
  const out = new Set();
  for (const m of source[file].matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*)'\.\/([\w-]+\.js)'/g))
    out.add(m[1]);
  return [...out];
}

test('web/ has no import circle', () => {
  const graph = Object.fromEntries(files.map((f) => [f, importsOf(f)]));
  for (const [f, deps] of Object.entries(graph))
    for (const d of deps) assert.ok(graph[d], `${f} imports ./${d}, which does not exist`);
  const state = new Map(); // file -> 'open' | 'done'
  const walk = (f, trail) => {
    if (state.get(f) === 'done') return;
    assert.notEqual(state.get(f), 'open', `import circle: ${[...trail, f].join(' → ')}`);
    state.set(f, 'open');
    for (const d of graph[f]) walk(d, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of files) walk(f, []);
  assert.ok(graph['app.js'].length > 3, 'the walk read the imports');
});

test('worker routes are named only in web/client.js', () => {
  const named = [];
  for (const [f, text] of Object.entries(source)) {
    if (f === 'client.js') continue;
    // A route in code is a string or template literal starting with /v1/.
    for (const m of text.matchAll(/['"`]\/v1\/[^'"`]*/g)) named.push(`${f}: ${m[0]}`);
  }
  assert.deepEqual(named, []);
  assert.match(source['client.js'], /'\/v1\/campaigns'/);
});
