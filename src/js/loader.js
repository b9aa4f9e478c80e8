// Loading: instantiates the Emscripten module at most once per (glue
// factory, caller-supplied wasmModule|wasmBinary) and hands the module to
// `build`, which makes the engine object (engine.js). The runtime entries
// (node.js, browser.js, workerd.js) say where their wasm comes from.

// One cache per glue factory: the default engine, and one engine per caller-
// supplied module or binary (keyed weakly, so dropping the bytes drops it).
const caches = new WeakMap();

/**
 * Resolves to `build(Module)` for `factory` (the Emscripten module factory)
 * and the caller's load options. `defaultArgs(fail)` supplies the runtime's
 * own loading arguments when the caller passed neither module nor binary;
 * `keyedArgs(opts, fail)` turns the caller's module or binary into Emscripten
 * module arguments. An `instantiateWasm` they define reports errors to
 * `fail(error)`: Emscripten would otherwise wait for it forever.
 */
export function loadEngine(factory, opts, defaultArgs, keyedArgs, build) {
  try {
    checkLoadOptions(opts);
  } catch (error) {
    return Promise.reject(error);
  }
  const cache = caches.get(factory) ?? { default: undefined, keyed: new WeakMap() };
  caches.set(factory, cache);
  const key = opts?.wasmModule ?? opts?.wasmBinary;
  if (key === undefined) {
    cache.default ??= instantiate(factory, defaultArgs, build).catch((error) => {
      cache.default = undefined; // a failed load may succeed later (e.g. after a build)
      throw error;
    });
    return cache.default;
  }
  let pending = cache.keyed.get(key);
  if (!pending) {
    pending = instantiate(factory, (fail) => keyedArgs(opts, fail), build).catch((error) => {
      cache.keyed.delete(key);
      throw error;
    });
    cache.keyed.set(key, pending);
  }
  return pending;
}

/** Emscripten module arguments for a caller-supplied module or binary. */
export function moduleArgs(opts, fail) {
  if (opts.wasmModule !== undefined) {
    const wasmModule = opts.wasmModule;
    return {
      instantiateWasm(imports, receive) {
        // Asynchronous: browsers refuse synchronous instantiation of big
        // modules on the main thread. Emscripten waits for receive().
        WebAssembly.instantiate(wasmModule, imports).then(
          (instance) => receive(instance, wasmModule),
          fail,
        );
        return {};
      },
    };
  }
  const bytes = opts.wasmBinary;
  // The glue copies with `new Uint8Array(x)`, which reads a DataView or a
  // wider typed array wrongly: hand it the exact bytes.
  return {
    wasmBinary: ArrayBuffer.isView(bytes)
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : bytes,
  };
}

function checkLoadOptions(opts) {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object') {
    throw new TypeError(
      'createEngine(opts): opts must be an object such as { wasmBinary } or { wasmModule }',
    );
  }
  const { wasmModule, wasmBinary } = opts;
  if (wasmModule !== undefined && !(wasmModule instanceof WebAssembly.Module)) {
    throw new TypeError('createEngine(opts): opts.wasmModule must be a WebAssembly.Module');
  }
  if (
    wasmBinary !== undefined &&
    !(wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(wasmBinary))
  ) {
    throw new TypeError(
      'createEngine(opts): opts.wasmBinary must be an ArrayBuffer or a typed array',
    );
  }
}

async function instantiate(factory, args, build) {
  let fail;
  const failed = new Promise((resolve, reject) => {
    fail = reject;
  });
  const Module = await Promise.race([factory(await args(fail)), failed]);
  return build(Module);
}
