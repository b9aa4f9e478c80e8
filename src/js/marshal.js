// Marshalling, all of it: JS values to JSON text, text into the core's input
// buffer in wasm memory, the core's answers (JSON, the packed render format,
// one byte per cohort member, fatigue letters) back into JS values. Every tag
// and byte the core writes is named here once (the fatigue letters' reasons
// are read from the core's own table); the other files call these.

import { HookcastError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---- JSON text ------------------------------------------------------------------

/**
 * JSON text of `value`, or undefined when JSON cannot express it (a cycle,
 * a BigInt). A bare `undefined` becomes null so the core can name it.
 */
export function encode(value) {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return undefined;
  }
}

// The core's code for the same mistake: a spec or context it could not read.
const UNSERIALISABLE_CODES = { 'webhook spec': 'invalid_spec', context: 'invalid_context' };

/** The {ok:false} answer for an argument JSON cannot express. */
export function unserialisable(field, what) {
  const code = UNSERIALISABLE_CODES[what] ?? 'invalid_type';
  return {
    ok: false,
    problems: [
      {
        field,
        code,
        message: `The ${what} cannot be written as JSON (it holds a cycle, a BigInt or the like).`,
        severity: 'error',
      },
    ],
  };
}

/** One sentence of every problem, for a HookcastError's message. */
export function describe(problems) {
  return problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
}

/** Options of validate, render, compile, preview and checkDestination. */
export const SPEC_OPTIONS = { allowLocalHttp: 'boolean' };
/** Options of retryDecision. */
export const RETRY_OPTIONS = { jitter: 'boolean', seed: 'number' };

/** JSON text of the `allowed` keys of `options`; throws invalid_options for a wrong type. */
export function encodeOptions(options, name, allowed) {
  if (options === undefined || options === null) return '{}';
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new HookcastError(
      'invalid_options',
      `${name}: options must be an object such as { ${Object.keys(allowed).join(', ')} }`,
    );
  }
  for (const [key, type] of Object.entries(allowed)) {
    if (options[key] !== undefined && typeof options[key] !== type) {
      throw new HookcastError(
        'invalid_options',
        `${name}: options.${key} must be a ${type}, not ${typeof options[key]}`,
      );
    }
  }
  const picked = {};
  for (const key of Object.keys(allowed))
    if (options[key] !== undefined) picked[key] = options[key];
  return JSON.stringify(picked);
}

// ---- wasm memory ------------------------------------------------------------------

/**
 * Writes `texts` one after the other into the core's input buffer and
 * returns the UTF-8 length of each (the arguments of the hc_* entry).
 */
export function writeTexts(Module, texts) {
  const room = texts.reduce((n, t) => n + t.length * 3, 0); // UTF-16 units -> ≤ 3 UTF-8 bytes
  const at = Module._hc_input(room) >>> 0;
  const heap = Module.HEAPU8; // after hc_input, which may grow (and detach) memory
  const lengths = [];
  let used = 0;
  for (const t of texts) {
    const { written } = encoder.encodeInto(t, heap.subarray(at + used, at + room));
    lengths.push(written);
    used += written;
  }
  return lengths;
}

/**
 * Puts `json` in the core's input buffer; returns its length in bytes.
 * Tries one byte per UTF-16 unit first (most member JSON is ASCII).
 */
export function writeText(Module, json) {
  let at = Module._hc_input(json.length) >>> 0;
  const ascii = encoder.encodeInto(json, Module.HEAPU8.subarray(at, at + json.length));
  if (ascii.read === json.length) return ascii.written;
  const room = json.length * 3; // UTF-16 code units -> at most 3 UTF-8 bytes each
  at = Module._hc_input(room) >>> 0; // may grow (and detach) wasm memory: a fresh view
  return encoder.encodeInto(json, Module.HEAPU8.subarray(at, at + room)).written;
}

/** The bytes of the answer the core left at `out` (a view valid until the next call in). */
export function outputBytes(Module, out) {
  const at = out >>> 0;
  return Module.HEAPU8.subarray(at, at + Module._hc_output_length());
}

/** The answer the core left at `out`, as text. */
export function outputText(Module, out) {
  return decoder.decode(outputBytes(Module, out));
}

/** `bytes` (an answer's view) as text. */
export function decodeText(bytes) {
  return decoder.decode(bytes);
}

// ---- the packed render format (src/core/packed_format.hpp) ---------------------------

/** The tags of the packed format's records. */
export const PACKED = Object.freeze({ ok: 'o', warnings: 'w', refused: 'e', failed: 'x' });

/**
 * The packed answer of a batch: one result per record, or `failed(answer)`
 * for the single {ok:false} object of a call that failed as a whole
 * (PACKED.failed).
 */
export function unpackAll(layout, text, failed) {
  const fields = text.split('\0');
  if (fields[0] === PACKED.failed) return failed(JSON.parse(fields[1]));
  const results = [];
  // The answer ends with a NUL, so the last field is the empty string.
  const end = fields.length - 1;
  const cursor = [0];
  while (cursor[0] < end) results.push(unpack(layout, fields, cursor[0], cursor));
  return results;
}

/**
 * The result object of the record at fields[k] (the shape engine.render
 * returns); stores the index of the next record in cursor[0].
 */
export function unpack(layout, fields, k, cursor) {
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

// ---- cohort answers: one byte per member ------------------------------------------------

/** Bytes of the core's cohort answers (src/core/cohort_api.hpp). */
export const COHORT_BYTE = Object.freeze({
  in: 0x31, // '1'
  failed: 0x7b, // '{': the whole call failed, the answer is JSON
  invalid: 0x3f, // '?': the member's shape is wrong where the rule reads it
});

// ---- fatigue: ledgers as float64 triples -------------------------------------------------

const fatigueLetters = new WeakMap();

/**
 * The core's one-letter fatigue verdicts and the reason each stands for
 * ({ o: 'ok', ... }), read from the core (fatigue_reason_letters in
 * src/core/campaign_api.hpp) once per Module: no copy of the table here.
 */
export function fatigueReasonLetters(Module) {
  let table = fatigueLetters.get(Module);
  if (!table) {
    table = Object.freeze(JSON.parse(Module.fatigue_reason_letters()));
    fatigueLetters.set(Module, table);
  }
  return table;
}

/**
 * Writes `ledgers` into the core's input buffer as interned campaign keys
 * plus float64 triples (key, at, flags: 1 for a control-group record; see
 * hc_fatigue_packed in bindings.cpp): far cheaper than
 * JSON.stringify of every send. Marks for what is not a ledger, a send, a key
 * or a time are checked, and named, by the core. The policy's JSON follows,
 * then the keys' JSON; returns the lengths hc_fatigue_packed takes.
 */
export function writeLedgers(Module, policyJson, ledgers) {
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
      packed[k++] =
        control === undefined || control === false ? 0 : control === true ? 1 : Number.NaN;
    }
  }
  const keysJson = JSON.stringify(keys);
  const room = doubles * 8 + (policyJson.length + keysJson.length) * 3; // ≤ 3 UTF-8 bytes per UTF-16 unit
  const at = Module._hc_input(room) >>> 0;
  const heap = Module.HEAPU8; // after hc_input, which may grow memory
  new Float64Array(heap.buffer, at, doubles).set(packed);
  const policyBytes = encoder.encodeInto(
    policyJson,
    heap.subarray(at + doubles * 8, at + room),
  ).written;
  const keyBytes = encoder.encodeInto(
    keysJson,
    heap.subarray(at + doubles * 8 + policyBytes, at + room),
  ).written;
  return { doubles, policyBytes, keyBytes };
}
