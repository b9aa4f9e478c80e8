// Node entry: reads dist/hookcast.wasm beside the glue and hands the bytes to
// Emscripten (its web loader would otherwise fetch a file: URL, which Node's
// fetch refuses).
import { readFile } from 'node:fs/promises';

import createHookcastModule from '../../dist/hookcast.mjs';
import { engineFor } from './engine.js';

export { HookcastError, liveHandles } from './engine.js';

const wasmUrl = new URL('../../dist/hookcast.wasm', import.meta.url);

/** Resolves to the engine; memoised per module/binary. See index.d.ts. */
export function createEngine(opts) {
  return engineFor(createHookcastModule, opts, async () => ({ wasmBinary: await readFile(wasmUrl) }));
}
