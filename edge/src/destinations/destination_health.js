// DestinationHealth: one SQLite-backed Durable Object per destination host
// (binding DESTINATIONS, named by the URL's host, port included:
// "hooks.example.com", "127.0.0.1:8080"). It is the circuit breaker every
// delivery object of the workspace shares, campaign slices and
// POST /v1/deliveries batches alike.
//
//   healthy    attempts flow; each retryable failure (network error,
//              timeout, 5xx, 408, 429: the engine's retry verdict) counts,
//              any answer that is not one resets the count. At
//              FAILURE_THRESHOLD consecutive failures → unhealthy.
//   unhealthy  delivery objects hold their messages to the host (pending,
//              not attempted, attempts unchanged) and register here as
//              holders. Every PROBE_INTERVAL_MS the alarm asks one holder
//              to attempt one real held message (the probe). An answer
//              that is not a retryable failure → healthy, and every holder
//              is told to send what it holds. A person can resume by hand.
//
// Why one object per host and not the workspace object: failure reports
// then never queue behind campaign control, a flapping receiver costs its
// own object only, and Cloudflare places each host's object by itself.
// The workspace keeps only the list of hosts ever reported (for
// GET /v1/destinations), written once per host.
//
// What a delivery object pays while a host is healthy: one check per host
// per object every CHECK_TTL_MS (destinations/gate.js), none per attempt; a
// report only after a retryable failure, or after a success once failures
// were counted. Everything here is in SQLite and the probe time is the
// object's alarm, so a restart loses neither the state nor the next probe.

import { DurableObject } from 'cloudflare:workers';
import { isoTime as iso } from '../http/iso_time.js';
import { holderStub, workspaceStub } from '../stubs.js';

/** Consecutive retryable failures that turn a host unhealthy. */
export const FAILURE_THRESHOLD = 20;
/** Time between two probes of an unhealthy host. */
export const PROBE_INTERVAL_MS = 60_000;
/** A holder that could not be told of a recovery is told again this much later. */
const RELEASE_RETRY_MS = 5_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    host TEXT NOT NULL,
    state TEXT NOT NULL,
    since INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    last_error TEXT,
    next_probe_at INTEGER,
    listed INTEGER NOT NULL DEFAULT 0,
    probes INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS holders (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    release_due INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, name)
  );
