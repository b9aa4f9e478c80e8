// CampaignDispatch: a SQLite-backed Durable Object that sends one bounded
// slice of one campaign's messages. Named `${campaignKey}/${slice}`: slice is
// a number chosen by a stable hash of the user id, as many slices as the
// audience asks (delivery/slices.js), so no one object sends everything;
// or `paced` when the campaign has a rateLimit (one object, one clock, so
// consecutive dispatches are 60/N s apart).
//
// A delivery is stored with the message context (the user's profile at
// fan-out, the triggering event) and `not before`; it is rendered when it is
// dispatched (its first attempt), with the campaign's CURRENT webhook, asked
// of the workspace and cached by version, so an edit while paused applies to
// every message not yet dispatched. From then on the rendered request is
// fixed: retries and replays send the same bytes with the same webhook-id.
// A render the engine refuses at dispatch time (the edit made it refuse this
// user) ends the delivery as suppressed `personalization`: it moves from
// `sent` to `suppressed.personalization` in deliveryCounts.
//
// Quiet hours (campaign.quietHours, the workspace's setting in the
// snapshot): a message whose dispatch instant is inside its user's quiet
// hours is not rendered; its `not before` moves to their end and `waiting`
// says why (GET /v1/campaigns/:key/waiting). It stays pending, in storage, with
// the alarm set for it, so a restart keeps it waiting and then sends it.
//
// Control (notifyCampaign, delivery/dispatch_control.js): paused holds every message
// not yet dispatched (attempts in flight finish, their retries go on);
// running continues; ended cancels every message not yet dispatched.
// Sends, retries, signing, the alarm backstop and batched result writes are
// the AttemptPump of delivery/attempts.js and DeliveryObject
// (delivery/delivery_object.js), shared with DeliveryBatch. A message ended
// without being sent (cancelled, refused at dispatch) leaves its user's
// ledger: see delivery/dispatch_unsent.js.

import { attemptOnce } from './attempts.js';
import { DeliveryObject } from './delivery_object.js';
import { DEFAULT_TIMEOUT_MS } from './deliver.js';
import { getEngine, engineOptions } from '../engine.js';
import { campaignMessageId } from './ids.js';
import { insertMany } from '../storage/sql_batch.js';
import { createUnsentTable, forwardUnsent, hasUnsent, noteUnsent } from './dispatch_unsent.js';
import { isoTime as iso } from '../http/iso_time.js';
import { PACED_SLICE } from '../constants.js';
import { sliceSettings } from './slices.js';
import { workspaceStub } from '../stubs.js';
import { hostOf } from '../destinations/gate.js';
import { PROBE_INTERVAL_MS } from '../destinations/destination_health.js';
import { isTimeZone, quietHoursEndMs } from '../../../src/js/timezone.js';

/** Messages not yet dispatched read from storage at once (see takeFresh). */
const FRESH_WINDOW = 256;
/**
 * Attempt results written together at most this often. Every commit closes
 * the object's output gate (its outgoing fetches wait until the write is
 * durable), so commits are kept rare: 10k-user runs at load 7-8 sent
 * 900-1,000/s at 100 ms, 1,800-1,860/s at 400 ms and 1,840/s at 1 s.
 * The price: a crash re-sends up to this much of a slice's attempts (same
 * webhook-id; delivery is at-least-once), and stats lag by as much.
 */
const FLUSH_MS = 500;
/** Rows rendered ahead of their dispatch in one engine call (renderFresh). */
const RENDER_AHEAD = 63;
/** Results per UPDATE statement in write(): 9 bound values each, under the 100 a statement takes. */
const UPDATE_ROWS = 11;

// Column meanings: `request` is null until the first attempt renders it
// (`dispatched` = request is not null, in the index, so picking the next
// retry never scans the messages still waiting for their first attempt);
// `attempts` counts the current run's attempts, `run` the replays by POST
// /v1/deliveries/:id/retry; `next_at` is "not before" until dispatch, then
// the next retry's time.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS deliveries (
    idx INTEGER PRIMARY KEY,
    dedupe TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    context TEXT NOT NULL,
    request TEXT,
    dispatched INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    total_attempts INTEGER NOT NULL DEFAULT 0,
    run INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS attempts (
    idx INTEGER NOT NULL,
    run INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (idx, run, attempt)
  );
  CREATE TABLE IF NOT EXISTS earlier_requests (
    idx INTEGER NOT NULL,
    run INTEGER NOT NULL,
    request TEXT NOT NULL,
    PRIMARY KEY (idx, run)
  );
