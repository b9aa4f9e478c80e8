// The engine: a thin JSON adapter over the wasm module's coarse functions.
// Every rule lives in the C++ core; this file only turns JS values into JSON
// text, JSON text back into JS values, and core refusals into thrown errors
// where the contract returns a value rather than problems.

/** Error thrown for misuse the contract cannot express as problems. */
export class HookcastError extends Error {
  /**
   * @param {string} code stable machine word, e.g. "invalid_request"
   * @param {string} message sentence naming the argument and the reason
   * @param {Array<object>} [problems] the core's problems, when it gave any
   */
  constructor(code, message, problems = []) {
    super(message);
    this.name = 'HookcastError';
    this.code = code;
    this.problems = problems;
  }
}

// One cache per glue factory: the default engine, and one engine per caller-
// supplied module or binary (keyed weakly, so dropping the bytes drops it).
const caches = new WeakMap();
// engine -> its Emscripten module, for the diagnostics export below.
const modules = new WeakMap();

/**
 * Returns the engine for `factory` (the Emscripten module factory) and the
 * caller's load options, instantiating the module at most once per
 * (factory, wasmModule|wasmBinary). `defaultArgs(fail)` supplies the
 * runtime's own loading arguments when the caller passed neither;
 * `keyedArgs(opts, fail)` turns the caller's module or binary into Emscripten
 * module arguments. An `instantiateWasm` they define reports errors to
 * `fail(error)`: Emscripten would otherwise wait for it forever.
 */
export function engineFor(factory, opts, defaultArgs, keyedArgs = moduleArgs) {
  try {
    checkLoadOptions(opts);
  } catch (error) {
    return Promise.reject(error);
  }
  const cache = caches.get(factory) ?? { default: undefined, keyed: new WeakMap() };
  caches.set(factory, cache);
  const key = opts?.wasmModule ?? opts?.wasmBinary;
  if (key === undefined) {
    cache.default ??= instantiate(factory, defaultArgs).catch((error) => {
      cache.default = undefined; // a failed load may succeed later (e.g. after a build)
      throw error;
    });
    return cache.default;
  }
  let pending = cache.keyed.get(key);
  if (!pending) {
    pending = instantiate(factory, (fail) => keyedArgs(opts, fail)).catch((error) => {
      cache.keyed.delete(key);
      throw error;
    });
    cache.keyed.set(key, pending);
  }
  return pending;
}

/** Emscripten module arguments for a caller-supplied module or binary. */
function moduleArgs(opts, fail) {
  if (opts.wasmModule !== undefined) {
    const wasmModule = opts.wasmModule;
    return {
      instantiateWasm(imports, receive) {
        // Asynchronous: browsers refuse synchronous instantiation of big
        // modules on the main thread. Emscripten waits for receive().
        WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule), fail);
        return {};
      },
    };
  }
  const bytes = opts.wasmBinary;
  // The glue copies with `new Uint8Array(x)`, which reads a DataView or a
  // wider typed array wrongly: hand it the exact bytes.
  return { wasmBinary: ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes };
}

function checkLoadOptions(opts) {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object') {
    throw new TypeError('createEngine(opts): opts must be an object such as { wasmBinary } or { wasmModule }');
  }
  const { wasmModule, wasmBinary } = opts;
  if (wasmModule !== undefined && !(wasmModule instanceof WebAssembly.Module)) {
    throw new TypeError('createEngine(opts): opts.wasmModule must be a WebAssembly.Module');
  }
  if (wasmBinary !== undefined && !(wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(wasmBinary))) {
    throw new TypeError('createEngine(opts): opts.wasmBinary must be an ArrayBuffer or a typed array');
  }
}

async function instantiate(factory, args) {
  let fail;
  const failed = new Promise((resolve, reject) => {
    fail = reject;
  });
  const Module = await Promise.race([factory(await args(fail)), failed]);
  return makeEngine(Module);
}

/**
 * Number of compiled webhooks the engine's module still holds. Diagnostics
 * for tests of the finalizer; not part of the stable API.
 */
export function liveHandles(engine) {
  const Module = modules.get(engine);
  if (!Module) throw new TypeError('liveHandles(engine): not an engine made by createEngine()');
  return Module.live_handles();
}

