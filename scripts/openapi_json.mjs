// Writes dist/openapi.json from docs/openapi.yaml: the worker serves the HTTP
// contract as JSON at GET /v1/openapi.json (edge/src/http/openapi.js imports
// the file as text). Run by `bash scripts/build.sh wasm`.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** docs/openapi.yaml, parsed. */
export function readOpenApi() {
  return yaml.load(fs.readFileSync(path.join(root, 'docs/openapi.yaml'), 'utf8'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = path.join(root, 'dist/openapi.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(readOpenApi())}\n`);
  console.log(`OpenAPI document: ${path.relative(root, out)}`);
}
