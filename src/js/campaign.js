// Campaigns and fatigue (src/core/campaign_api.hpp): the status machine,
// editability, shape and launch checks of campaigns and the fatigue
// decision. Misuse the contract cannot express as an answer (a status that
// is not a status, a policy or ledger of the wrong shape) throws a
// HookcastError naming the argument; everything else is a value.

import { HookcastError } from './errors.js';
import {
  describe,
  encode,
  fatigueReasonLetters,
  outputText,
  unserialisable,
  writeLedgers,
} from './marshal.js';

/** The campaign methods of the engine over the Emscripten module `Module`. */
export function campaignMethods(Module) {
  function text(value, name, code) {
    if (typeof value !== 'string') {
      throw new HookcastError(
        code,
        `${name} must be a string, not ${value === null ? 'null' : typeof value}`,
      );
    }
    return value;
  }

  function refused(result, name) {
    if (
      result.code === 'invalid_status' ||
      result.code === 'invalid_action' ||
      result.code === 'invalid_fields'
    ) {
      throw new HookcastError(result.code, `${name}: ${result.message}`);
    }
    return result;
  }

  // The error code for a fatigue problem, by the argument it names.
  function fatigueError(name, problems) {
    const field = problems[0]?.field ?? '';
    const code = field.startsWith('policy')
      ? 'invalid_policy'
      : field.startsWith('ledger')
        ? 'invalid_ledger'
        : 'invalid_send_at';
    return new HookcastError(code, `${name}: ${describe(problems)}`, problems);
  }

  function batch(name, policy, ledgers, sendAtMs) {
    if (typeof sendAtMs !== 'number' || !Number.isFinite(sendAtMs)) {
      throw new HookcastError(
        'invalid_send_at',
        `${name}: sendAtMs must be a finite number of milliseconds since the epoch, not ${String(sendAtMs)}`,
      );
    }
    const policyJson = encode(policy);
    if (policyJson === undefined)
      throw new HookcastError('invalid_policy', `${name}: the policy cannot be written as JSON`);
    const { doubles, policyBytes, keyBytes } = writeLedgers(Module, policyJson, ledgers);
    const result = JSON.parse(
      outputText(Module, Module._hc_fatigue_packed(doubles, policyBytes, keyBytes, sendAtMs)),
    );
    if (!result.ok) {
      // fatigueDecision passed one ledger: name it as the caller knows it.
      const single = name === 'fatigueDecision';
      throw fatigueError(
        name,
        single
          ? result.problems.map((p) => ({
              ...p,
              field: p.field.replace(/^ledgers\[0\]/, 'ledger'),
            }))
          : result.problems,
      );
    }
    return result.reasons;
  }

  return {
    campaignTransition(status, action) {
      const result = JSON.parse(
        Module.campaign_transition(
          text(status, 'campaignTransition: status', 'invalid_status'),
          text(action, 'campaignTransition: action', 'invalid_action'),
        ),
      );
      return refused(result, 'campaignTransition');
    },

    campaignEditable(status, fields) {
      text(status, 'campaignEditable: status', 'invalid_status');
      if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
        throw new HookcastError(
          'invalid_fields',
          'campaignEditable: fields must be an array of field names',
        );
      }
      return refused(
        JSON.parse(Module.campaign_editable(status, JSON.stringify(fields))),
        'campaignEditable',
      );
    },

    checkCampaign(body, options) {
      const { partial = false } = options ?? {};
      if (typeof partial !== 'boolean') {
        throw new HookcastError(
          'invalid_options',
          `checkCampaign: options.partial must be a boolean, not ${typeof partial}`,
        );
      }
      const bodyJson = encode(body);
      if (bodyJson === undefined) return unserialisable('campaign', 'campaign');
      return JSON.parse(Module.check_campaign(bodyJson, partial));
    },

    launchCheck(campaign, options) {
      if (options === null || typeof options !== 'object') {
        throw new HookcastError(
          'invalid_options',
          'launchCheck: options must be an object { nowMs, scheduleAtMs, allowLocalHttp }',
        );
      }
      const { nowMs, scheduleAtMs = null, untilMs = null, allowLocalHttp = false } = options;
      if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
        throw new HookcastError(
          'invalid_now',
          `launchCheck: options.nowMs must be a finite number of milliseconds, not ${String(nowMs)}`,
        );
      }
      for (const [key, value] of [
        ['scheduleAtMs', scheduleAtMs],
        ['untilMs', untilMs],
      ]) {
        if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
          throw new HookcastError(
            'invalid_options',
            `launchCheck: options.${key} must be a finite number of milliseconds or null`,
          );
        }
      }
      if (typeof allowLocalHttp !== 'boolean') {
        throw new HookcastError(
          'invalid_options',
          'launchCheck: options.allowLocalHttp must be a boolean',
        );
      }
      const campaignJson = encode(campaign);
      if (campaignJson === undefined) return unserialisable('campaign', 'campaign');
      const result = JSON.parse(
        Module.launch_check(
          campaignJson,
          JSON.stringify({ nowMs, scheduleAtMs, untilMs, allowLocalHttp }),
        ),
      );
      const misuse = result.problems.filter((p) => p.field.startsWith('options.'));
      if (misuse.length)
        throw new HookcastError('invalid_options', `launchCheck: ${describe(misuse)}`, misuse);
      return result;
    },

    checkFrequencyCapping(settings) {
      const settingsJson = encode(settings);
      if (settingsJson === undefined) return unserialisable('settings', 'settings');
      return JSON.parse(Module.check_frequency_capping(settingsJson));
    },

    addPeriod(ms, n, unit) {
      if (typeof ms !== 'number' || typeof n !== 'number' || typeof unit !== 'string') {
        throw new HookcastError(
          'invalid_period',
          'addPeriod(ms, n, unit): ms and n must be numbers and unit a string',
        );
      }
      const result = JSON.parse(Module.add_period(ms, n, unit));
      if (!result.ok)
        throw new HookcastError(
          'invalid_period',
          `addPeriod: ${describe(result.problems)}`,
          result.problems,
        );
      return result.ms;
    },

    eventTime(text, field = 'at') {
      if (typeof text !== 'string') {
        const message = `${field} must be an ISO 8601 date and time string such as "2026-11-30T09:15:00Z".`;
        return {
          ok: false,
          problems: [{ field, code: 'invalid_type', message, severity: 'error' }],
        };
      }
      return JSON.parse(Module.event_time(text, String(field)));
    },

    fatigueDecision(policy, ledger, sendAtMs) {
      if (!Array.isArray(ledger))
        throw new HookcastError(
          'invalid_ledger',
          'fatigueDecision: ledger must be an array of { campaign, at }',
        );
      const letter = batch('fatigueDecision', policy, [ledger], sendAtMs)[0];
      const reason = fatigueReasonLetters(Module)[letter];
      return { send: reason === 'ok', reason };
    },

    fatigueBatch(policy, ledgers, sendAtMs) {
      if (!Array.isArray(ledgers))
        throw new HookcastError(
          'invalid_ledger',
          'fatigueBatch: ledgers must be an array, one ledger per candidate',
        );
      const codes = batch('fatigueBatch', policy, ledgers, sendAtMs);
      const names = fatigueReasonLetters(Module);
      const reasons = new Array(codes.length);
      for (let i = 0; i < codes.length; i++) reasons[i] = names[codes[i]];
      return reasons;
    },

    scheduleOccurrences(send, afterWallMs = -Infinity, count = 1) {
      if (typeof afterWallMs !== 'number' || Number.isNaN(afterWallMs)) {
        throw new HookcastError(
          'invalid_options',
          'scheduleOccurrences: afterWallMs must be a number of wall-clock milliseconds (±Infinity allowed)',
        );
      }
      if (!Number.isInteger(count) || count < 0 || count > 1000) {
        throw new HookcastError(
          'invalid_options',
          'scheduleOccurrences: count must be a whole number from 0 to 1000',
        );
      }
      const sendJson = encode(send);
      const result =
        sendJson === undefined
          ? { ok: false, problems: [] }
          : JSON.parse(Module.schedule_occurrences(sendJson, afterWallMs, count));
      if (!result.ok) {
        throw new HookcastError(
          'invalid_send',
          'scheduleOccurrences: the send is not a schedule { type: "schedule", at, repeat? } whose times read',
          result.problems,
        );
      }
      return {
        atWallMs: result.atWallMs,
        untilWallMs: result.untilWallMs,
        occurrences: result.occurrences,
      };
    },

    localWallMs(text) {
      if (typeof text !== 'string') return null;
      const wall = Module.local_wall_ms(text);
      return Number.isNaN(wall) ? null : wall;
    },
  };
}
