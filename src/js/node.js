// Node entry: reads dist/hookcast.wasm beside the glue and hands the bytes to
// Emscripten (its web loader would otherwise fetch a file: URL, which Node's
// fetch refuses). Bundled into one file (esbuild --platform=node and the
// like) the .wasm is not beside the code: then the inlined copy is used.
import { readFile } from 'node:fs/promises';

import createHookcastModule from '../../dist/hookcast.mjs';
import { engineFor } from './engine.js';
import { inlinedWasm, locateFile } from './wasm_source.js';

export { HookcastError, liveHandles } from './engine.js';

async function wasmBytes() {
  try {
    return await readFile(new URL('../../dist/hookcast.wasm', import.meta.url));
  } catch {
    return inlinedWasm(); // no file there, or no import.meta.url (a CommonJS bundle)
  }
}

/** Resolves to the engine; memoised per module/binary. See index.d.ts. */
export function createEngine(opts) {
  return engineFor(createHookcastModule, opts, async () => ({
    locateFile,
    wasmBinary: await wasmBytes(),
  }));
}