// JSON text of `value`, or undefined when JSON cannot express it (a cycle,
// a BigInt). A bare `undefined` becomes null so the core can name it.
function encode(value) {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return undefined;
  }
}

// The core's code for the same mistake: a spec or context it could not read.
const UNSERIALISABLE_CODES = { 'webhook spec': 'invalid_spec', context: 'invalid_context' };

function unserialisable(field, what) {
  const code = UNSERIALISABLE_CODES[what] ?? 'invalid_type';
  return {
    ok: false,
    problems: [{ field, code, message: `The ${what} cannot be written as JSON (it holds a cycle, a BigInt or the like).`, severity: 'error' }],
  };
}

function describe(problems) {
  return problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
}

function encodeOptions(options, name, allowed) {
  if (options === undefined || options === null) return '{}';
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new HookcastError('invalid_options', `${name}: options must be an object such as { ${Object.keys(allowed).join(', ')} }`);
  }
  for (const [key, type] of Object.entries(allowed)) {
    if (options[key] !== undefined && typeof options[key] !== type) {
      throw new HookcastError('invalid_options', `${name}: options.${key} must be a ${type}, not ${typeof options[key]}`);
    }
  }
  const picked = {};
  for (const key of Object.keys(allowed)) if (options[key] !== undefined) picked[key] = options[key];
  return JSON.stringify(picked);
}

const SPEC_OPTIONS = { allowLocalHttp: 'boolean' };
const RETRY_OPTIONS = { jitter: 'boolean', seed: 'number' };

