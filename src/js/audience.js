// Users and events as the API receives them (src/core/audience_api.hpp): the
// bodies of POST /v1/users, POST /v1/events and an API send, and one id or
// properties value. Every bound and the time format are the core's; this
// file moves the bodies into wasm memory and the answers back.

import { HookcastError } from './errors.js';
import { describe, encode, outputText, unserialisable, writeText } from './marshal.js';

/** The user and event input checks of the engine over the Emscripten module `Module`. */
export function audienceMethods(Module) {
  // The JSON of `body` through the input buffer into `entry` (hc_check_*):
  // a body may be megabytes, which Embind would copy twice.
  function bodyCall(body, entry) {
    const json = encode(body);
    if (json === undefined) return unserialisable('body', 'body');
    return JSON.parse(outputText(Module, entry(writeText(Module, json))));
  }

  function oneValue(name, kind, valueJson, field) {
    const result = JSON.parse(Module.check_input(kind, valueJson, field));
    if (result.problems[0]?.field === 'kind')
      throw new HookcastError(
        'invalid_options',
        `${name}: ${describe(result.problems)}`,
        result.problems,
      );
    return result.problems;
  }

  return {
    checkUsers(body) {
      return bodyCall(body, Module._hc_check_users);
    },

    checkEvents(body) {
      const result = bodyCall(body, Module._hc_check_events);
      return result.ok ? result : { ok: false, problems: result.problems, at: [] };
    },

    checkApiSend(body) {
      return bodyCall(body, Module._hc_check_api_send);
    },

    checkInput(kind, value, field) {
      if (typeof kind !== 'string' || typeof field !== 'string') {
        throw new HookcastError(
          'invalid_options',
          'checkInput(kind, value, field): kind and field must be strings',
        );
      }
      const valueJson = value === undefined ? '' : encode(value);
      if (valueJson === undefined) return unserialisable(field, 'value').problems;
      return oneValue('checkInput', kind, valueJson, field);
    },

    checkInputJson(kind, valueJson, field) {
      if (typeof kind !== 'string' || typeof valueJson !== 'string' || typeof field !== 'string') {
        throw new HookcastError(
          'invalid_options',
          'checkInputJson(kind, valueJson, field): kind, valueJson and field must be strings',
        );
      }
      return oneValue('checkInputJson', kind, valueJson, field);
    },
  };
}