`;

export class CampaignDispatch extends DeliveryObject {
  constructor(ctx, env) {
    super(ctx, env, {
      schema: SCHEMA,
      pump: { flushMs: FLUSH_MS, concurrency: sliceSettings(env).concurrency },
    });
    // `waiting`: why a pending message not yet dispatched waits ('quiet_hours'); added later.
    if (
      !this.sql
        .exec("SELECT 1 FROM pragma_table_info('deliveries') WHERE name = 'waiting'")
        .toArray().length
    ) {
      this.sql.exec('ALTER TABLE deliveries ADD COLUMN waiting TEXT');
    }
    // `sent_at`: the message's send start time (the schedule's run, the
    // event's time, the API call's), the time exposures are ordered by;
    // added after v1 (rows stored before take their created_at).
    if (
      !this.sql
        .exec("SELECT 1 FROM pragma_table_info('deliveries') WHERE name = 'sent_at'")
        .toArray().length
    ) {
      this.sql.exec('ALTER TABLE deliveries ADD COLUMN sent_at INTEGER');
      this.sql.exec('UPDATE deliveries SET sent_at = created_at');
    }
    this.sql.exec('CREATE INDEX IF NOT EXISTS deliveries_sent ON deliveries (sent_at, idx)');
    // Pending rows only: a message that ends leaves the index rather than
    // moving in it (one index write less per result). Objects made before
    // had the full index: it is rebuilt once.
    const due = this.sql
      .exec("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'deliveries_due'")
      .toArray()[0];
    if (due && !/WHERE/i.test(due.sql)) this.sql.exec('DROP INDEX deliveries_due');
    this.sql.exec(
      "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (dispatched, next_at) WHERE state = 'pending'",
    );
    // `first_attempt`: the record of run 0's attempt 1, kept in the row (one
    // write with the row's new state instead of an insert into `attempts`,
    // which holds every other attempt); added later.
    if (
      !this.sql
        .exec("SELECT 1 FROM pragma_table_info('deliveries') WHERE name = 'first_attempt'")
        .toArray().length
    ) {
      this.sql.exec('ALTER TABLE deliveries ADD COLUMN first_attempt TEXT');
    }
    // What the campaign's status allows (dispatch, hold, cancel) is the
    // engine's word (capabilities()): it is loaded before the first event.
    this.engine = null;
    this.statuses = null;
    this.initialStatus = null;
    ctx.blockConcurrencyWhile(async () => {
      this.engine = await getEngine();
      const vocabulary = this.engine.vocabulary();
      this.statuses = new Set(vocabulary.campaignStatuses);
      this.initialStatus = vocabulary.initialStatus;
    });
    this.resetFresh();
    // Rows pending a retry or a replay (state pending, dispatched): kept in
    // memory so the pump asks storage for due retries only when there are
    // any (one query per loop turn was a large part of the cost per send).
    this.pendingRetries = this.sql
      .exec("SELECT count(*) AS n FROM deliveries WHERE state = 'pending' AND dispatched = 1")
      .one().n;
    this.loadingWebhook = null; // the refresh in flight (webhook())
    this.snapshot = null; // the campaign snapshot the compiled webhook was made from
    this.compiled = null;
    createUnsentTable(this.sql);
    // Leftovers of a crash between ending messages and handing them back.
    if (hasUnsent(this.sql)) this.handBackUnsent();
  }

  // ---- RPC: from user shards ------------------------------------------------

  /**
   * Stores messages for this slice: items [{ dedupe, userId, context,
   * notBefore, at }] (at: the send start time) (dedupe = `${triggerId}/${userId}`: a message handed over
   * twice after a crash is stored once), or the same list as JSON text in
   * `itemsJson` (what shards send: their outbox rows are that JSON already,
   * so nothing is parsed and re-serialized per message on the way).
   * `status`/`version` are the campaign's as the shard saw them. Answers
   * { ok, stored } once durable.
   */
  async enqueue({ key, slice, status, version, items, itemsJson }) {
    if (this.meta('campaign') === null) {
      // Tell the workspace this slice exists BEFORE asking for the current
      // status: a transition stored after noteSlice pokes this slice, one
      // stored before it is in the snapshot we fetch next.
      await workspaceStub(this.env).noteSlice(key, slice);
      this.ctx.storage.transactionSync(() => {
        this.setMeta('campaign', key);
        this.setMeta('slice', String(slice));
      });
      const snap = await this.refreshSnapshot(true);
      // The breaker's first word on the host before the first pick, not
      // inside it (where it delayed the first paced send).
      await this.checkWebhookHost(snap);
    }
    const now = Date.now();
    let stored = 0;
    this.ctx.storage.transactionSync(() => {
      this.noteStatus(status, version);
      // One statement for the whole hand-off (json_each over the list),
      // not one per 15 rows: the statements were most of a hand-off's cost.
      stored = this.sql.exec(
        `INSERT OR IGNORE INTO deliveries (dedupe, user_id, context, state, next_at, created_at, sent_at)
         SELECT value->>'dedupe', value->>'userId',
                CASE json_type(value, '$.context') WHEN 'object' THEN value->'context' ELSE '{}' END,
                'pending', max(0, coalesce(value->>'notBefore', ?1)), ?1, coalesce(value->>'at', ?1)
         FROM json_each(?2) ORDER BY key`,
        now,
        itemsJson ?? JSON.stringify(items ?? []),
      ).rowsWritten;
    });
    // New rows come after the window: only a drained window must look again.
    this.freshDrained = false;
    await this.kick();
    return { ok: true, stored };
  }

  // ---- RPC: control, counts, reads ----------------------------------------------

  /**
   * The campaign changed (notifyCampaign): `status` running | paused | ended
   * (ready is treated as paused), `version` its stored version. Older news
   * than we already have is ignored.
   */
  async control({ status, version }) {
    if (this.meta('campaign') === null) return { ok: true, known: false };
    let cancelled = 0;
    this.ctx.storage.transactionSync(() => {
      if (!this.noteStatus(status, version)) return;
      if (this.capabilities().cancelsPending) cancelled = this.cancelUndispatched();
    });
    this.resetFresh();
    // Cancelled messages leave their users' ledgers before `end` answers.
    if (cancelled > 0) await this.handBackUnsent();
    await this.kick();
    return { ok: true, known: true, cancelled };
  }

  /**
   * { sent, delivered, failed, pending, retried, cancelled, suppressed: { personalization },
   *   waiting: { destination, quietHours } }: the pending messages held because the slice's
   * destination is unhealthy, and those waiting for their user's quiet hours to end.
   */
  async deliveryCounts() {
    const out = {
      sent: 0,
      delivered: 0,
      failed: 0,
      pending: 0,
      retried: 0,
      cancelled: 0,
      suppressed: { personalization: 0 },
      waiting: { destination: 0, quietHours: 0 },
    };
    for (const row of this.sql.exec(
      'SELECT state, count(*) AS n, sum(total_attempts > 1) AS retried FROM deliveries GROUP BY state',
    )) {
      if (row.state === 'suppressed') out.suppressed.personalization += row.n;
      else if (row.state in out) out[row.state] += row.n;
      out.retried += row.retried ?? 0;
    }
    out.sent = out.delivered + out.failed + out.pending;
    if (this.gate.isHeld(this.meta('host'))) out.waiting.destination = out.pending;
    else
      out.waiting.quietHours = this.sql
        .exec(
          "SELECT count(*) AS n FROM deliveries WHERE state = 'pending' AND dispatched = 0 AND waiting = 'quiet_hours'",
        )
        .one().n;
    return out;
  }

  /** Deliveries after index `after`, in index order, optionally of one state; at most `limit`. */
  async list({ state = null, after = -1, limit = 100 } = {}) {
    const rows = state
      ? this.sql
          .exec(
            "SELECT * FROM deliveries WHERE idx > ? AND (state = ? OR (? = 'cancelled' AND state = 'suppressed')) ORDER BY idx LIMIT ?",
            after,
            state,
            state,
            limit,
          )
          .toArray()
      : this.sql
          .exec('SELECT * FROM deliveries WHERE idx > ? ORDER BY idx LIMIT ?', after, limit)
          .toArray();
    return rows.map((row) => this.shape(row));
  }

  /**
   * A failed delivery again, same webhook-id, a new attempt history (the
   * earlier runs stay readable). `render` "stored": its exact stored request,
   * at once (not held by a pause or pacing: it was dispatched already).
   * "current": its stored context rendered again with the campaign's
   * webhook as it is when it goes out, as a message not yet dispatched
   * (held while paused, paced). Answers { ok, delivery } or
   * { ok: false, code: 'not_found' | 'not_failed' | 'campaign_ended', status }.
   */
  async retry(idx, { render = 'stored' } = {}) {
    const rows = this.sql
      .exec('SELECT state, dispatched FROM deliveries WHERE idx = ?', idx)
      .toArray();
    if (rows.length === 0) return { ok: false, code: 'not_found' };
    if (rows[0].state !== 'failed')
      return { ok: false, code: 'not_failed', status: this.publicState(rows[0].state) };
    if (!this.capabilities().retriesDeliveries)
      return { ok: false, code: 'campaign_ended', status: 'failed' };
    const now = Date.now();
    if (render === 'current') {
      this.ctx.storage.transactionSync(() => this.renderAgain('idx = ?', now, idx));
    } else {
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
          'INSERT OR REPLACE INTO earlier_requests (idx, run, request) SELECT idx, run, request FROM deliveries WHERE idx = ? AND request IS NOT NULL',
          idx,
        );
        this.sql.exec(
          "UPDATE deliveries SET state = 'pending', reason = NULL, attempts = 0, run = run + 1, next_at = ?, finished_at = NULL WHERE idx = ?",
          now,
          idx,
        );
      });
      if (rows[0].dispatched) this.pendingRetries++;
    }
    this.resetFresh();
    await this.kick();
    return { ok: true, delivery: await this.get(idx) };
  }

  /**
   * Every failed delivery of this slice rendered again with the current
   * webhook (retry "current" for each). Answers { ok, resent }.
   */
  async resendFailed() {
    if (this.capabilities().final) return { ok: true, resent: 0 };
    let resent = 0;
    this.ctx.storage.transactionSync(() => {
      resent = this.renderAgain("state = 'failed'", Date.now());
    });
    if (resent > 0) {
      this.resetFresh();
      await this.kick();
    }
    return { ok: true, resent };
  }

  /**
   * Turns failed rows (`where`, with its arguments after `now`) into
   * messages not yet dispatched, of a new run: the request they sent is
   * kept as the earlier run's, the next attempt renders their context
   * again. Inside the caller's transaction; answers how many.
   */
  renderAgain(where, now, ...args) {
    this.sql.exec(
      `INSERT OR REPLACE INTO earlier_requests (idx, run, request)
       SELECT idx, run, request FROM deliveries WHERE state = 'failed' AND request IS NOT NULL AND ${where}`,
      ...args,
    );
    // Counted, not read from rowsWritten: that counts index rows too.
    const { n } = this.sql
      .exec(`SELECT count(*) AS n FROM deliveries WHERE state = 'failed' AND ${where}`, ...args)
      .one();
    this.sql.exec(
      `UPDATE deliveries SET state = 'pending', reason = NULL, attempts = 0, run = run + 1, next_at = ?,
         finished_at = NULL, request = NULL, dispatched = 0
       WHERE state = 'failed' AND ${where}`,
      now,
      ...args,
    );
    return n;
  }

  /**
   * Sent messages (pending, delivered, failed) after position `after`
   * ({ at, idx }: send start time, then row; null from the start), in that
   * order, at most `limit`: [{ userId, at (ms), idx, deliveryId, status }].
   */
  async exposures({ after = null, limit = 100 } = {}) {
    const at = after?.at ?? Number.MIN_SAFE_INTEGER;
    const idx = after?.idx ?? -1;
    const rows = this.sql
      .exec(
        `SELECT idx, user_id, sent_at, state FROM deliveries
         WHERE (sent_at > ?1 OR (sent_at = ?1 AND idx > ?2)) AND state IN ('pending', 'delivered', 'failed')
         ORDER BY sent_at, idx LIMIT ?3`,
        at,
        idx,
        limit,
      )
      .toArray();
    const key = this.meta('campaign');
    const slice = this.meta('slice');
    return rows.map((r) => ({
      userId: r.user_id,
      at: r.sent_at,
      idx: r.idx,
      deliveryId: campaignMessageId(key, slice, r.idx),
      status: r.state,
    }));
  }

  async alarm() {
    await this.handBackUnsent();
    await this.pump.poke();
    if (!this.pump.pumping) this.release();
  }

  // ---- the scheduler (AttemptPump) ------------------------------------------------

  /** Milliseconds between two dispatches of this slice, or 0 when not paced. */
  paceMs() {
    const perMinute = Number(this.meta('perMinute') ?? 0);
    return perMinute > 0 ? 60_000 / perMinute : 0;
  }

  /**
   * Due rows not in flight: retries and replays (already dispatched) always;
   * messages not yet dispatched only while the campaign runs, and when paced
   * one at a time, each at least paceMs after the previous one.
   */
  dueRows(now, limit, inflight) {
    if (limit <= 0 || this.gate.isHeld(this.meta('host'))) return [];
    const out =
      this.pendingRetries === 0
        ? []
        : this.sql
            .exec(
              "SELECT idx, user_id, context, request, attempts, run FROM deliveries WHERE state = 'pending' AND dispatched = 1 AND next_at <= ? ORDER BY next_at, idx LIMIT ?",
              now,
              limit + inflight.size,
            )
            .toArray()
            .filter((r) => !inflight.has(r.idx))
            .slice(0, limit);
    if (out.length >= limit || !this.capabilities().dispatches) return out;
    const pace = this.paceMs();
    if (pace > 0 && now < this.paceAt()) return out;
    const fresh = this.takeFresh(now, pace > 0 ? 1 : limit - out.length, inflight);
    if (pace > 0 && fresh.length > 0) {
      // The next dispatch of this slice; stored with the next result write.
      this.nextPaceAt = Math.max(now, this.paceAt()) + pace;
    }
    return out.concat(fresh);
  }

  /**
   * Up to `n` messages not yet dispatched and due by `now`, from an
   * in-memory window read FRESH_WINDOW rows at a time (one query per window
   * rather than per message: with 32 in flight, a query per pick re-read
   * the 32 each time). The window is dropped on any control change.
   * NOT INDEXED: walked in row order from the window's end, it reads about
   * the rows it returns; through deliveries_due SQLite sorted every due
   * row of the slice by idx for each window (quadratic in the slice).
   */
  takeFresh(now, n, inflight) {
    const out = [];
    while (out.length < n) {
      if (this.freshQueue.length === 0) {
        if (this.freshDrained) break;
        const rows = this.sql
          .exec(
            "SELECT idx, user_id, context, request, attempts, run, next_at FROM deliveries NOT INDEXED WHERE state = 'pending' AND dispatched = 0 AND next_at <= ? AND idx > ? ORDER BY idx LIMIT ?",
            now,
            this.freshAfter,
            FRESH_WINDOW,
          )
          .toArray();
        if (rows.length === 0) {
          this.freshDrained = true;
          break;
        }
        this.freshAfter = rows[rows.length - 1].idx;
        this.freshQueue = rows.filter((r) => !inflight.has(r.idx));
        continue;
      }
      out.push(this.freshQueue.shift());
    }
    return out;
  }

  /** Forgets the window of undispatched messages: the next pick reads storage again from the start. */
  resetFresh() {
    this.freshQueue = [];
    this.freshAfter = -1;
    this.freshDrained = false;
  }

  /** When the next row not in flight is due (pacing and pause included), or null (also while the destination is held: the breaker wakes us). */
  nextDueAt(inflight) {
    if (this.gate.isHeld(this.meta('host'))) return null;
    const first = (sql, ...args) => {
      const rows = this.sql.exec(sql, ...args, inflight.size + 1).toArray();
      return rows.find((r) => !inflight.has(r.idx))?.next_at ?? null;
    };
    let next =
      this.pendingRetries === 0
        ? null
        : first(
            "SELECT idx, next_at FROM deliveries WHERE state = 'pending' AND dispatched = 1 ORDER BY next_at LIMIT ?",
          );
    if (this.capabilities().dispatches) {
      let fresh;
      if (this.freshQueue.length > 0) fresh = this.freshQueue[0].next_at;
      else if (this.freshDrained) {
        // Everything due was taken; the earliest later one (a delay) re-opens the window when due.
        fresh = first(
          "SELECT idx, next_at FROM deliveries WHERE state = 'pending' AND dispatched = 0 AND idx > ? ORDER BY next_at LIMIT ?",
          this.freshAfter,
        );
        const earlier = first(
          "SELECT idx, next_at FROM deliveries WHERE state = 'pending' AND dispatched = 0 AND idx <= ? ORDER BY next_at LIMIT ?",
          this.freshAfter,
        );
        if (earlier !== null && (fresh === null || earlier < fresh)) fresh = earlier;
        if (fresh !== null && fresh <= Date.now()) this.resetFresh();
      } else fresh = Date.now();
      if (fresh !== null && fresh !== undefined) {
        const at = Math.max(fresh, this.paceMs() > 0 ? this.paceAt() : 0);
        next = next === null ? at : Math.min(next, at);
      }
    }
    return next;
  }

  /**
   * One attempt of a row (rendered now when it was not dispatched yet).
   * Never rejects. Answers `held` instead when the row's destination is
   * held by the breaker; `probe`: the breaker's probe, made while held and
   * reported by the probe itself.
   */
  async run(row, { probe = false } = {}) {
    const attempt = row.attempts + 1;
    const base = { idx: row.idx, run: row.run, attempt, wasDispatched: row.request !== null };
    try {
      let request;
      let rendered = null;
      let webhook = null;
      if (row.request === null) {
        // The cached webhook without an await when it is current (most sends).
        webhook = this.currentWebhook() ?? (await this.webhook());
        if (!webhook)
          return {
            ...base,
            state: 'cancelled',
            reason: 'campaign_not_found',
            attempts: 0,
            at: Date.now(),
          };
        const quietUntil = this.quietUntil(row);
        if (quietUntil !== null) return { ...base, quietUntil };
        const out = this.renderFresh(webhook, row);
        // A message sent before (a resend) stays sent, failed; a first render refused was never sent.
        if (!out.ok)
          return {
            ...base,
            state: row.run > 0 ? 'failed' : 'suppressed',
            reason: 'personalization',
            attempts: 0,
            at: Date.now(),
          };
        request = out.request;
        rendered = JSON.stringify(request);
      } else {
        request = JSON.parse(row.request);
      }
      // One webhook per campaign, and the engine keeps placeholders out of a
      // URL's host: the slice's destination is its latest render's host.
      const host =
        rendered !== null ? this.renderedHost(webhook, request.url) : hostOf(request.url);
      if (host !== null && this.meta('host') !== host) this.setMeta('host', host);
      if (!probe) {
        // Never waits: a paced slice's sends must not bunch up behind an RPC.
        await this.gate.ready(host, { wait: false });
        if (this.gate.isHeld(host)) return { ...base, held: true };
      }
      const snapshot = this.snapshot;
      const result = await attemptOnce({
        env: this.env,
        request,
        msgId: campaignMessageId(this.meta('campaign'), this.meta('slice'), row.idx),
        attempt,
        signingKey: snapshot?.signingSecret ? await this.signingKey(snapshot.signingSecret) : null,
        timeoutMs: snapshot?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        // Compile applied the destination rule to this render; retries and
        // replays are checked again.
        checked: rendered !== null,
        pool: this.connections,
      });
      if (!probe) await this.gate.after(host, result);
      return { ...base, rendered, ...result };
    } catch (e) {
      console.error('hookcast: campaign attempt failed internally', row.idx, e);
      return {
        ...base,
        state: 'failed',
        reason: 'internal_error',
        attempts: row.attempts,
        at: Date.now(),
      };
    }
  }

  /**
   * Renders `row` (not yet dispatched) with `webhook`, together with up to
   * RENDER_AHEAD rows next in the window: one engine call on the stored
   * context texts as they are (renderBatchJson) instead of a JSON.parse and
   * an engine call per message. A row rendered ahead keeps its result only
   * for the same compiled webhook: a campaign change compiles a new one
   * (and drops the window), so it is rendered again.
   */
  renderFresh(webhook, row) {
    if (row.renderedBy === webhook) return row.rendered;
    if (typeof webhook.renderBatchJson !== 'function')
      return webhook.render(JSON.parse(row.context));
    const rows = [row];
    for (const r of this.freshQueue) {
      if (rows.length > RENDER_AHEAD) break;
      if (r.renderedBy !== webhook) rows.push(r);
    }
    const results = webhook.renderBatchJson(`[${rows.map((r) => r.context).join(',')}]`);
    if (!Array.isArray(results) || results.length !== rows.length)
      return webhook.render(JSON.parse(row.context));
    rows.forEach((r, i) => {
      r.rendered = results[i];
      r.renderedBy = webhook;
    });
    return row.rendered;
  }

  /**
   * Stores attempt results (inside the pump's transaction): the attempt
   * records as multi-row INSERTs and the deliveries' new state as one UPDATE
   * per UPDATE_ROWS results (a VALUES list joined on idx), instead of one
   * UPDATE per result. `request` is set once, by the first attempt.
   */
  write(results) {
    for (const r of results) {
      // In its user's quiet hours: not dispatched; due again when they end.
      if (r.quietUntil !== undefined)
        this.sql.exec(
          "UPDATE deliveries SET next_at = ?, waiting = 'quiet_hours' WHERE idx = ?",
          r.quietUntil,
          r.idx,
        );
    }
    results = results.filter((r) => r.quietUntil === undefined);
    const held = results.filter((r) => r.held);
    if (held.length > 0) {
      // Not attempted: a dispatched row keeps its attempts and waits for the
      // breaker (released() makes it due again); a fresh one stays fresh.
      for (const r of held)
        if (r.wasDispatched)
          this.sql.exec(
            'UPDATE deliveries SET next_at = max(next_at, ?) WHERE idx = ?',
            Date.now() + PROBE_INTERVAL_MS,
            r.idx,
          );
      results = results.filter((r) => !r.held);
    }
    const first = (r) => r.run === 0 && r.attempt === 1;
    insertMany(
      this.sql,
      'INSERT OR REPLACE',
      'attempts',
      ['idx', 'run', 'attempt', 'record'],
      results
        .filter((r) => r.record && !first(r))
        .map((r) => [r.idx, r.run, r.attempt, JSON.stringify(r.record)]),
    );
    const updates = [];
    for (const r of results) {
      this.pendingRetries += (r.state === 'pending' ? 1 : 0) - (r.wasDispatched ? 1 : 0);
      const pending = r.state === 'pending';
      // Ended before its first attempt (render refused at dispatch): never
      // sent, so its ledger row goes back (see delivery/dispatch_unsent.js).
      if (
        !pending &&
        !r.wasDispatched &&
        !r.rendered &&
        r.state !== 'delivered' &&
        r.state !== 'failed'
      ) {
        noteUnsent(this.sql, 'idx = ?', r.idx);
        this.unsentNoted = true;
      }
      updates.push([
        r.idx,
        r.state,
        r.reason ?? null,
        r.attempts,
        r.record ? 1 : 0,
        pending ? r.nextAt : null,
        pending ? null : r.at,
        r.rendered ?? null,
        r.record && first(r) ? JSON.stringify(r.record) : null,
      ]);
    }
    for (let i = 0; i < updates.length; i += UPDATE_ROWS) {
      const part = updates.slice(i, i + UPDATE_ROWS);
      // A pending result keeps state pending and sets the next retry's time;
      // a final one sets finished_at. Either marks a rendered row dispatched.
      this.sql.exec(
        `WITH v (idx, state, reason, attempts, added, next_at, finished_at, request, first_attempt) AS (VALUES ${part.map(() => '(?,?,?,?,?,?,?,?,?)').join(',')})
         UPDATE deliveries SET state = v.state, reason = v.reason, attempts = v.attempts,
           total_attempts = total_attempts + v.added, next_at = coalesce(v.next_at, deliveries.next_at),
           finished_at = v.finished_at, request = coalesce(v.request, deliveries.request), waiting = NULL,
           first_attempt = coalesce(v.first_attempt, deliveries.first_attempt),
           dispatched = (deliveries.dispatched OR v.state = 'pending' OR v.request IS NOT NULL)
         FROM v WHERE deliveries.idx = v.idx`,
        ...part.flat(),
      );
    }
    if (this.nextPaceAt !== undefined) {
      this.setMeta('paceAt', String(this.nextPaceAt));
      this.nextPaceAt = undefined;
    }
    if (this.unsentNoted) {
      // After this transaction commits; the alarm is the backstop.
      this.unsentNoted = false;
      setTimeout(() => this.handBackUnsent(), 0);
    }
  }

  /**
   * When `row` (not yet dispatched) would go inside its user's quiet hours
   * now: the instant they end; else null (the campaign did not opt in, the
   * workspace has none). The zone: the setting's, or with "user" the user's
   * `timezone` property when it names a zone, else the fallback.
   */
  quietUntil(row) {
    const quiet = this.snapshot?.quietHours;
    if (!quiet?.start) return null;
    let zone = quiet.timeZone;
    if (zone === 'user') {
      const own = JSON.parse(row.context)?.user?.properties?.timezone;
      zone = isTimeZone(own) ? own : quiet.fallbackTimeZone;
    }
    return quietHoursEndMs(Date.now(), quiet, zone);
  }

  // ---- the breaker's side (DeliveryObject.probeHeld, destinationHealthy) -------------

  /** { kind, name } the breaker reaches this object by. */
  holderId() {
    return { kind: 'dispatch', name: `${this.meta('campaign')}/${this.meta('slice')}` };
  }

  /**
   * Pending rows a probe may attempt, the most retry budget left first: a
   * probe is a real attempt, so (while running) a message not yet
   * dispatched, else the retry with the fewest attempts.
   */
  probeCandidates() {
    const cols = 'idx, user_id, context, request, attempts, run, next_at';
    const rows = this.capabilities().dispatches
      ? this.sql
          .exec(
            `SELECT ${cols} FROM deliveries WHERE state = 'pending' AND dispatched = 0 ORDER BY idx LIMIT 4`,
          )
          .toArray()
      : [];
    rows.push(
      ...this.sql
        .exec(
          `SELECT ${cols} FROM deliveries WHERE state = 'pending' AND dispatched = 1 ORDER BY attempts, next_at, idx LIMIT 4`,
        )
        .toArray(),
    );
    return rows;
  }

  /** The destination is healthy again: what was held is due now and goes out (paced like the campaign). */
  released() {
    this.sql.exec(
      "UPDATE deliveries SET next_at = ? WHERE state = 'pending' AND dispatched = 1 AND next_at > ?",
      Date.now(),
      Date.now(),
    );
    this.resetFresh();
    this.kick().catch((e) => console.error('hookcast: dispatch pump stopped', e));
  }

  // ---- helpers --------------------------------------------------------------------

  /** Runs the pump now (or wakes it): a new message, a resume, a replay. */
  async kick() {
    if (this.pump.pumping) {
      this.pump.wakeUp();
      return;
    }
    // The persisted alarm is the backstop (a crash before the pump runs
    // loses nothing); the pump itself starts now, without waiting for the
    // alarm to be delivered.
    await this.armAlarm(Date.now() + 1_000);
    this.pump.poke().catch((e) => console.error('hookcast: dispatch pump stopped', e));
  }

  /**
   * The host of a URL `webhook` rendered: the same for every render of one
   * compiled webhook (placeholders never reach a URL's host), so parsed once.
   */
  renderedHost(webhook, url) {
    if (this.hostOfRender?.webhook !== webhook) this.hostOfRender = { webhook, host: hostOf(url) };
    return this.hostOfRender.host;
  }

  /** When the next paced dispatch may go (ms). */
  paceAt() {
    return this.nextPaceAt ?? Number(this.meta('paceAt') ?? 0);
  }

  /**
   * What the campaign's status, as last heard, allows: the engine's
   * campaignCapabilities. A status not yet heard counts as the engine's
   * initialStatus (ready, which holds every message, as paused does).
   */
  capabilities() {
    const s = this.meta('status');
    return this.engine.campaignCapabilities(this.statuses.has(s) ? s : this.initialStatus);
  }

  /** Records news of the campaign if it is newer than what we know; true when taken. */
  noteStatus(status, version) {
    if (typeof status !== 'string' || !Number.isFinite(version)) return false;
    const known = Number(this.meta('version') ?? -1);
    if (version < known) return false;
    if (this.capabilities().final) return false; // ended is final
    // Unchanged news writes nothing (a write is a commit and an output gate).
    if (this.meta('status') !== status) this.setMeta('status', status);
    if (version !== known) this.setMeta('version', String(version));
    return true;
  }

  /** Ends every message not yet dispatched (not in flight): state cancelled, handed back to the ledgers. */
  cancelUndispatched() {
    // The rows in flight (attempts under way, and results not yet written:
    // thousands at a fast send) as one JSON list, not one bound value each
    // (a statement takes at most 100).
    const inflight = JSON.stringify([...this.pump.inflight]);
    const where =
      "state = 'pending' AND dispatched = 0 AND idx NOT IN (SELECT value FROM json_each(?))";
    noteUnsent(this.sql, where, inflight);
    const r = this.sql.exec(
      `UPDATE deliveries SET state = 'cancelled', reason = 'campaign_ended', finished_at = ? WHERE ${where}`,
      Date.now(),
      inflight,
    );
    return r.rowsWritten;
  }

  /** Hands the messages ended unsent back to their users' shards (delivery/dispatch_unsent.js). Never rejects. */
  handBackUnsent() {
    return forwardUnsent(this.sql, this.env, this.meta('campaign'));
  }

  /**
   * The campaign snapshot from the workspace when ours is older than the
   * version last heard (or `force`); recompiles the webhook on a change.
   */
  async refreshSnapshot(force = false) {
    const known = Number(this.meta('version') ?? -1);
    if (!force && this.snapshot && this.snapshot.version >= known) return this.snapshot;
    const key = this.meta('campaign');
    const snap = await workspaceStub(this.env).getSnapshot(key);
    if (!snap) {
      this.snapshot = null;
      return null;
    }
    this.ctx.storage.transactionSync(() => {
      this.noteStatus(snap.status, snap.version);
      const perMinute = String(snap.rateLimit?.perMinute ?? 0);
      // Pacing belongs to the paced slice only (the shard chose the slice).
      if (this.meta('slice') === PACED_SLICE && this.meta('perMinute') !== perMinute)
        this.setMeta('perMinute', perMinute);
    });
    if (!this.snapshot || this.snapshot.version !== snap.version) {
      this.compiled?.dispose?.();
      this.compiled = null;
    }
    this.snapshot = snap;
    return snap;
  }

  /**
   * Asks the breaker about the webhook's host (placeholders never reach a
   * URL's host) before any attempt needs the answer. Never rejects.
   */
  checkWebhookHost(snap, { wait = true } = {}) {
    return this.gate.ready(
      typeof snap?.webhook?.url === 'string' ? hostOf(snap.webhook.url) : null,
      { wait },
    );
  }

  /** The compiled webhook when the cached snapshot is the latest version heard of, else null. */
  currentWebhook() {
    if (!this.compiled || !this.snapshot) return null;
    return this.snapshot.version >= Number(this.meta('version') ?? -1) ? this.compiled : null;
  }

  /**
   * The current webhook compiled (cached by campaign version), or null when
   * the campaign is gone. Concurrent callers share one refresh: the first
   * 32 attempts of a slice used to ask the workspace 32 times (and write
   * the same meta rows 32 times) at the start of every send.
   */
  async webhook() {
    let webhook = null;
    // A refresh that started before newer news of the campaign may answer
    // the older snapshot: then one more, started after the news.
    for (let i = 0; i < 2; i++) {
      if (!this.loadingWebhook)
        this.loadingWebhook = this.loadWebhook().finally(() => (this.loadingWebhook = null));
      webhook = await this.loadingWebhook;
      if (webhook === null || this.currentWebhook() === webhook) break;
    }
    return webhook;
  }

  async loadWebhook() {
    const snap = await this.refreshSnapshot();
    if (!snap) return null;
    // After a restart: ask, without making this first attempt wait.
    this.checkWebhookHost(snap, { wait: false });
    if (!this.compiled) {
      const engine = await getEngine();
      const c = engine.compile(snap.webhook, engineOptions(this.env));
      // A webhook that does not compile any more refuses every user's render.
      this.compiled = c.ok ? c.webhook : { render: () => ({ ok: false, problems: c.problems }) };
    }
    return this.compiled;
  }

  /** Drops what an idle object holds beyond its storage (compiled webhook, snapshot, caches). */
  release() {
    this.compiled?.dispose?.();
    this.compiled = null;
    this.snapshot = null;
    this.signing = null;
    this.connections.closeAll();
  }

  /** The delivery status the API shows: a render refused at dispatch is `cancelled` (reason personalization). */
  publicState(state) {
    return state === 'suppressed' ? 'cancelled' : state;
  }

  shape(row) {
    const runs = new Map();
    for (const a of this.sql.exec(
      'SELECT run, record FROM attempts WHERE idx = ? ORDER BY run, attempt',
      row.idx,
    )) {
      if (!runs.has(a.run)) runs.set(a.run, []);
      // Stored as the sender's record (epoch ms); answered in ISO 8601 as every campaign time is.
      const record = JSON.parse(a.record);
      runs.get(a.run).push({ ...record, startedAt: iso(record.startedAt) });
    }
    if (row.first_attempt) {
      const record = JSON.parse(row.first_attempt);
      const run0 = runs.get(0) ?? [];
      if (!run0.some((a) => a.attempt === 1))
        runs.set(0, [{ ...record, startedAt: iso(record.startedAt) }, ...run0]);
    }
    const requests = new Map();
    if (row.run > 0)
      for (const e of this.sql.exec(
        'SELECT run, request FROM earlier_requests WHERE idx = ?',
        row.idx,
      ))
        requests.set(e.run, JSON.parse(e.request));
    const earlier = [];
    // Each run's request (kept when the next run began; runs stored before that was kept: the current one).
    for (let r = 0; r < row.run; r++)
      earlier.push({
        request: requests.get(r) ?? (row.request === null ? null : JSON.parse(row.request)),
        attempts: runs.get(r) ?? [],
      });
    return {
      id: campaignMessageId(this.meta('campaign'), this.meta('slice'), row.idx),
      campaign: this.meta('campaign'),
      userId: row.user_id,
      status: this.publicState(row.state),
      reason: row.reason,
      createdAt: iso(row.created_at),
      finishedAt: iso(row.finished_at),
      notBefore: row.request === null ? iso(row.next_at) : null,
      // Why a pending message is not going out: 'quiet_hours' (until notBefore) or 'destination' (held by the breaker).
      waitingFor:
        row.state !== 'pending'
          ? null
          : this.gate.isHeld(this.meta('host'))
            ? 'destination'
            : row.request === null
              ? (row.waiting ?? null)
              : null,
      nextAttemptAt: row.state === 'pending' && row.request !== null ? iso(row.next_at) : null,
      request: row.request === null ? null : JSON.parse(row.request),
      attempts: runs.get(row.run) ?? [],
      earlierRuns: earlier,
    };
  }
}
