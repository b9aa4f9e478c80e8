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

    // renderBatch for contexts that are JSON text already (stored columns
    // pasted into one array): no JSON.parse / JSON.stringify round trip.
    renderBatchJson(contextsJson) {
      const handle = this.#live('renderBatchJson');
      if (typeof contextsJson !== 'string') {
        throw new HookcastError('invalid_contexts', 'renderBatchJson(contextsJson): contextsJson must be the JSON text of an array of contexts');
      }
      return unpackAll(this.#layout, callPacked(true, handle, contextsJson));
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

    ...campaignMethods(Module),
    ...cohortMethods(Module),
    ...experimentMethods(Module),
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

// ---- campaigns and fatigue (src/core/campaign_api.hpp) -----------------------------
//
// The status machine, editability, shape and launch checks of campaigns and
// the fatigue decision. Misuse the contract cannot express as an answer (a
// status that is not a status, a policy or ledger of the wrong shape) throws
// a HookcastError naming the argument; everything else is a value.

const FATIGUE_REASONS = { o: 'ok', a: 'already_sent', r: 'resend_period', f: 'frequency_cap' };

function campaignMethods(Module) {
  function text(value, name, code) {
    if (typeof value !== 'string') {
      throw new HookcastError(code, `${name} must be a string, not ${value === null ? 'null' : typeof value}`);
    }
    return value;
  }

  function refused(result, name) {
    if (result.code === 'invalid_status' || result.code === 'invalid_action' || result.code === 'invalid_fields') {
      throw new HookcastError(result.code, `${name}: ${result.message}`);
    }
    return result;
  }

  // The error code for a fatigue problem, by the argument it names.
  function fatigueError(name, problems) {
    const field = problems[0]?.field ?? '';
    const code = field.startsWith('policy') ? 'invalid_policy' : field.startsWith('ledger') ? 'invalid_ledger' : 'invalid_send_at';
    return new HookcastError(code, `${name}: ${describe(problems)}`, problems);
  }

  function batch(name, policy, ledgers, sendAtMs) {
    if (typeof sendAtMs !== 'number' || !Number.isFinite(sendAtMs)) {
      throw new HookcastError('invalid_send_at', `${name}: sendAtMs must be a finite number of milliseconds since the epoch, not ${String(sendAtMs)}`);
    }
    const policyJson = encode(policy);
    if (policyJson === undefined) throw new HookcastError('invalid_policy', `${name}: the policy cannot be written as JSON`);
    // Ledgers travel as interned campaign keys plus float64 pairs written
    // straight into wasm memory (see hc_fatigue_packed in bindings.cpp): far
    // cheaper than JSON.stringify of every send. Marks for what is not a
    // ledger, a send, a key or a time are checked, and named, by the core.
    const keyIndex = new Map();
    const keys = [];
    let doubles = 0;
    for (const ledger of ledgers) doubles += Array.isArray(ledger) ? 1 + 3 * ledger.length : 1;
    const packed = new Float64Array(doubles);
    let k = 0;
    for (const ledger of ledgers) {
      if (!Array.isArray(ledger)) {
        packed[k++] = -1;
        continue;
      }
      packed[k++] = ledger.length;
      for (const send of ledger) {
        if (send === null || typeof send !== 'object') {
          packed[k++] = -2;
          packed[k++] = Number.NaN;
          packed[k++] = 0;
          continue;
        }
        const { campaign, at, control } = send;
        let key = -1;
        if (typeof campaign === 'string') {
          key = keyIndex.get(campaign);
          if (key === undefined) {
            key = keys.length;
            keyIndex.set(campaign, key);
            keys.push(campaign);
          }
        }
        packed[k++] = key;
        packed[k++] = typeof at === 'number' ? at : Number.NaN;
        // A control-group record: the duplicate rule counts it, the caps do not.
        packed[k++] = control === undefined || control === false ? 0 : control === true ? 1 : Number.NaN;
      }
    }
    const keysJson = JSON.stringify(keys);
    const room = doubles * 8 + (policyJson.length + keysJson.length) * 3; // ≤ 3 UTF-8 bytes per UTF-16 unit
    const at = Module._hc_input(room) >>> 0;
    const heap = Module.HEAPU8; // after hc_input, which may grow memory
    new Float64Array(heap.buffer, at, doubles).set(packed);
    const policyBytes = encoder.encodeInto(policyJson, heap.subarray(at + doubles * 8, at + room)).written;
    const keyBytes = encoder.encodeInto(keysJson, heap.subarray(at + doubles * 8 + policyBytes, at + room)).written;
    const out = Module._hc_fatigue_packed(doubles, policyBytes, keyBytes, sendAtMs) >>> 0;
    const result = JSON.parse(decoder.decode(Module.HEAPU8.subarray(out, out + Module._hc_output_length())));
    if (!result.ok) {
      // fatigueDecision passed one ledger: name it as the caller knows it.
      const single = name === 'fatigueDecision';
      throw fatigueError(name, single ? result.problems.map((p) => ({ ...p, field: p.field.replace(/^ledgers\[0\]/, 'ledger') })) : result.problems);
    }
    return result.reasons;
  }

  return {
    campaignTransition(status, action) {
      const result = JSON.parse(
        Module.campaign_transition(text(status, 'campaignTransition: status', 'invalid_status'), text(action, 'campaignTransition: action', 'invalid_action')),
      );
      return refused(result, 'campaignTransition');
    },

    campaignEditable(status, fields) {
      text(status, 'campaignEditable: status', 'invalid_status');
      if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
        throw new HookcastError('invalid_fields', 'campaignEditable: fields must be an array of field names');
      }
      return refused(JSON.parse(Module.campaign_editable(status, JSON.stringify(fields))), 'campaignEditable');
    },

    checkCampaign(body, options) {
      const { partial = false } = options ?? {};
      if (typeof partial !== 'boolean') {
        throw new HookcastError('invalid_options', `checkCampaign: options.partial must be a boolean, not ${typeof partial}`);
      }
      const bodyJson = encode(body);
      if (bodyJson === undefined) return unserialisable('campaign', 'campaign');
      return JSON.parse(Module.check_campaign(bodyJson, partial));
    },

    launchCheck(campaign, options) {
      if (options === null || typeof options !== 'object') {
        throw new HookcastError('invalid_options', 'launchCheck: options must be an object { nowMs, scheduleAtMs, allowLocalHttp }');
      }
      const { nowMs, scheduleAtMs = null, untilMs = null, allowLocalHttp = false } = options;
      if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
        throw new HookcastError('invalid_now', `launchCheck: options.nowMs must be a finite number of milliseconds, not ${String(nowMs)}`);
      }
      for (const [key, value] of [['scheduleAtMs', scheduleAtMs], ['untilMs', untilMs]]) {
        if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
          throw new HookcastError('invalid_options', `launchCheck: options.${key} must be a finite number of milliseconds or null`);
        }
      }
      if (typeof allowLocalHttp !== 'boolean') {
        throw new HookcastError('invalid_options', 'launchCheck: options.allowLocalHttp must be a boolean');
      }
      const campaignJson = encode(campaign);
      if (campaignJson === undefined) return unserialisable('campaign', 'campaign');
      const result = JSON.parse(Module.launch_check(campaignJson, JSON.stringify({ nowMs, scheduleAtMs, untilMs, allowLocalHttp })));
      const misuse = result.problems.filter((p) => p.field.startsWith('options.'));
      if (misuse.length) throw new HookcastError('invalid_options', `launchCheck: ${describe(misuse)}`, misuse);
      return result;
    },

    checkFrequencyCapping(settings) {
      const settingsJson = encode(settings);
      if (settingsJson === undefined) return unserialisable('settings', 'settings');
      return JSON.parse(Module.check_frequency_capping(settingsJson));
    },

    addPeriod(ms, n, unit) {
      if (typeof ms !== 'number' || typeof n !== 'number' || typeof unit !== 'string') {
        throw new HookcastError('invalid_period', 'addPeriod(ms, n, unit): ms and n must be numbers and unit a string');
      }
      const result = JSON.parse(Module.add_period(ms, n, unit));
      if (!result.ok) throw new HookcastError('invalid_period', `addPeriod: ${describe(result.problems)}`, result.problems);
      return result.ms;
    },

    fatigueDecision(policy, ledger, sendAtMs) {
      if (!Array.isArray(ledger)) throw new HookcastError('invalid_ledger', 'fatigueDecision: ledger must be an array of { campaign, at }');
      const reason = FATIGUE_REASONS[batch('fatigueDecision', policy, [ledger], sendAtMs)[0]];
      return { send: reason === 'ok', reason };
    },

    fatigueBatch(policy, ledgers, sendAtMs) {
      if (!Array.isArray(ledgers)) throw new HookcastError('invalid_ledger', 'fatigueBatch: ledgers must be an array, one ledger per candidate');
      const codes = batch('fatigueBatch', policy, ledgers, sendAtMs);
      const reasons = new Array(codes.length);
      for (let i = 0; i < codes.length; i++) reasons[i] = FATIGUE_REASONS[codes[i]];
      return reasons;
    },
  };
}

