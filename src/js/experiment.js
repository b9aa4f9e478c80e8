// Experiments (src/core/experiment_api.hpp): control groups and the
// comparison of conversion rates. The assignment (a stable hash), the
// conversion window and the statistics are the core's; this file moves
// values across and turns refusals into HookcastErrors.

import { HookcastError } from './errors.js';
import { describe, encode } from './marshal.js';

/** The experiment methods of the engine over the Emscripten module `Module`. */
export function experimentMethods(Module) {
  function failed(name, result, code) {
    throw new HookcastError(code, `${name}: ${describe(result.problems)}`, result.problems);
  }

  return {
    controlGroups(campaignKey, userIds, controlPercent) {
      if (typeof campaignKey !== 'string')
        throw new HookcastError('invalid_campaign', 'controlGroups: campaignKey must be a string');
      if (!Array.isArray(userIds))
        throw new HookcastError(
          'invalid_user_ids',
          'controlGroups: userIds must be an array of strings',
        );
      if (typeof controlPercent !== 'number') {
        throw new HookcastError(
          'invalid_control_percent',
          `controlGroups: controlPercent must be a number from 0 to 50, not ${typeof controlPercent}`,
        );
      }
      const result = JSON.parse(
        Module.control_groups(campaignKey, JSON.stringify(userIds), controlPercent),
      );
      if (!result.ok)
        failed(
          'controlGroups',
          result,
          result.problems[0].field === 'controlPercent'
            ? 'invalid_control_percent'
            : 'invalid_user_ids',
        );
      const groups = new Array(userIds.length);
      for (let i = 0; i < groups.length; i++) groups[i] = result.groups.charCodeAt(i) === 0x31; // '1'
      return groups;
    },

    convertsWithin(sendStartMs, eventAtMs, within) {
      if (typeof sendStartMs !== 'number' || typeof eventAtMs !== 'number') {
        throw new HookcastError(
          'invalid_time',
          'convertsWithin: sendStartMs and eventAtMs must be numbers of milliseconds since the epoch',
        );
      }
      const result = JSON.parse(
        Module.converts_within(sendStartMs, eventAtMs, encode(within) ?? 'null'),
      );
      if (!result.ok)
        failed(
          'convertsWithin',
          result,
          result.problems[0].field.startsWith('within') ? 'invalid_within' : 'invalid_time',
        );
      return result.converts;
    },

    compareGroups(sent, control) {
      for (const [name, g] of [
        ['sent', sent],
        ['control', control],
      ]) {
        if (
          g === null ||
          typeof g !== 'object' ||
          typeof g.users !== 'number' ||
          typeof g.converted !== 'number'
        ) {
          throw new HookcastError(
            'invalid_counts',
            `compareGroups: ${name} must be { users, converted } with numbers`,
          );
        }
      }
      const result = JSON.parse(
        Module.compare_groups(sent.users, sent.converted, control.users, control.converted),
      );
      if (!result.ok) failed('compareGroups', result, 'invalid_counts');
      return result.uplift;
    },
  };
}
