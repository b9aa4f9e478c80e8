// A minimal test/assert pair for runtimes without node:test (workerd, the
// browser page): enough of node:assert/strict's surface for the suites, and a
// runner that returns plain JSON results for the Node-side runner to report.

class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
  }
}

function show(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

function fail(message, fallback) {
  throw new AssertionError(message ?? fallback);
}

export const assert = {
  ok(value, message) {
    if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
  },
  equal(actual, expected, message) {
    if (!Object.is(actual, expected))
      fail(message, `expected ${show(expected)}, got ${show(actual)}`);
  },
  notEqual(actual, expected, message) {
    if (Object.is(actual, expected)) fail(message, `expected anything but ${show(expected)}`);
  },
  deepEqual(actual, expected, message) {
    if (!deepEqual(actual, expected))
      fail(message, `expected ${show(expected)}, got ${show(actual)}`);
  },
  notDeepEqual(actual, expected, message) {
    if (deepEqual(actual, expected)) fail(message, `expected a value other than ${show(expected)}`);
  },
  match(string, regexp, message) {
    if (typeof string !== 'string' || !regexp.test(string))
      fail(message, `expected ${show(string)} to match ${regexp}`);
  },
  doesNotMatch(string, regexp, message) {
    if (typeof string !== 'string' || regexp.test(string))
      fail(message, `expected ${show(string)} not to match ${regexp}`);
  },
  // Supports the forms the suites use: an expected-properties object, an
  // Error class, or a predicate.
  throws(fn, expected, message) {
    let thrown;
    try {
      fn();
    } catch (error) {
      thrown = { error };
    }
    if (!thrown) fail(message, 'expected the function to throw');
    const { error } = thrown;
    if (expected === undefined) return;
    if (
      typeof expected === 'function' &&
      (expected === Error || expected.prototype instanceof Error)
    ) {
      if (!(error instanceof expected))
        fail(message, `expected a ${expected.name}, got ${show(String(error))}`);
      return;
    }
    if (typeof expected === 'function') {
      if (expected(error) !== true)
        fail(message, `thrown ${show(String(error))} did not satisfy the predicate`);
      return;
    }
    for (const [key, want] of Object.entries(expected)) {
      const got = error?.[key];
      const ok =
        want instanceof RegExp ? typeof got === 'string' && want.test(got) : deepEqual(got, want);
      if (!ok)
        fail(
          message,
          `thrown error's ${key} is ${show(got)}, expected ${want instanceof RegExp ? want : show(want)}`,
        );
    }
  },
  fail(message) {
    fail(message, 'failed');
  },
};

/**
 * Runs a suite function (`suite(engine, { test, assert, fixtures })`) and
 * returns [{ name, ok, error? }] in registration order.
 */
export async function runSuite(suite, engine, fixtures) {
  const cases = [];
  suite(engine, { test: (name, fn) => cases.push({ name, fn }), assert, fixtures });
  const results = [];
  for (const { name, fn } of cases) {
    try {
      await fn();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: error?.stack ?? String(error) });
    }
  }
  return results;
}

/**
 * The names of a suite's cases, in registration order, without running them:
 * what a runner in another runtime must report back, case for case.
 */
export function caseNames(suite, engine, fixtures) {
  const names = [];
  suite(engine, { test: (name) => names.push(name), assert, fixtures });
  return names;
}
