// The retry decision after a delivery attempt (src/core/retry.hpp).

import { HookcastError } from './errors.js';
import { describe, encode, encodeOptions, RETRY_OPTIONS } from './marshal.js';

/** The retry methods of the engine over the Emscripten module `Module`. */
export function retryMethods(Module) {
  return {
    retryDecision(outcome, attempt, nowMs = Date.now(), options) {
      if (!Number.isInteger(attempt) || attempt < 1 || attempt > 0x7fffffff) {
        throw new HookcastError(
          'invalid_attempt',
          `retryDecision: attempt must be a whole number ≥ 1 (1 for the first send), not ${String(attempt)}`,
        );
      }
      if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
        throw new HookcastError(
          'invalid_now',
          `retryDecision: nowMs must be a finite number of milliseconds since the epoch, not ${String(nowMs)}`,
        );
      }
      const outcomeJson = encode(outcome);
      if (outcomeJson === undefined) {
        throw new HookcastError(
          'invalid_outcome',
          'retryDecision: outcome cannot be written as JSON',
        );
      }
      const result = JSON.parse(
        Module.retry_decision(
          outcomeJson,
          attempt,
          nowMs,
          encodeOptions(options, 'retryDecision', RETRY_OPTIONS),
        ),
      );
      if (!result.ok) {
        throw new HookcastError(
          'invalid_outcome',
          `retryDecision: ${describe(result.problems)}`,
          result.problems,
        );
      }
      return {
        retry: result.retry,
        delayMs: result.delayMs,
        reason: result.reason,
        verdict: result.verdict,
      };
    },
  };
}