function makeEngine(Module) {
  // Frees handles of compiled webhooks that were collected without dispose().
  // workerd has FinalizationRegistry only from compatibility date 2025-05-05
  // (or with the enable_weak_ref flag); without it, compiled webhooks live
  // until dispose().
  const finalizer =
    typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((handle) => Module.release(handle)) : undefined;

  // The compiled fast path skips Embind: the context JSON is encoded straight
  // into the core's input buffer in wasm memory, and the packed answer (see
  // src/core/packed_format.hpp) is decoded with one
  // TextDecoder call and assembled into result objects below.
  function callPacked(batch, handle, json) {
    const room = json.length * 3; // UTF-16 code units -> at most 3 UTF-8 bytes each
    const at = Module._hc_input(room) >>> 0;
    // A fresh view: hc_input may have grown (and so detached) wasm memory.
    const { written } = encoder.encodeInto(json, Module.HEAPU8.subarray(at, at + room));
    const out = (batch ? Module._hc_render_batch_packed(handle, written) : Module._hc_render_packed(handle, written)) >>> 0;
    return decoder.decode(Module.HEAPU8.subarray(out, out + Module._hc_output_length()));
  }

  // Writes `texts` one after the other into the core's input buffer, calls
  // fn(length of each...) and decodes the answer it leaves in wasm memory.
  function callInput(texts, fn) {
    const room = texts.reduce((n, t) => n + t.length * 3, 0); // UTF-16 units -> ≤ 3 UTF-8 bytes
    const at = Module._hc_input(room) >>> 0;
    const heap = Module.HEAPU8; // after hc_input, which may grow memory
    const lengths = [];
    let used = 0;
    for (const t of texts) {
      const { written } = encoder.encodeInto(t, heap.subarray(at + used, at + room));
      lengths.push(written);
      used += written;
    }
    const out = fn(...lengths) >>> 0;
    return decoder.decode(Module.HEAPU8.subarray(out, out + Module._hc_output_length()));
  }

  function renderCompiled(handle, layout, context, contextJson = encode(context)) {
    if (contextJson === undefined) return unserialisable('context', 'context');
    const fields = callPacked(false, handle, contextJson).split('\0');
    return unpack(layout, fields, 0, []);
  }

  function renderBatch(handle, layout, contexts) {
    if (!Array.isArray(contexts)) {
      throw new HookcastError('invalid_contexts', 'renderBatch(contexts): contexts must be an array of contexts');
    }
    const contextsJson = encode(contexts);
    if (contextsJson !== undefined) return unpackAll(layout, callPacked(true, handle, contextsJson));
    // Some context cannot be JSON: answer it alone, batch the others.
    const texts = contexts.map(encode);
    const sendable = texts.filter((t) => t !== undefined);
    const rendered = unpackAll(layout, callPacked(true, handle, `[${sendable.join(',')}]`));
    if (!Array.isArray(rendered)) return rendered;
    let next = 0;
    return texts.map((t, i) => (t === undefined ? unserialisable(`contexts[${i}]`, 'context') : rendered[next++]));
  }

  class CompiledWebhook {
    #handle;
    #disposed = false;

    #layout;

    constructor(handle, layout) {
      this.#handle = handle;
      this.#layout = layout;
      finalizer?.register(this, handle, this);
    }

    #live(method) {
      if (this.#disposed) {
        throw new HookcastError('disposed', `webhook.${method}(): this compiled webhook was disposed; compile the spec again to use it`);
      }
      return this.#handle;
    }

    render(context) {
      return renderCompiled(this.#live('render'), this.#layout, context);
    }

    renderBatch(contexts) {
      return renderBatch(this.#live('renderBatch'), this.#layout, contexts);
    }

    dispose() {
      if (this.#disposed) return;
      this.#disposed = true;
      finalizer?.unregister(this);
      Module.release(this.#handle);
    }
  }

  const engine = Object.freeze({
    ...coarseMethods(Module),

    validate(spec, options) {
      const specJson = encode(spec);
      if (specJson === undefined) return unserialisable('', 'webhook spec');
      return JSON.parse(Module.validate(specJson, encodeOptions(options, 'validate', SPEC_OPTIONS)));
    },

    variables(spec) {
      const specJson = encode(spec);
      return specJson === undefined ? [] : JSON.parse(Module.variables(specJson));
    },

    render(spec, context, options) {
      const specJson = encode(spec);
      if (specJson === undefined) return unserialisable('', 'webhook spec');
      const contextJson = encode(context);
      if (contextJson === undefined) return unserialisable('context', 'context');
      // One call, answered in the packed format, so a one-off render and a
      // compiled one build their results in one place (unpack below).
      const fields = callInput([specJson, contextJson, encodeOptions(options, 'render', SPEC_OPTIONS)], Module._hc_render_once).split('\0');
      if (fields[0] === PACKED.failed) return JSON.parse(fields[1]);
      return unpack(JSON.parse(fields[0]), fields, 1, []);
    },

    compile(spec, options) {
      const specJson = encode(spec);
      if (specJson === undefined) return unserialisable('', 'webhook spec');
      const result = JSON.parse(Module.compile(specJson, encodeOptions(options, 'compile', SPEC_OPTIONS)));
      if (!result.ok) return result;
      return { ok: true, webhook: new CompiledWebhook(result.handle, result.layout) };
    },

    toCurl(request) {
      return preview(Module.to_curl, 'toCurl', request).curl;
    },

    toTable(request) {
      return preview(Module.to_table, 'toTable', request).rows;
    },

    retryDecision(outcome, attempt, nowMs = Date.now(), options) {
      if (!Number.isInteger(attempt) || attempt < -0x80000000 || attempt > 0x7fffffff) {
        throw new HookcastError('invalid_attempt', `retryDecision: attempt must be an integer (1 for the first send), not ${String(attempt)}`);
      }
      if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
        throw new HookcastError('invalid_now', `retryDecision: nowMs must be a finite number of milliseconds since the epoch, not ${String(nowMs)}`);
      }
      const outcomeJson = encode(outcome);
      if (outcomeJson === undefined) {
        throw new HookcastError('invalid_outcome', 'retryDecision: outcome cannot be written as JSON');
      }
      const result = JSON.parse(Module.retry_decision(outcomeJson, attempt, nowMs, encodeOptions(options, 'retryDecision', RETRY_OPTIONS)));
      if (!result.ok) {
        throw new HookcastError('invalid_outcome', `retryDecision: ${describe(result.problems)}`, result.problems);
      }
      return { retry: result.retry, delayMs: result.delayMs, reason: result.reason, verdict: result.verdict };
    },
  });
  modules.set(engine, Module);
  return engine;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The tags of the packed format's records: src/core/packed_format.hpp.
const PACKED = Object.freeze({ ok: 'o', warnings: 'w', refused: 'e', failed: 'x' });

// The packed answer of a batch: one result per record, or the single
// {ok:false} object of a call that failed as a whole (PACKED.failed).
function unpackAll(layout, text) {
  const fields = text.split('\0');
  if (fields[0] === PACKED.failed) return JSON.parse(fields[1]);
  const results = [];
  // The answer ends with a NUL, so the last field is the empty string.
  const end = fields.length - 1;
  const cursor = [0];
  while (cursor[0] < end) results.push(unpack(layout, fields, cursor[0], cursor));
  return results;
}

// The result object of the record at fields[k] (the shape engine.render
// returns); stores the index of the next record in cursor[0].
function unpack(layout, fields, k, cursor) {
  const tag = fields[k++];
  let result;
  if (tag === PACKED.ok || tag === PACKED.warnings) {
    const url = fields[k++];
    const spec = layout.headers;
    const headers = new Array(spec.length);
    for (let h = 0; h < spec.length; h++) {
      const value = spec[h][1];
      headers[h] = [spec[h][0], value === null ? fields[k++] : value];
    }
    const body = layout.body ? fields[k++] : null;
    const warnings = tag === PACKED.warnings ? JSON.parse(fields[k++]) : [];
    result = { ok: true, request: { method: layout.method, url, headers, body }, warnings };
  } else if (tag === PACKED.refused) {
    result = { ok: false, problems: JSON.parse(fields[k++]) };
  } else {
    result = JSON.parse(fields[k++]); // PACKED.failed: the call's {ok:false} as JSON
  }
  cursor[0] = k;
  return result;
}

// toCurl/toTable: the contract returns the view itself, so a request the core
// refuses becomes a thrown HookcastError("invalid_request").
function preview(fn, name, request) {
  const requestJson = encode(request);
  if (requestJson === undefined) {
    throw new HookcastError('invalid_request', `${name}: the request cannot be written as JSON`);
  }
  const result = JSON.parse(fn(requestJson));
  if (!result.ok) {
    throw new HookcastError('invalid_request', `${name}: ${describe(result.problems)}`, result.problems);
  }
  return result;
}

// ---- coarse entries (src/core/preview_api.hpp) ----------------------------------
//
// One call where a caller would otherwise combine fine ones and re-state a
// rule in JavaScript: a whole preview, the destination check alone, the
// method list and the problem-code registry (the last two read once).

function coarseMethods(Module) {
  let methods;
  let problemCodes;
  return {
    preview(spec, context, options) {
      const specJson = encode(spec);
      if (specJson === undefined) return { ...unserialisable('', 'webhook spec'), request: null, curl: null, table: null };
      const contextJson = encode(context);
      if (contextJson === undefined) return { ...unserialisable('context', 'context'), request: null, curl: null, table: null };
      return JSON.parse(Module.preview(specJson, contextJson, encodeOptions(options, 'preview', SPEC_OPTIONS)));
    },

    checkDestination(url, options) {
      encodeOptions(options, 'checkDestination', SPEC_OPTIONS);
      if (typeof url !== 'string') {
        const message = `The URL must be a text, not ${url === null ? 'null' : typeof url}.`;
        return { ok: false, problems: [{ field: 'url', code: 'invalid_type', message, severity: 'error' }] };
      }
      // Straight into wasm memory, as the compiled render does: an accepted
      // URL (nearly every retry) answers 0 and crosses no string back.
      const room = url.length * 3;
      const at = Module._hc_input(room) >>> 0;
      const { written } = encoder.encodeInto(url, Module.HEAPU8.subarray(at, at + room));
      if (Module._hc_check_destination(written, options?.allowLocalHttp === true ? 1 : 0) === 0) return { ok: true, problems: [] };
      const out = Module._hc_output_text() >>> 0;
      return JSON.parse(decoder.decode(Module.HEAPU8.subarray(out, out + Module._hc_output_length())));
    },

    methods() {
      methods ??= Object.freeze(JSON.parse(Module.methods()));
      return [...methods];
    },

    problemCodes() {
      problemCodes ??= Object.freeze(JSON.parse(Module.problem_codes()).map((c) => Object.freeze(c)));
      return problemCodes.map((c) => ({ ...c }));
    },
  };
}
