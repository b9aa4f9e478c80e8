// The destinations routes: what the circuit breaker knows of each host
// (destinations/destination_health.js).
//
//   GET  /v1/destinations               -> { destinations: [{ host, state, since, failures, lastError, nextProbeAt }] }
//   POST /v1/destinations/:host/resume  -> 200 { destination }
//
// A host is listed once a retryable failure was counted for it; a host
// never seen failing is healthy and not listed. Resume on a host that was
// never listed answers 404.

import { json } from '../http/json.js';
import { fail, notFound } from '../http/errors.js';
import { destinationStub, workspaceStub } from '../stubs.js';

/** The longest host (with port) a URL can carry, and the characters one may hold. */
const HOST_PATTERN = /^[a-z0-9.\-[\]:_%]{1,300}$/;

/** GET /v1/destinations */
export async function listDestinations(env) {
  const hosts = await workspaceStub(env).listDestinations();
  const destinations = (
    await Promise.all(hosts.map((h) => destinationStub(env, h).describe()))
  ).filter(Boolean);
  return json({ destinations });
}

/** POST /v1/destinations/:host/resume */
export async function resumeDestination(host, env) {
  const name = String(host).toLowerCase();
  if (!HOST_PATTERN.test(name)) {
    throw fail(
      400,
      'host',
      'invalid_host',
      'The host is a URL host with an optional port, e.g. hooks.example.com or 127.0.0.1:8080.',
    );
  }
  const listed = await workspaceStub(env).listDestinations();
  if (!listed.includes(name))
    throw notFound(
      'host',
      `No destination ${name}: a host is listed once a failure was counted for it.`,
    );
  return json({ destination: await destinationStub(env, name).resume(name) });
}
