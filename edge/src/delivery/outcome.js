// Shapes of what the API reports about an attempt. Pure data shaping.

import { isoTime as iso } from '../http/iso_time.js';

/** The response part of an attempt, as test-send reports it (times in ISO 8601). */
export function publicOutcome(result) {
  return {
    startedAt: iso(result.startedAt),
    durationMs: result.durationMs,
    status: result.status,
    headers: result.headers,
    body: result.body,
    bodyTruncated: result.bodyTruncated,
    redirect: result.redirect,
    error: result.error,
    errorMessage: result.errorMessage,
    bodyError: result.bodyError,
  };
}

/**
 * One attempt in a delivery's history:
 * { attempt, startedAt, durationMs, status | error, redirect, retry, delayMs,
 *   reason, response: { headers, body, bodyTruncated, bodyError } }.
 */
export function attemptRecord(attempt, result, decision) {
  return {
    attempt,
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    status: result.status,
    error: result.error,
    errorMessage: result.errorMessage,
    redirect: result.redirect,
    retry: decision.retry,
    delayMs: decision.retry ? decision.delayMs : 0,
    reason: decision.reason,
    response: {
      headers: result.headers,
      body: result.body,
      bodyTruncated: result.bodyTruncated,
      bodyError: result.bodyError,
    },
  };
}
