// The HTTP helper of suites that drive a worker started like `npm start`:
// every /v1 answer (and every request body the worker accepts) is held to
// docs/openapi.yaml by checkAnswer, as edge_helpers.mjs does for workerd.

import assert from 'node:assert/strict';
import { checkAnswer } from './openapi_check.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `call(method, path, body)` answers { status, json, text } for any status;
 * `api(...)` asserts a success and answers the JSON. `originOf()` names the
 * worker's current origin (it changes when a suite restarts the worker).
 */
export function apiClient(originOf, key) {
  async function call(method, path, body) {
    const r = await fetch(`${originOf()}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    checkAnswer({
      method,
      path,
      status: r.status,
      contentType: r.headers.get('content-type'),
      text,
      request: body,
    });
    return { status: r.status, json: text ? JSON.parse(text) : null, text };
  }
  async function api(method, path, body) {
    const r = await call(method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }
  return { call, api };
}

/** Polls `probe` every 50 ms until it answers something truthy (at most `tries` times). */
export async function until(what, probe, tries = 600) {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v) return v;
    await sleep(50);
  }
  assert.fail(`never: ${what}`);
}
