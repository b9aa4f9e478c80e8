// The engine's word lists, read from the core once per engine: the methods a
// webhook may use, the problem-code registry and the product's vocabulary
// (units per setting, suppression reasons, statuses, actions, send types,
// operators, limits: src/core/vocabulary_api.hpp), and what each campaign
// status allows. The worker and the console keep no copy of them. Callers
// get fresh copies (capabilities are frozen and shared).

import { HookcastError } from './errors.js';

/** The vocabulary methods of the engine over the Emscripten module `Module`. */
export function vocabularyMethods(Module) {
  let methods;
  let problemCodes;
  let vocabularyJson;
  const capabilities = new Map();
  return {
    methods() {
      methods ??= Object.freeze(JSON.parse(Module.methods()));
      return [...methods];
    },

    problemCodes() {
      problemCodes ??= Object.freeze(
        JSON.parse(Module.problem_codes()).map((c) => Object.freeze(c)),
      );
      return problemCodes.map((c) => ({ ...c }));
    },

    vocabulary() {
      vocabularyJson ??= Module.vocabulary();
      return JSON.parse(vocabularyJson); // a fresh copy: callers may change theirs
    },

    campaignCapabilities(status, sendType = null) {
      if (typeof status !== 'string') {
        throw new HookcastError(
          'invalid_status',
          `campaignCapabilities: status must be a string, not ${status === null ? 'null' : typeof status}`,
        );
      }
      if (sendType !== null && typeof sendType !== 'string') {
        throw new HookcastError(
          'invalid_send_type',
          `campaignCapabilities: sendType must be "schedule", "event", "api" or null, not ${typeof sendType}`,
        );
      }
      const key = `${status}\0${sendType ?? ''}`;
      let known = capabilities.get(key);
      if (!known) {
        const result = JSON.parse(Module.campaign_capabilities(status, sendType ?? ''));
        if (!result.ok)
          throw new HookcastError(result.code, `campaignCapabilities: ${result.message}`);
        delete result.ok;
        Object.freeze(result.transitions);
        known = Object.freeze(result);
        capabilities.set(key, known);
      }
      return known;
    },
  };
}