// ---- experiments (src/core/experiment_api.hpp) ------------------------------------
//
// Control groups and the comparison of conversion rates: the assignment (a
// stable hash), the conversion window and the statistics are the core's.

function experimentMethods(Module) {
  function failed(name, result, code) {
    throw new HookcastError(code, `${name}: ${describe(result.problems)}`, result.problems);
  }

  function percent(name, controlPercent) {
    if (typeof controlPercent !== 'number') {
      throw new HookcastError('invalid_control_percent', `${name}: controlPercent must be a number from 0 to 50, not ${typeof controlPercent}`);
    }
  }

  return {
    controlGroups(campaignKey, userIds, controlPercent) {
      if (typeof campaignKey !== 'string') throw new HookcastError('invalid_campaign', 'controlGroups: campaignKey must be a string');
      if (!Array.isArray(userIds)) throw new HookcastError('invalid_user_ids', 'controlGroups: userIds must be an array of strings');
      percent('controlGroups', controlPercent);
      const result = JSON.parse(Module.control_groups(campaignKey, JSON.stringify(userIds), controlPercent));
      if (!result.ok) failed('controlGroups', result, result.problems[0].field === 'controlPercent' ? 'invalid_control_percent' : 'invalid_user_ids');
      const groups = new Array(userIds.length);
      for (let i = 0; i < groups.length; i++) groups[i] = result.groups.charCodeAt(i) === 0x31;
      return groups;
    },

    convertsWithin(sendStartMs, eventAtMs, within) {
      if (typeof sendStartMs !== 'number' || typeof eventAtMs !== 'number') {
        throw new HookcastError('invalid_time', 'convertsWithin: sendStartMs and eventAtMs must be numbers of milliseconds since the epoch');
      }
      const withinJson = encode(within);
      const result = JSON.parse(Module.converts_within(sendStartMs, eventAtMs, withinJson ?? 'null'));
      if (!result.ok) failed('convertsWithin', result, result.problems[0].field.startsWith('within') ? 'invalid_within' : 'invalid_time');
      return result.converts;
    },

    compareGroups(sent, control) {
      for (const [name, g] of [['sent', sent], ['control', control]]) {
        if (g === null || typeof g !== 'object' || typeof g.users !== 'number' || typeof g.converted !== 'number') {
          throw new HookcastError('invalid_counts', `compareGroups: ${name} must be { users, converted } with numbers`);
        }
      }
      const result = JSON.parse(Module.compare_groups(sent.users, sent.converted, control.users, control.converted));
      if (!result.ok) failed('compareGroups', result, 'invalid_counts');
      return result.uplift;
    },
  };
}