`;

export class DestinationHealth extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  /** The stored row, created healthy on first use. */
  row(host) {
    const [row] = this.sql.exec('SELECT * FROM health WHERE id = 1').toArray();
    if (row) return row;
    this.sql.exec(
      "INSERT INTO health (id, host, state, since, failures) VALUES (1, ?, 'healthy', ?, 0)",
      host,
      Date.now(),
    );
    return this.sql.exec('SELECT * FROM health WHERE id = 1').one();
  }

  /** The destination as GET /v1/destinations answers it. */
  shape(row) {
    return {
      host: row.host,
      state: row.state,
      since: iso(row.since),
      failures: row.failures,
      lastError: row.last_error ?? null,
      nextProbeAt: row.state === 'unhealthy' ? iso(row.next_probe_at) : null,
    };
  }

  /** RPC: the destination, or null when nothing was ever reported for it. */
  async describe() {
    const [row] = this.sql.exec('SELECT * FROM health WHERE id = 1').toArray();
    return row ? this.shape(row) : null;
  }

  /**
   * RPC from a delivery object about to send to `host` (at most once per
   * CHECK_TTL_MS): answers { state, failures }. An unhealthy answer makes
   * `holder` ({ kind, name }) a holder: it is told when the host recovers.
   */
  async check(host, holder) {
    const row = this.row(host);
    if (row.state === 'unhealthy' && holder) await this.addHolder(holder);
    return { state: row.state, failures: row.failures };
  }

  /**
   * RPC: outcomes a delivery object saw for `host`, in order, folded:
   * `reset` (an answer that was not a retryable failure came), then
   * `failures` retryable failures after it, the last one `lastError`.
   * Answers { state, failures } after applying them.
   */
  async report(host, holder, { reset = false, failures = 0, lastError = null }) {
    const row = this.row(host);
    const now = Date.now();
    if (reset && row.state === 'unhealthy') {
      // The host answered an attempt that was in flight when it tripped.
      await this.recover(now);
    } else if (reset) {
      this.sql.exec('UPDATE health SET failures = 0 WHERE id = 1');
    }
    if (failures > 0) {
      this.sql.exec(
        'UPDATE health SET failures = failures + ?, last_error = ? WHERE id = 1',
        failures,
        lastError,
      );
      const cur = this.row(host);
      if (cur.state === 'healthy' && cur.failures >= FAILURE_THRESHOLD) {
        this.sql.exec(
          "UPDATE health SET state = 'unhealthy', since = ?, next_probe_at = ? WHERE id = 1",
          now,
          now + PROBE_INTERVAL_MS,
        );
        await this.ctx.storage.setAlarm(now + PROBE_INTERVAL_MS);
      }
      if (!cur.listed) {
        await workspaceStub(this.env).noteDestination(host);
        this.sql.exec('UPDATE health SET listed = 1 WHERE id = 1');
      }
    }
    const cur = this.row(host);
    if (cur.state === 'unhealthy' && holder) await this.addHolder(holder);
    return { state: cur.state, failures: cur.failures };
  }

  /** RPC: POST /v1/destinations/:host/resume: healthy now, holders released. */
  async resume(host) {
    this.row(host);
    await this.recover(Date.now());
    return this.shape(this.row(host));
  }

  async addHolder({ kind, name }) {
    this.sql.exec('INSERT OR IGNORE INTO holders (kind, name) VALUES (?, ?)', kind, name);
    // An unhealthy host always has a probe ahead (a restart keeps the alarm).
    if ((await this.ctx.storage.getAlarm()) === null) {
      const next = this.row('').next_probe_at ?? Date.now() + PROBE_INTERVAL_MS;
      await this.ctx.storage.setAlarm(next);
    }
  }

  /** Healthy again: the count starts over and every holder is told (now, and again by the alarm until it answers). */
  async recover(now) {
    const row = this.row('');
    if (row.state === 'unhealthy') {
      this.sql.exec(
        "UPDATE health SET state = 'healthy', since = ?, failures = 0, next_probe_at = NULL WHERE id = 1",
        now,
      );
    } else {
      this.sql.exec('UPDATE health SET failures = 0 WHERE id = 1');
    }
    this.sql.exec('UPDATE holders SET release_due = 1');
    await this.releaseHolders();
  }

  /** Tells every holder marked release_due that the host is healthy; a holder that answered is forgotten. */
  async releaseHolders() {
    const host = this.row('').host;
    const holders = this.sql.exec('SELECT kind, name FROM holders WHERE release_due = 1').toArray();
    let left = 0;
    await Promise.all(
      holders.map(async (h) => {
        try {
          await holderStub(this.env, h.kind, h.name).destinationHealthy(host);
          this.sql.exec(
            'DELETE FROM holders WHERE kind = ? AND name = ? AND release_due = 1',
            h.kind,
            h.name,
          );
        } catch (e) {
          left++;
          console.error('hookcast: could not release a holder of', host, h.kind, h.name, e);
        }
      }),
    );
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + RELEASE_RETRY_MS);
  }

  /**
   * The alarm: releases holders still owed a recovery; when unhealthy and
   * the probe is due, asks the holders in turn for one probe attempt (the
   * first that holds a message makes it) and acts on its outcome.
   */
  async alarm() {
    const row = this.row('');
    if (this.sql.exec('SELECT 1 FROM holders WHERE release_due = 1 LIMIT 1').toArray().length)
      await this.releaseHolders();
    if (row.state !== 'unhealthy') return;
    const now = Date.now();
    if (row.next_probe_at !== null && row.next_probe_at > now) {
      await this.ctx.storage.setAlarm(row.next_probe_at);
      return;
    }
    const outcome = await this.probe(row.host);
    const after = this.row('');
    if (after.state !== 'unhealthy') return; // resumed meanwhile
    this.sql.exec('UPDATE health SET probes = probes + 1 WHERE id = 1');
    if (outcome && outcome.outcome !== 'failure') {
      await this.recover(Date.now());
      return;
    }
    const next = Date.now() + PROBE_INTERVAL_MS;
    if (outcome)
      this.sql.exec(
        'UPDATE health SET failures = failures + 1, last_error = ? WHERE id = 1',
        outcome.lastError,
      );
    this.sql.exec('UPDATE health SET next_probe_at = ? WHERE id = 1', next);
    await this.ctx.storage.setAlarm(next);
  }

  /**
   * One probe: the first holder with a held message to the host attempts
   * it. Answers { outcome: 'success' | 'failure' | 'answered', lastError }
   * or null when no holder holds anything (those holders are forgotten).
   */
  async probe(host) {
    for (const h of this.sql.exec('SELECT kind, name FROM holders ORDER BY rowid').toArray()) {
      let answer;
      try {
        answer = await holderStub(this.env, h.kind, h.name).probeHeld(host);
      } catch (e) {
        console.error('hookcast: probe through a holder failed', host, h.kind, h.name, e);
        continue;
      }
      // A holder holding nothing now stays listed: it may hold again (a
      // replay, a new message) without asking, and is released with the rest.
      if (answer?.attempted) return answer;
    }
    return null;
  }
}
