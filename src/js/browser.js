// Browser (and default) entry. By default it fetches hookcast.wasm beside the
// code (webpack 5, Vite and Parcel copy it and rewrite this URL; serve it as
// application/wasm to compile while it streams); where that file is missing
// it falls back to the inlined copy (wasm_source.js). Callers may pass the
// bytes or a compiled module instead.
import createHookcastModule from '../../dist/hookcast.mjs';
import { engineFor } from './engine.js';
import { inlinedWasm, isWasm, locateFile } from './wasm_source.js';

export { HookcastError, liveHandles } from './engine.js';

function wasmUrl() {
  try {
    // The literal form bundlers recognise: keep it exactly so.
    return new URL('../../dist/hookcast.wasm', import.meta.url);
  } catch {
    return undefined; // an IIFE bundle: no import.meta.url
  }
}

/** Emscripten arguments from the .wasm beside the code, or undefined when it is not there. */
async function fromFile(fail) {
  const url = wasmUrl();
  if (url === undefined) return undefined;
  let response;
  try {
    response = await fetch(url);
  } catch {
    return undefined;
  }
  if (!response.ok) return undefined;
  if (response.headers.get('content-type')?.split(';')[0].trim() === 'application/wasm') {
    return {
      locateFile,
      instantiateWasm(imports, receive) {
        WebAssembly.instantiateStreaming(response, imports).then(
          ({ instance, module }) => receive(instance, module),
          fail,
        );
        return {};
      },
    };
  }
  const bytes = await response.arrayBuffer();
  return isWasm(bytes) ? { locateFile, wasmBinary: bytes } : undefined; // e.g. a dev server's HTML page
}

async function defaultArgs(fail) {
  return (await fromFile(fail)) ?? { locateFile, wasmBinary: await inlinedWasm() };
}

/** Resolves to the engine; memoised per module/binary. See index.d.ts. */
export function createEngine(opts) {
  return engineFor(createHookcastModule, opts, defaultArgs);
}
