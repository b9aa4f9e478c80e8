// Cohorts (src/core/cohort_api.hpp): the rule language lives in the core;
// this file only moves JSON across. matchBatch encodes the members straight
// into wasm memory (as the compiled render path does) and reads the core's
// one byte per member back (marshal.js COHORT_BYTE).

import { HookcastError } from './errors.js';
import {
  COHORT_BYTE,
  decodeText,
  describe,
  encode,
  outputBytes,
  unserialisable,
  writeText,
} from './marshal.js';

/** Members per call into the core: bounds the wasm memory a batch's parse takes. */
const MATCH_CHUNK = 2000;

function checkNow(method, nowMs) {
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs) || Math.abs(nowMs) > 8.64e15) {
    throw new HookcastError(
      'invalid_now',
      `${method}: nowMs must be a finite number of milliseconds since the epoch, not ${String(nowMs)}`,
    );
  }
}

/** The cohort methods of the engine over the Emscripten module `Module`. */
export function cohortMethods(Module) {
  // Frees handles of compiled cohorts collected without dispose() (see
  // webhook.js for workerd's compatibility date).
  const finalizer =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry((handle) => Module.release_cohort(handle))
      : undefined;

  // Appends one boolean per member of `chunk` to `results`.
  function matchChunk(handle, chunk, offset, nowMs, results, method) {
    const json = encode(chunk);
    if (json === undefined) {
      throw new HookcastError(
        'invalid_members',
        `${method}: the members cannot be written as JSON (a cycle, a BigInt or the like)`,
      );
    }
    matchJson(handle, json, offset, nowMs, results, method);
  }

  // Runs the core's `entry` (match or triage) on the JSON array `json`;
  // returns the answer's bytes (a view valid until the next call in).
  function answerJson(entry, handle, json, offset, nowMs, method) {
    const bytes = outputBytes(Module, entry(handle, writeText(Module, json), nowMs));
    if (bytes.length > 0 && bytes[0] === COHORT_BYTE.failed) {
      const failed = JSON.parse(decodeText(bytes));
      const code =
        failed.problems[0]?.code === 'invalid_now'
          ? 'invalid_now'
          : failed.problems[0]?.code === 'invalid_handle'
            ? 'disposed'
            : 'invalid_members';
      throw new HookcastError(code, `${method}: ${describe(failed.problems)}`, failed.problems);
    }
    const bad = bytes.indexOf(COHORT_BYTE.invalid);
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
    for (let i = 0; i < bytes.length; i++) results.push(bytes[i] === COHORT_BYTE.in);
  }

  // The core's triage of the JSON array `json`: '1' / '0' / 'e' per member.
  function triageJson(handle, json, offset, nowMs, method) {
    return decodeText(
      answerJson(Module._hc_cohort_triage_batch, handle, json, offset, nowMs, method),
    );
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
        throw new HookcastError(
          'disposed',
          `cohort.${method}(): this compiled cohort was disposed; compile the rule again to use it`,
        );
      }
      return this.#handle;
    }

    needs(nowMs) {
      const handle = this.#live('needs');
      checkNow('cohort.needs()', nowMs);
      const result = JSON.parse(Module.cohort_needs(handle, nowMs));
      if (!result.ok)
        throw new HookcastError(
          'invalid_now',
          `cohort.needs(): ${describe(result.problems)}`,
          result.problems,
        );
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
        throw new HookcastError(
          'invalid_members',
          'cohort.matchBatch(members): members must be an array of members',
        );
      }
      checkNow('cohort.matchBatch()', nowMs);
      const results = [];
      for (let start = 0; start < members.length; start += MATCH_CHUNK) {
        const chunk =
          start === 0 && members.length <= MATCH_CHUNK
            ? members
            : members.slice(start, start + MATCH_CHUNK);
        matchChunk(handle, chunk, start, nowMs, results, 'cohort.matchBatch()');
      }
      return results;
    }

    matchBatchJson(membersJson, nowMs) {
      const handle = this.#live('matchBatchJson');
      if (typeof membersJson !== 'string') {
        throw new HookcastError(
          'invalid_members',
          'cohort.matchBatchJson(membersJson): membersJson must be the JSON text of an array of members',
        );
      }
      checkNow('cohort.matchBatchJson()', nowMs);
      const results = [];
      matchJson(handle, membersJson, 0, nowMs, results, 'cohort.matchBatchJson()');
      return results;
    }

    triageBatch(members, nowMs) {
      const handle = this.#live('triageBatch');
      if (!Array.isArray(members)) {
        throw new HookcastError(
          'invalid_members',
          'cohort.triageBatch(members): members must be an array of members',
        );
      }
      checkNow('cohort.triageBatch()', nowMs);
      let answer = '';
      for (let start = 0; start < members.length; start += MATCH_CHUNK) {
        const chunk =
          start === 0 && members.length <= MATCH_CHUNK
            ? members
            : members.slice(start, start + MATCH_CHUNK);
        const json = encode(chunk);
        if (json === undefined) {
          throw new HookcastError(
            'invalid_members',
            'cohort.triageBatch(): the members cannot be written as JSON (a cycle, a BigInt or the like)',
          );
        }
        answer += triageJson(handle, json, start, nowMs, 'cohort.triageBatch()');
      }
      return answer;
    }

    triageBatchJson(membersJson, nowMs) {
      const handle = this.#live('triageBatchJson');
      if (typeof membersJson !== 'string') {
        throw new HookcastError(
          'invalid_members',
          'cohort.triageBatchJson(membersJson): membersJson must be the JSON text of an array of members',
        );
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
        throw new HookcastError(
          'invalid_rule',
          `matchesCohort: ${describe(compiled.problems)}`,
          compiled.problems,
        );
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
