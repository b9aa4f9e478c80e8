// workerd entry (Cloudflare Workers, miniflare): the .wasm arrives as a
// compiled WebAssembly.Module import, because workerd forbids compiling wasm
// from bytes at run time and has no import.meta.url to locate it by.
import createHookcastModule from '../../dist/hookcast.mjs';
import bundledModule from '../../dist/hookcast.wasm';
import { engineFor } from './engine.js';

export { HookcastError, liveHandles } from './engine.js';

function argsFor(wasmModule, fail) {
  return {
    locateFile: (path) => path,
    instantiateWasm(imports, receive) {
      try {
        const instance = new WebAssembly.Instance(wasmModule, imports);
        receive(instance, wasmModule);
        return instance.exports;
      } catch (error) {
        fail(error);
        return {};
      }
    },
  };
}

/** Resolves to the engine; memoised per module. See index.d.ts. */
export function createEngine(opts) {
  if (opts?.wasmBinary !== undefined && opts?.wasmModule === undefined) {
    return Promise.reject(
      new TypeError(
        'createEngine(opts): workerd cannot compile wasm from bytes; pass { wasmModule } (an imported .wasm) or nothing',
      ),
    );
  }
  // Always keyed by the module, so the default and an explicit
  // { wasmModule: sameModule } share one engine.
  const wasmModule = opts?.wasmModule ?? bundledModule;
  return engineFor(createHookcastModule, { wasmModule }, undefined, (o, fail) =>
    argsFor(o.wasmModule, fail),
  );
}
