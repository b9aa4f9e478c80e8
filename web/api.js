// The worker's HTTP API as the console calls it: same origin, signed in by
// the session cookie (auth.js), which the browser sends itself; only the
// sign-in call carries the key, as a bearer token. Answers come back as values
// ({ ok, status, data }); nothing here throws for a refusal, so every page
// can show the worker's own words next to the field they name.
/** Listeners told when the worker refuses the key (the console asks again). */
const unauthorized = new Set();
/** Calls `fn` whenever the worker answers 401 (signed out or expired: the console asks again). Returns the unsubscribe. */
export function onUnauthorized(fn) {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
}

/**
 * Calls the API.
 * @param {string} method
 * @param {string} path  starts with /v1/
 * @param {unknown} [body]  sent as JSON
 * @param {Record<string,string>} [headers]
 * @returns {Promise<{ ok: boolean, status: number, data: any, error?: { code: string, message: string }, problems: object[] }>}
 */
export async function api(method, path, body, headers = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    return {
      ok: false,
      status: 0,
      data: null,
      error: {
        code: 'unreachable',
        message: `The worker did not answer (${err.message}). Is it still running?`,
      },
      problems: [],
    };
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.status === 401) for (const fn of unauthorized) fn();
  if (res.ok) return { ok: true, status: res.status, data, problems: data?.problems ?? [] };
  const error =
    data?.error && typeof data.error === 'object'
      ? data.error
      : {
          code: `http_${res.status}`,
          message:
            res.status === 404
              ? 'This does not exist (any more).'
              : `The worker answered ${res.status}.`,
        };
  return {
    ok: false,
    status: res.status,
    data,
    error,
    problems: Array.isArray(data?.problems) ? data.problems : [],
  };
}

/** GET helper. */
export const get = (path) => api('GET', path);