// ---- cohorts (src/core/cohort_api.hpp) ------------------------------------------
//
// The rule language lives in the core; this block only moves JSON across.
// matchBatch encodes the members straight into wasm memory (as the compiled
// render path does) and reads the core's one byte per member back.

/** Members per call into the core: bounds the wasm memory a batch's parse takes. */
const MATCH_CHUNK = 2000;
const BYTE_IN = 0x31; // '1'
const BYTE_FAILED = 0x7b; // '{': the whole call failed, the answer is JSON
const BYTE_INVALID = 0x3f; // '?': the member's shape is wrong where the rule reads it

/**
 * Number of compiled cohorts the engine's module still holds. Diagnostics
 * for tests of the finalizer; not part of the package's exports.
 */
export function liveCohorts(engine) {
  const Module = modules.get(engine);
  if (!Module) throw new TypeError('liveCohorts(engine): not an engine made by createEngine()');
  return Module.live_cohorts();
}

function checkNow(method, nowMs) {
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs) || Math.abs(nowMs) > 8.64e15) {
    throw new HookcastError('invalid_now', `${method}: nowMs must be a finite number of milliseconds since the epoch, not ${String(nowMs)}`);
  }
}

function cohortMethods(Module) {
  // Frees handles of compiled cohorts collected without dispose() (see the
  // webhook finalizer above for workerd's compatibility date).
  const finalizer =
    typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((handle) => Module.release_cohort(handle)) : undefined;

  // Puts `json` in the core's input buffer; returns its length in bytes.
  function put(json) {
    // Most member JSON is ASCII: try one byte per UTF-16 unit first.
    let at = Module._hc_input(json.length) >>> 0;
    const ascii = encoder.encodeInto(json, Module.HEAPU8.subarray(at, at + json.length));
    if (ascii.read === json.length) return ascii.written;
    const room = json.length * 3; // UTF-16 code units -> at most 3 UTF-8 bytes each
    at = Module._hc_input(room) >>> 0; // may grow (and detach) wasm memory: a fresh view
    return encoder.encodeInto(json, Module.HEAPU8.subarray(at, at + room)).written;
  }

  // Appends one boolean per member of `chunk` to `results`.
  function matchChunk(handle, chunk, offset, nowMs, results, method) {
    const json = encode(chunk);
    if (json === undefined) {
      throw new HookcastError('invalid_members', `${method}: the members cannot be written as JSON (a cycle, a BigInt or the like)`);
    }
    matchJson(handle, json, offset, nowMs, results, method);
  }

  // Runs the core's `entry` (match or triage) on the JSON array `json`;
  // returns the answer's bytes (a view valid until the next call in).
  function answerJson(entry, handle, json, offset, nowMs, method) {
    const length = put(json);
    const out = entry(handle, length, nowMs) >>> 0;
    const size = Module._hc_output_length();
    const bytes = Module.HEAPU8.subarray(out, out + size);
    if (size > 0 && bytes[0] === BYTE_FAILED) {
      const failed = JSON.parse(decoder.decode(bytes));
      const code = failed.problems[0]?.code === 'invalid_now' ? 'invalid_now' : failed.problems[0]?.code === 'invalid_handle' ? 'disposed' : 'invalid_members';
      throw new HookcastError(code, `${method}: ${describe(failed.problems)}`, failed.problems);
    }
    const bad = bytes.indexOf(BYTE_INVALID);
    if (bad >= 0) {
      throw new HookcastError(
        'invalid_member',
        `${method}: members[${offset + bad}] is not a member { id, properties: {…}, events: [{ key, at, properties }] } where the rule reads it`,
      );
    }
    return bytes;
  }

  // Appends one boolean per member of the JSON array `json` to `results`.
  function matchJson(handle, json, offset, nowMs, results, method) {
    const bytes = answerJson(Module._hc_cohort_match_batch, handle, json, offset, nowMs, method);
    for (let i = 0; i < bytes.length; i++) results.push(bytes[i] === BYTE_IN);
  }

  // The core's triage of the JSON array `json`: '1' / '0' / 'e' per member.
  function triageJson(handle, json, offset, nowMs, method) {
    return decoder.decode(answerJson(Module._hc_cohort_triage_batch, handle, json, offset, nowMs, method));
  }

  class CompiledCohort {
    #handle;
    #disposed = false;

    constructor(handle) {
      this.#handle = handle;
      finalizer?.register(this, handle, this);
    }

    #live(method) {
      if (this.#disposed) {
        throw new HookcastError('disposed', `cohort.${method}(): this compiled cohort was disposed; compile the rule again to use it`);
      }
      return this.#handle;
    }

    needs(nowMs) {
      const handle = this.#live('needs');
      checkNow('cohort.needs()', nowMs);
      const result = JSON.parse(Module.cohort_needs(handle, nowMs));
      if (!result.ok) throw new HookcastError('invalid_now', `cohort.needs(): ${describe(result.problems)}`, result.problems);
      return { properties: result.properties, events: result.events };
    }

    matches(member, nowMs) {
      const handle = this.#live('matches');
      checkNow('cohort.matches()', nowMs);
      const results = [];
      matchChunk(handle, [member], 0, nowMs, results, 'cohort.matches()');
      return results[0];
    }

    matchBatch(members, nowMs) {
      const handle = this.#live('matchBatch');
      if (!Array.isArray(members)) {
        throw new HookcastError('invalid_members', 'cohort.matchBatch(members): members must be an array of members');
      }
      checkNow('cohort.matchBatch()', nowMs);
      const results = [];
      for (let start = 0; start < members.length; start += MATCH_CHUNK) {
        const chunk = start === 0 && members.length <= MATCH_CHUNK ? members : members.slice(start, start + MATCH_CHUNK);
        matchChunk(handle, chunk, start, nowMs, results, 'cohort.matchBatch()');
      }
      return results;
    }

    matchBatchJson(membersJson, nowMs) {
      const handle = this.#live('matchBatchJson');
      if (typeof membersJson !== 'string') {
        throw new HookcastError('invalid_members', 'cohort.matchBatchJson(membersJson): membersJson must be the JSON text of an array of members');
      }
      checkNow('cohort.matchBatchJson()', nowMs);
      const results = [];
      matchJson(handle, membersJson, 0, nowMs, results, 'cohort.matchBatchJson()');
      return results;
    }

    triageBatch(members, nowMs) {
      const handle = this.#live('triageBatch');
      if (!Array.isArray(members)) {
        throw new HookcastError('invalid_members', 'cohort.triageBatch(members): members must be an array of members');
      }
      checkNow('cohort.triageBatch()', nowMs);
      let answer = '';
      for (let start = 0; start < members.length; start += MATCH_CHUNK) {
        const chunk = start === 0 && members.length <= MATCH_CHUNK ? members : members.slice(start, start + MATCH_CHUNK);
        const json = encode(chunk);
        if (json === undefined) {
          throw new HookcastError('invalid_members', 'cohort.triageBatch(): the members cannot be written as JSON (a cycle, a BigInt or the like)');
        }
        answer += triageJson(handle, json, start, nowMs, 'cohort.triageBatch()');
      }
      return answer;
    }

    triageBatchJson(membersJson, nowMs) {
      const handle = this.#live('triageBatchJson');
      if (typeof membersJson !== 'string') {
        throw new HookcastError('invalid_members', 'cohort.triageBatchJson(membersJson): membersJson must be the JSON text of an array of members');
      }
      checkNow('cohort.triageBatchJson()', nowMs);
      return triageJson(handle, membersJson, 0, nowMs, 'cohort.triageBatchJson()');
    }

    dispose() {
      if (this.#disposed) return;
      this.#disposed = true;
      finalizer?.unregister(this);
      Module.release_cohort(this.#handle);
    }
  }

  function compileCohort(rule) {
    const ruleJson = encode(rule);
    if (ruleJson === undefined) return unserialisable('rule', 'rule');
    const result = JSON.parse(Module.compile_cohort(ruleJson));
    if (!result.ok) return { ok: false, problems: result.problems };
    return { ok: true, cohort: new CompiledCohort(result.handle) };
  }

  const operators = Module.cohort_operators();

  return {
    validateCohort(rule) {
      const ruleJson = encode(rule);
      if (ruleJson === undefined) return unserialisable('rule', 'rule');
      return JSON.parse(Module.validate_cohort(ruleJson));
    },

    compileCohort,

    matchesCohort(rule, member, nowMs) {
      const compiled = compileCohort(rule);
      if (!compiled.ok) {
        throw new HookcastError('invalid_rule', `matchesCohort: ${describe(compiled.problems)}`, compiled.problems);
      }
      try {
        return compiled.cohort.matches(member, nowMs);
      } finally {
        compiled.cohort.dispose();
      }
    },

    cohortOperators() {
      return JSON.parse(operators); // a fresh copy: callers may change theirs
    },
  };
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
