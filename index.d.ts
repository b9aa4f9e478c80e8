// Types of the npm package "hookcast" (every runtime entry: node, browser,
// workerd). Hand-written from the engine's public contract (docs/design.md
// and the core's headers); tests/js/package_shapes.test.mjs holds every answer the
// engine gives to these declarations. Only the ES library is assumed: no DOM
// lib, no @types/node (the few platform types are declared here).

/** One row of a spec's params or headers table. Values may hold placeholders. */
export type KeyValue = { key: string; value: string };

/** HTTP methods a webhook may use. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A compiled WebAssembly module: `WebAssembly.Module` where the project's
 * libraries declare it (the DOM lib, workers types), else any object (a
 * Node-only project has no WebAssembly types; `createEngine` checks at run time).
 */
export type WasmModule = typeof globalThis extends {
  WebAssembly: { Module: abstract new (...args: never[]) => infer M };
}
  ? M
  : object;

/** Bytes of `hookcast.wasm`: an ArrayBuffer or any typed array / DataView over them. */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

/**
 * A webhook request template as a marketer writes it. `url`, params, header
 * values and `body` may hold Liquid placeholders such as
 * `{{ user.name | default: "there" }}`; `body` is JSON text.
 */
export type WebhookSpec = {
  url: string;
  /**
   * One of `Method`; any text is accepted and checked by the engine
   * (`post` is normalised with a `method_normalized` warning, `FETCH` is
   * `invalid_method`), so a spec read from JSON or a form needs no cast.
   */
  method: Method | (string & {});
  params?: KeyValue[];
  headers?: KeyValue[];
  body?: string;
};

/** One finding about a spec or a rendered request. */
export type Problem = {
  /** Where: a field path such as `url`, `params[2].value`, `headers[0].key`, `body`. */
  field: string;
  /** Stable machine word, e.g. `https_required`, `invalid_json`, `private_address` (the registry: `engine.problemCodes()`). */
  code: ProblemCode;
  /** A sentence a marketer understands, with the position where it helps. */
  message: string;
  /** Errors refuse the spec or request; warnings do not. */
  severity: 'error' | 'warning';
  /** On `missing_value` and `missing_fallback`: the variable concerned, as data. */
  variable?: ProblemVariable;
};

/** A personalization variable a problem names (see `Variable` for `source` and `name`). */
export type ProblemVariable = {
  source: 'user' | 'event';
  /** The canonical name after the root, as `engine.variables()` lists it: `city`, `address.city`, `["first name"]`. */
  name: string;
  /** How messages and the audience check write it: `user.city`. */
  display: string;
};

/** What one user's request is personalised with. */
export type Context = {
  /** `user.id` is `id`; `user.<name>` reads `properties[name]`. */
  user?: { id?: string; properties?: Record<string, unknown> };
  /** `event.key` is `key`; `event.<name>` reads `properties[name]`. */
  event?: { key?: string; properties?: Record<string, unknown> };
};

/** A rendered request, exactly as it is sent: headers in send order, `body` null when none. */
export type HttpRequest = {
  method: string;
  url: string;
  headers: [string, string][];
  body: string | null;
};

/** Result of `validate`: `ok` is true when no problem has severity `error`. */
export type ValidationResult = { ok: boolean; problems: Problem[] };

/** Result of a render: the request plus warnings, or the problems that refused it. */
export type RenderResult =
  { ok: true; request: HttpRequest; warnings: Problem[] } | { ok: false; problems: Problem[] };

/** One personalization variable a spec uses, as listed by `variables`. */
export type Variable = {
  /** `user` or `event`. */
  source: 'user' | 'event';
  /** The property name (`id` / `key` for the built-ins), nested paths dotted. */
  name: string;
  /** The `default:` filter's text, or null when there is none. */
  fallback: string | null;
  /** The field path where the placeholder stands. */
  field: string;
};

/** One row of the dashboard's table view of a request. */
export type TableRow = {
  section: 'request' | 'params' | 'headers' | 'body';
  key: string;
  value: string;
};

/** How one delivery attempt ended: an HTTP status (with its Retry-After, if any) or a transport error. */
export type RetryOutcome =
  { status: number; retryAfter?: string } | { error: 'timeout' | 'network' };

/**
 * Why the retry decision is what it is: `success` (2xx); retried while
 * attempts remain: `timeout`, `network_error`, `request_timeout` (408),
 * `rate_limited` (429), `server_error` (5xx); final: `client_error` (other
 * 4xx), `redirect_not_followed` (3xx), `unexpected_status` (1xx),
 * `retries_exhausted`, `invalid_outcome` (a status outside 100..599).
 */
export type RetryReason =
  | 'success'
  | 'timeout'
  | 'network_error'
  | 'request_timeout'
  | 'rate_limited'
  | 'server_error'
  | 'client_error'
  | 'redirect_not_followed'
  | 'unexpected_status'
  | 'retries_exhausted'
  | 'invalid_outcome';

/**
 * Whether to retry, after how long, and why; `verdict` says what became of
 * the message: `delivered` (a 2xx), `retry` (send again after `delayMs`) or
 * `failed` (final).
 */
export type RetryDecision = {
  retry: boolean;
  delayMs: number;
  reason: RetryReason;
  verdict: 'delivered' | 'retry' | 'failed';
};

/** Switches for validate, render and compile; all off by default. */
export type SpecOptions = {
  /**
   * Allow `http://` and loopback destinations (127.0.0.0/8, ::1, localhost)
   * for local development. Private, link-local and metadata addresses stay refused,
   * and so do IPv6 forms that embed 127.0.0.1 (`[::ffff:127.0.0.1]`, 6to4, NAT64).
   */
  allowLocalHttp?: boolean;
};

/** Extra switches for `retryDecision`. */
export type RetryOptions = {
  /** Full jitter: the delay is drawn uniformly in [0, delay] (deterministic per seed and attempt). */
  jitter?: boolean;
  /** Seed of the jitter generator. */
  seed?: number;
};

/** How `createEngine` loads the wasm module; by default each runtime finds `hookcast.wasm` itself. */
export type EngineOptions = {
  /** The bytes of `hookcast.wasm` (not accepted in workerd, which cannot compile bytes at run time). */
  wasmBinary?: WasmBytes;
  /** `hookcast.wasm` already compiled, e.g. `import wasm from 'hookcast/hookcast.wasm'` in workerd. */
  wasmModule?: WasmModule;
};

/**
 * A spec compiled once for many renders: the fast path for fan-out. Freed by
 * the garbage collector (FinalizationRegistry); `dispose()` frees it now.
 * workerd has FinalizationRegistry only from compatibility date 2025-05-05
 * (or with the `enable_weak_ref` flag); before that, call `dispose()`.
 */
export interface CompiledWebhook {
  /** Same result as `engine.render(spec, context, options)` for the compiled spec. */
  render(context: Context): RenderResult;
  /**
   * One result per context, in order.
   * @throws HookcastError `invalid_contexts` when `contexts` is not an array.
   */
  renderBatch(contexts: Context[]): RenderResult[];
  /**
   * renderBatch with the contexts as the JSON text of an array (e.g. stored
   * JSON columns pasted together): no parse/stringify round trip in JS.
   * @throws HookcastError `invalid_contexts` (with the engine's problem) when the text is not a JSON array.
   */
  renderBatchJson(contextsJson: string): RenderResult[];
  /**
   * For the contexts (the JSON text of an array): per variable, in order of
   * first use, how many leave it empty where the webhook uses it (it takes its
   * fallback, or renders as nothing for want of one). Contexts of the wrong
   * shape count nowhere. Throws `invalid_contexts` when the text is not a JSON array.
   */
  fallbackCountsJson(contextsJson: string): FallbackCount[];
  /** Frees the compiled spec now; later calls to render/renderBatch throw a `HookcastError` (`disposed`). Idempotent. */
  dispose(): void;
}

// ---- campaigns and fatigue ----------------------------------------------------

/** Where a campaign is in its life: ready → running ⇄ paused → ended (ready may also end). */
export type CampaignStatus = 'ready' | 'running' | 'paused' | 'ended';

/** What a caller asks a campaign to do. */
export type CampaignAction = 'start' | 'pause' | 'resume' | 'end';

/** Units of a resend period; also `addPeriod`'s units. */
export type PeriodUnit = 'minutes' | 'hours' | 'days' | 'weeks' | 'months';

/** A campaign's resend period (`fatigue.resend`): a user may get it again after `every` `unit`. */
export type Period = { every: number; unit: PeriodUnit };

/** One workspace frequency cap: at most `limit` messages per rolling `period` (≤ 30 days). */
export type CapRule = { limit: number; period: { value: number; unit: CapPeriodUnit } };

/** The workspace's frequency-capping settings. No rules: no cap. */
export type FrequencyCapping = { rules: CapRule[] };

/** Result of a transition: the new status, or `invalid_transition` naming the current status. */
export type TransitionResult =
  { ok: true; status: CampaignStatus } | { ok: false; code: 'invalid_transition'; message: string };

/** Result of an edit check: allowed, or `campaign_not_editable` saying why. */
export type EditableResult =
  { ok: true } | { ok: false; code: 'campaign_not_editable'; message: string };

/** What `launchCheck` needs besides the campaign (times in ms since the epoch). */
export type LaunchOptions = {
  /** The current time. */
  nowMs: number;
  /** `send.at` placed in `send.timeZone` (the edge converts it); null when there is no schedule. */
  scheduleAtMs: number | null;
  /**
   * `send.repeat.until` placed in the time zone. When omitted, the until is
   * placed with the offset of `send.at` (exact unless daylight saving changes in between).
   */
  untilMs?: number | null;
  /** Allow http:// and loopback webhook destinations (local development only). */
  allowLocalHttp?: boolean;
};

/** What the fatigue decision needs about the campaign sending and the workspace. */
export type FatiguePolicy = {
  /** The key of the campaign sending. */
  campaign: string;
  /** null: once per user; else the resend period. */
  resend: Period | null;
  /** Whether the workspace's caps hold this campaign back. */
  frequencyCapping: boolean;
  /** The workspace's caps (ignored when `frequencyCapping` is false). */
  rules: CapRule[];
};

/**
 * One past send of a user (any campaign), `at` in ms since the epoch. With
 * `control: true` it records a user an experiment held back in its control
 * group: the campaign's duplicate rule counts it, the frequency caps do not
 * (nothing reached the user).
 */
export type LedgerEntry = { campaign: string; at: number; control?: boolean };

/** A user's sends, any order. */
export type Ledger = LedgerEntry[];

/** Why a candidate is (not) sent: `ok` sends; the others are `suppressed` reasons. */
export type FatigueReason = 'ok' | 'already_sent' | 'resend_period' | 'frequency_cap';

/** One candidate's fatigue verdict; `send` is `reason === 'ok'`. */
export type FatigueDecision = { send: boolean; reason: FatigueReason };

/** The hookcast engine: every rule, compiled from the C++ core. */
export interface Engine {
  /** Checks a spec; a non-object spec yields problems, never a throw. */
  validate(spec: WebhookSpec, options?: SpecOptions): ValidationResult;
  /** Lists the personalization variables of a spec (unparsable parts are skipped). */
  variables(spec: WebhookSpec): Variable[];
  /** Renders one user's request with context-aware escaping. */
  render(spec: WebhookSpec, context: Context, options?: SpecOptions): RenderResult;
  /** Compiles a spec once for many renders; same problems as `validate` when it cannot. */
  compile(
    spec: WebhookSpec,
    options?: SpecOptions,
  ): { ok: true; webhook: CompiledWebhook } | { ok: false; problems: Problem[] };
  /**
   * One POSIX-shell-safe curl command that sends exactly `request`.
   * @throws HookcastError with code `invalid_request` when `request` is not a request.
   */
  toCurl(request: HttpRequest): string;
  /**
   * The rows the dashboard shows for `request`.
   * @throws HookcastError with code `invalid_request` when `request` is not a request.
   */
  toTable(request: HttpRequest): TableRow[];
  /**
   * Decides whether to retry after attempt number `attempt` (1 = the first
   * send) ended with `outcome`. `nowMs` (default `Date.now()`) resolves a
   * Retry-After given as an HTTP date. A status outside 100..599 is a final
   * `{ retry: false, reason: 'invalid_outcome', verdict: 'failed' }`.
   * @throws HookcastError `invalid_outcome` (not a status or error), `invalid_attempt`
   * (not a whole number ≥ 1), `invalid_now` or `invalid_options`.
   */
  retryDecision(
    outcome: RetryOutcome,
    attempt: number,
    nowMs?: number,
    options?: RetryOptions,
  ): RetryDecision;

  /**
   * The status after `action`: start (ready → running), pause (running →
   * paused), resume (paused → running), end (ready|running|paused → ended).
   * Anything else, including asking for the status the campaign already has,
   * is `invalid_transition` with a message naming the current status.
   * @throws HookcastError `invalid_status` / `invalid_action` when they are not one of the names.
   */
  campaignTransition(status: CampaignStatus, action: CampaignAction): TransitionResult;
  /**
   * Whether a PATCH touching `fields` (top-level names) is allowed in
   * `status`: title and description in any status but ended; every other
   * field in ready or paused only. Ended allows no edit at all.
   * @throws HookcastError `invalid_status` / `invalid_fields`.
   */
  campaignEditable(status: CampaignStatus, fields: string[]): EditableResult;
  /**
   * Shape check of a create (`partial` false: title required) or PATCH body:
   * types, enums, ranges, `send.at` format, repeat, delay, resend, rateLimit,
   * timeoutMs, signingSecret; unknown fields are `unknown_field`. A webhook's
   * content problems are not shape errors (see `validate`). Time-zone names
   * are the caller's to check. Errors only.
   */
  checkCampaign(body: unknown, options?: { partial?: boolean }): ValidationResult;
  /**
   * Every reason the stored campaign cannot start, at once: `webhook`
   * required, the webhook's validation errors (fields prefixed `webhook.`),
   * `target` required, `send` required, `send.at` `schedule_in_past` (the
   * schedule's time is not after `nowMs` and no repeat occurrence is).
   * @throws HookcastError `invalid_now` / `invalid_options` on bad options.
   */
  launchCheck(campaign: unknown, options: LaunchOptions): ValidationResult;
  /**
   * Checks the workspace's frequency-capping settings: at most 10 rules,
   * limit a whole number ≥ 1, period.value a whole number ≥ 1, unit minutes |
   * hours | days | weeks, period at most 30 days (`period_too_long`, never
   * clamped). Fields such as `rules[1].period.value`.
   */
  checkFrequencyCapping(settings: unknown): ValidationResult;
  /**
   * `ms` moved by `n` (a whole number, may be negative) units. Months are
   * calendar months in UTC: same day, clamped to the month's end.
   * `ms` is floored to a whole millisecond first.
   * @throws HookcastError `invalid_period` when `n` is a fraction, a number is not finite or the unit is unknown.
   */
  addPeriod(ms: number, n: number, unit: PeriodUnit): number;
  /**
   * An event's time as `POST /v1/events` reads `at`: ISO 8601 with an offset
   * (`2026-11-30T09:15:00Z`, `…+09:00`), seconds and a fraction optional,
   * years 1970–2099, a real date. Problems are located at `field`
   * (default `at`): `invalid_type` for a non-string, else `invalid_time`.
   */
  eventTime(
    text: unknown,
    field?: string,
  ): { ok: true; ms: number } | { ok: false; problems: Problem[] };
  /**
   * Whether one more message of `policy.campaign` may reach the user whose
   * sends are `ledger`, for a send starting at `sendAtMs`: `already_sent`
   * (any earlier send of this campaign, no resend period), `resend_period`
   * (sendAtMs < last send of this campaign + the period), then, when the
   * campaign applies caps, `frequency_cap` (some rule counts ≥ limit sends of
   * any campaign in the window (sendAtMs − period, sendAtMs]).
   * @throws HookcastError `invalid_policy`, `invalid_ledger` or `invalid_send_at`.
   */
  fatigueDecision(policy: FatiguePolicy, ledger: Ledger, sendAtMs: number): FatigueDecision;
  /**
   * `fatigueDecision` for many candidates in one call (the shard's fast
   * path): one reason per ledger, in order; the policy is read once.
   * @throws HookcastError `invalid_policy`, `invalid_ledger` or `invalid_send_at`.
   */
  fatigueBatch(policy: FatiguePolicy, ledgers: Ledger[], sendAtMs: number): FatigueReason[];
}

/**
 * Loads the wasm module and resolves to the engine. Memoised: the same
 * options (or none) give the same engine. Without options, Node reads
 * `hookcast.wasm` from the package, browsers fetch it beside the code
 * (where a bundler copied it) or else use the copy inlined in the package,
 * and workerd imports it as a compiled module.
 * @throws TypeError (as a rejection) when `opts` is not `{ wasmBinary }` / `{ wasmModule }`.
 */
export function createEngine(opts?: EngineOptions): Promise<Engine>;

/**
 * The codes a `HookcastError` carries: `invalid_request`, `invalid_outcome`,
 * `invalid_attempt`, `invalid_now`, `invalid_options`, `invalid_contexts` and
 * `disposed`; for cohorts also `invalid_rule`, `invalid_member` and
 * `invalid_members`; for campaigns `invalid_status`, `invalid_send_type`,
 * `invalid_send`, `invalid_action`, `invalid_fields`, `invalid_period`,
 * `invalid_policy`, `invalid_ledger` and `invalid_send_at`.
 */
export type HookcastErrorCode =
  | 'invalid_request'
  | 'invalid_outcome'
  | 'invalid_attempt'
  | 'invalid_now'
  | 'invalid_options'
  | 'invalid_contexts'
  | 'disposed'
  | 'invalid_rule'
  | 'invalid_member'
  | 'invalid_members'
  | 'invalid_status'
  | 'invalid_send_type'
  | 'invalid_send'
  | 'invalid_action'
  | 'invalid_fields'
  | 'invalid_period'
  | 'invalid_policy'
  | 'invalid_ledger'
  | 'invalid_send_at';

/** Error thrown where the contract returns a value rather than problems. */
export class HookcastError extends Error {
  /** Stable machine word naming the misuse (see `HookcastErrorCode`). */
  readonly code: HookcastErrorCode;
  /** The engine's problems behind the error, when it gave any. */
  readonly problems: Problem[];
  /** Makes an error with a stable `code`, a message and the problems behind it. */
  constructor(code: HookcastErrorCode, message: string, problems?: Problem[]);
}

/**
 * Diagnostics: how many compiled webhooks the engine still holds (neither
 * disposed nor collected). For tests of the finalizer; not a stable API.
 */
export function liveHandles(engine: Engine): number;

// ---- cohorts (targets): the rule language of docs/rules.md ------------------

/** Units of a cohort period: `within` of an event condition, `within_last` of a property. */
export type CohortTimeUnit = 'minutes' | 'hours' | 'days' | 'weeks' | 'months';

/** "The last N units": [now − N units, now]. Months are calendar months (same day, clamped, UTC). */
export type CohortPeriod = { last: number; unit: CohortTimeUnit };

/** A value a property is compared with; comparisons are typed by it (see `PropertyCondition`). */
export type CohortValue = string | number | boolean;

/**
 * A test of one property (a user's, or an event's in `where`). Comparisons are
 * typed by `value`: a number compares numerically (also with a text property
 * holding a number, `"42"`); a text compares as text, case-sensitively; a
 * boolean with a boolean (or `"true"`/`"false"`). A missing (or null) property
 * matches only `not_exists`, `ne`, `not_in` and `not_contains`. `contains` on a
 * list property is membership, on a text a substring test. `between` is
 * inclusive. `before`/`after` take ISO 8601 text (no offset = UTC) and are strict;
 * the property may hold ISO text or epoch milliseconds. A dotted name that is
 * not itself a key reads a nested property (`"address.city"`); a user property
 * `"id"` that the properties do not hold is the user's id.
 */
export type PropertyCondition =
  | { property: string; op: 'eq' | 'ne' | 'contains' | 'not_contains'; value: CohortValue }
  | { property: string; op: 'in' | 'not_in'; value: CohortValue[] }
  | { property: string; op: 'starts_with' | 'ends_with'; value: string }
  | { property: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: number | string }
  | { property: string; op: 'between'; value: [number, number] | [string, string] }
  | { property: string; op: 'exists' | 'not_exists'; value?: unknown }
  | { property: string; op: 'before' | 'after'; value: string }
  | { property: string; op: 'within_last'; value: CohortPeriod };

/**
 * A test of the user's events with key `event`: counts those whose `where`
 * conditions all hold and (with `within`) whose time is in [now − within, now],
 * and compares the count as `count` says (default `{ op: 'gte', value: 1 }`).
 * `did_not` is the negation of the same `did`.
 */
export type EventCondition = {
  event: string;
  op: 'did' | 'did_not';
  where?: PropertyCondition[];
  count?: { op: 'gte' | 'lte' | 'eq'; value: number };
  within?: CohortPeriod;
};

/** A cohort rule: a condition, or a group of rules (groups nest, at most 32 deep, 1000 rules in all). */
export type CohortRule =
  | { all: CohortRule[] }
  | { any: CohortRule[] }
  | { not: CohortRule }
  | PropertyCondition
  | EventCondition;

/** One event of a member; `at` is milliseconds since the epoch. */
export type CohortEvent = { key: string; at: number; properties?: Record<string, unknown> };

/** A user as a cohort rule sees them: properties and the events kept for them. */
export type CohortMember = {
  id: string;
  properties: Record<string, unknown>;
  events: CohortEvent[];
};

/** What a rule reads, so a store loads only those rows. */
export type CohortNeeds = {
  /** Whether some condition reads the user's properties. */
  properties: boolean;
  /**
   * Each event key the rule reads, once, from `sinceMs` on (null: every kept
   * event); `properties`: whether a condition on that key reads the event's
   * properties (has `where`): when false a store may leave them out.
   */
  events: { key: string; sinceMs: number | null; properties: boolean }[];
};

/**
 * The first phase of a two-phase evaluation, one character per member, in
 * order: `'1'` in the cohort whatever the member's events, `'0'` out whatever
 * they are, `'e'` the events decide (evaluate that member in full, with its
 * events, by `matchBatch`/`matchBatchJson`). Its length is the number of members.
 */
export type CohortTriage = string;

/** The rule language's lists, for a rule builder (they come from the core). */
export type CohortOperators = {
  /** Property operators: `eq`, `ne`, `in`, … `within_last`. */
  property: string[];
  /** Event operators: `did`, `did_not`. */
  event: string[];
  /** Count operators: `gte`, `lte`, `eq`. */
  count: string[];
  /** Period units: `minutes` … `months`. */
  units: string[];
};

/**
 * A rule compiled once for many members: the shard's fast path. Freed by the
 * garbage collector (FinalizationRegistry); `dispose()` frees it now.
 * Every method throws a `HookcastError`: `invalid_now` when `nowMs` is not a
 * finite time, `disposed` after `dispose()`, `invalid_member` when a member's
 * shape is wrong where the rule reads it (not an object, properties not an
 * object, events not a list of `{ key, at?, properties? }`).
 */
export interface CompiledCohort {
  /** What the rule reads at `nowMs`. */
  needs(nowMs: number): CohortNeeds;
  /** Whether `member` is in the cohort at `nowMs`. */
  matches(member: CohortMember, nowMs: number): boolean;
  /** One answer per member, in order, in few calls into the engine. Also throws `invalid_members` for a non-array. */
  matchBatch(members: CohortMember[], nowMs: number): boolean[];
  /**
   * `matchBatch` for members already written as one JSON array text (e.g.
   * assembled from stored JSON columns without parsing them): skips the
   * `JSON.stringify` that dominates `matchBatch`'s cost. Event `at` may also be
   * ISO 8601 text here. Throws `invalid_members` when the text is not a JSON array.
   */
  matchBatchJson(membersJson: string, nowMs: number): boolean[];
  /**
   * Decides each member from its id and properties alone (its events are
   * not read; they may be left out): the core reads the rule with every
   * event condition unknown (three-valued logic), so a store reads events
   * only for the members answered `'e'`. A decided answer equals
   * `matchBatch`'s for the member with any well-formed events.
   * Also throws `invalid_members` for a non-array.
   */
  triageBatch(
    members: CohortMember[] | Omit<CohortMember, 'events'>[],
    nowMs: number,
  ): CohortTriage;
  /** `triageBatch` for members written as one JSON array text (as `matchBatchJson`). */
  triageBatchJson(membersJson: string, nowMs: number): CohortTriage;
  /** Frees the compiled rule now; later calls throw `disposed`. Idempotent. */
  dispose(): void;
}

/** The cohort part of the engine (declaration merging keeps it in one block). */
export interface Engine {
  /**
   * Checks a rule (anything: a non-object is a problem, never a throw).
   * Problems are located from `rule`: `rule.all[1].op`, `rule.any[0].where[2].value`;
   * codes: invalid_type, invalid_rule, required, unknown_operator, unknown_unit,
   * invalid_value, empty_group, rule_too_deep, rule_too_large; `unknown_field` warnings.
   */
  validateCohort(rule: unknown): ValidationResult;
  /** Compiles a rule for many evaluations; the same problems as `validateCohort` when it cannot. */
  compileCohort(
    rule: CohortRule,
  ): { ok: true; cohort: CompiledCohort } | { ok: false; problems: Problem[] };
  /**
   * One evaluation without keeping the compiled rule.
   * @throws HookcastError `invalid_rule` (with the problems) for a bad rule, or as `CompiledCohort.matches`.
   */
  matchesCohort(rule: CohortRule, member: CohortMember, nowMs: number): boolean;
  /** The operator and unit lists of the rule language (a fresh copy each call). */
  cohortOperators(): CohortOperators;
}

// ---- coarse entries (src/core/preview_api.hpp) and the problem-code registry ----

/**
 * Every code a Problem can carry: the core's registry (src/core/problem_codes.cpp),
 * listed with its meaning by `engine.problemCodes()`. A test keeps the two equal.
 */
export type ProblemCode =
  | 'url_required'
  | 'invalid_url'
  | 'https_required'
  | 'host_required'
  | 'invalid_host'
  | 'invalid_port'
  | 'credentials_in_url'
  | 'private_address'
  | 'url_too_long'
  | 'variable_in_host'
  | 'fragment_ignored'
  | 'credential_in_query'
  | 'path_traversal'
  | 'method_required'
  | 'invalid_method'
  | 'method_normalized'
  | 'too_many_params'
  | 'param_key_required'
  | 'too_many_headers'
  | 'header_name_required'
  | 'variable_in_header_name'
  | 'invalid_header_name'
  | 'content_type_fixed'
  | 'forbidden_header'
  | 'duplicate_header'
  | 'header_value_too_long'
  | 'header_injection'
  | 'body_not_allowed'
  | 'body_too_large'
  | 'invalid_json'
  | 'invalid_utf8'
  | 'unclosed_tag'
  | 'unsupported_tag'
  | 'empty_tag'
  | 'invalid_variable'
  | 'unknown_variable'
  | 'unknown_filter'
  | 'invalid_filter_argument'
  | 'too_many_filters'
  | 'too_many_placeholders'
  | 'missing_fallback'
  | 'missing_value'
  | 'invalid_spec'
  | 'invalid_context'
  | 'invalid_type'
  | 'unknown_field'
  | 'invalid_handle'
  | 'too_many_webhooks'
  | 'required'
  | 'invalid_value'
  | 'out_of_range'
  | 'too_long'
  | 'too_many'
  | 'too_deep'
  | 'invalid_time'
  | 'invalid_date_time'
  | 'unknown_time_zone'
  | 'schedule_in_past'
  | 'until_before_at'
  | 'period_too_long'
  | 'invalid_target'
  | 'invalid_signing_secret'
  | 'invalid_status'
  | 'invalid_send_type'
  | 'invalid_action'
  | 'invalid_fields'
  | 'invalid_transition'
  | 'campaign_not_editable'
  | 'invalid_rule'
  | 'unknown_operator'
  | 'unknown_unit'
  | 'empty_group'
  | 'rule_too_deep'
  | 'rule_too_large'
  | 'invalid_members'
  | 'invalid_now'
  | 'too_many_cohorts'
  | 'empty'
  | 'invalid_text'
  | 'invalid_id'
  | 'invalid_property_name'
  | 'too_many_properties'
  | 'properties_too_large';

/** Everything a preview shows, from one call. */
export type PreviewResult = {
  /** True when neither the spec nor this context's render has an error. */
  ok: boolean;
  /** The spec's problems (warnings kept), then this render's, each once. */
  problems: Problem[];
  /** The request as it would be sent; null when `ok` is false. */
  request: HttpRequest | null;
  /** `toCurl(request)`; null when `ok` is false. */
  curl: string | null;
  /** `toTable(request)`; null when `ok` is false. */
  table: TableRow[] | null;
};

// ---- the worker's HTTP errors (docs/openapi.yaml) ------------------------------

/**
 * The worker's own error and problem codes (edge/src/http/error_codes.js,
 * each with its meaning). An API answer's codes are these or a ProblemCode;
 * a test keeps this union, that registry and docs/openapi.yaml equal.
 */
export type WorkerErrorCode =
  | 'unauthorized'
  | 'not_configured'
  | 'internal_error'
  | 'not_found'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'invalid_request'
  | 'empty_update'
  | 'invalid_sample'
  | 'invalid_limit'
  | 'invalid_state'
  | 'invalid_cursor'
  | 'invalid_idempotency_key'
  | 'unknown_cohort'
  | 'idempotency_key_reused'
  | 'not_api_campaign'
  | 'campaign_not_running'
  | 'not_failed'
  | 'campaign_ended'
  | 'invalid_render'
  | 'cross_origin'
  | 'cohort_in_use'
  | 'batch_exists'
  | 'stored_rule_invalid'
  | 'invalid_number'
  | 'invalid_host';

/** Every code an API error or problem can carry. */
export type ApiErrorCode = ProblemCode | WorkerErrorCode;

/** A problem in an API answer: the engine's Problem, with the API's codes (and `context`, the index of a POST /v1/deliveries context). */
export type ApiProblem = Omit<Problem, 'code'> & { code: ApiErrorCode; context?: number };

/** Every refusal of the worker's API: `error.code` is the first error-severity problem's code. */
export type ApiError = {
  ok: false;
  error: { code: ApiErrorCode; message: string };
  problems: ApiProblem[];
};

export interface Engine {
  /** validate + render + toCurl + toTable in one call, the problems merged by the engine. */
  preview(spec: WebhookSpec, context: Context, options?: SpecOptions): PreviewResult;
  /**
   * The destination (SSRF) rule alone for an already rendered URL: https, no
   * loopback/private/link-local/metadata address in any spelling (loopback
   * http only with `allowLocalHttp`). Problems are on field `url`.
   */
  checkDestination(url: string, options?: SpecOptions): ValidationResult;
  /** The methods a webhook may use, in the order to offer them. */
  methods(): Method[];
  /** The problem-code registry: each code with one sentence saying what it means. */
  problemCodes(): { code: ProblemCode; summary: string }[];
}

// ---- vocabularies and status capabilities (src/core/vocabulary_api.hpp) -------

/** How a campaign's messages are started (`send.type`). */
export type SendType = 'schedule' | 'event' | 'api';

/** Why a candidate was held back, in the order of `stats.suppressed`. */
export type SuppressionReason =
  | 'already_sent'
  | 'resend_period'
  | 'frequency_cap'
  | 'not_in_cohort'
  | 'personalization'
  | 'cancelled'
  | 'control'
  | 'schedule_passed';

/** Units of `send.repeat.unit`. */
export type RepeatUnit = 'days' | 'weeks';

/** Units of `send.delay.unit`. */
export type DelayUnit = 'minutes' | 'hours' | 'days' | 'weeks';

/** Units of a frequency-capping period. */
export type CapPeriodUnit = 'minutes' | 'hours' | 'days' | 'weeks';

/** The product's words and limits, from the core (a test keeps the unions above equal to them). */
export type Vocabulary = {
  /** The units each setting accepts, in increasing size. */
  units: {
    delay: DelayUnit[];
    repeat: RepeatUnit[];
    resend: PeriodUnit[];
    capPeriod: CapPeriodUnit[];
    within: CohortTimeUnit[];
    goalWithin: GoalWithinUnit[];
  };
  /** Every reason `stats.suppressed` counts, in the contract's order. */
  suppressionReasons: SuppressionReason[];
  /** The checks a candidate goes through, in order (an API send answers each). */
  candidateChecks: SuppressionReason[];
  /** What the fatigue decision answers: `ok`, then its suppression reasons. */
  fatigueReasons: FatigueReason[];
  campaignStatuses: CampaignStatus[];
  /** The status a new campaign is stored in (`ready`). */
  initialStatus: CampaignStatus;
  campaignActions: CampaignAction[];
  sendTypes: SendType[];
  methods: Method[];
  /** The cohort rule language's operators (its units are `units.within`). */
  operators: { property: string[]; event: string[]; count: string[] };
  /** Limits of the checks (`titleChars`, `delayMs`, `capRules`, `urlBytes`, …). */
  limits: Record<string, number>;
};

/** How many contexts leave one variable empty (`CompiledWebhook.fallbackCountsJson`). */
export type FallbackCount = {
  variable: ProblemVariable;
  /** Whether some placeholder of it has a fallback (`default:`). */
  fallback: boolean;
  /** Contexts in which it takes its fallback, or renders as nothing for want of one. */
  count: number;
};

/** What a campaign in a status (with a send type) allows and does. */
export type CampaignCapabilities = {
  status: CampaignStatus;
  sendType: SendType | null;
  /** The legal actions and the status each leads to, e.g. `{ pause: 'paused', end: 'ended' }`. */
  transitions: Partial<Record<CampaignAction, CampaignStatus>>;
  /** Title and description may be edited (every status but ended). */
  labelsEditable: boolean;
  /** Every other field may be edited (ready and paused). */
  contentEditable: boolean;
  /** `POST /v1/campaigns/:key/send` is accepted (running, type api). */
  acceptsApiSends: boolean;
  /** A user's event starts a send (running, type event). */
  triggersOnEvents: boolean;
  /** Due schedule occurrences run (running, type schedule). */
  runsSchedules: boolean;
  /** Pending messages are dispatched (running). */
  dispatches: boolean;
  /** Pending messages wait (ready and paused: ready counts as paused). */
  holdsPending: boolean;
  /** Messages not yet dispatched are cancelled (ended). */
  cancelsPending: boolean;
  /** No further transition or edit (ended). */
  final: boolean;
  /** Pending messages wait for `resume` (paused); a changed schedule there has its next run placed again. */
  waitsForResume: boolean;
  /** Messages may have been sent, so there are stats to read (every status but ready). */
  mayHaveSent: boolean;
  /** `POST /v1/campaigns/:key/resend-failed` is accepted (running and paused). */
  resendsFailed: boolean;
  /** `POST /v1/deliveries/:id/retry` is accepted for the campaign's deliveries (every status but ended). */
  retriesDeliveries: boolean;
};

export interface Engine {
  /** The product's words and limits (a fresh copy each call). */
  vocabulary(): Vocabulary;
  /**
   * What `status` allows for a campaign sending by `sendType` (null: no send
   * chosen yet). Frozen; the same object for the same arguments.
   * @throws HookcastError `invalid_status` / `invalid_send_type`.
   */
  campaignCapabilities(status: CampaignStatus, sendType?: SendType | null): CampaignCapabilities;
  /**
   * A schedule send's times on the wall clock (milliseconds of the local
   * clock read as if it were UTC): `at`, the end of `until` (a date alone
   * means through that day) and up to `count` (default 1, at most 1000)
   * occurrences `at + k × every × unit` strictly after `afterWallMs` (default
   * −Infinity), none past `until`. The core steps; placing a wall time in the
   * send's time zone is the caller's (src/js/timezone.js).
   * @throws HookcastError `invalid_send` when `send` is not such a schedule, `invalid_options` on bad numbers.
   */
  scheduleOccurrences(
    send: {
      type: 'schedule';
      at: string;
      repeat?: { every: number; unit: RepeatUnit; until?: string } | null;
    },
    afterWallMs?: number,
    count?: number,
  ): { atWallMs: number; untilWallMs: number | null; occurrences: number[] };
  /**
   * A local date-time as `send.at` is written (`YYYY-MM-DDTHH:mm`, optional
   * `:ss`, no offset, a real calendar date) as wall-clock milliseconds read
   * as if UTC (src/js/timezone.js places them in a zone); null otherwise.
   */
  localWallMs(text: string): number | null;
  /**
   * Checks a POST /v1/users body: `users`, a list of at most 1000 `{ id,
   * properties? }`; ids non-empty, storable (no lone surrogate), at most 256
   * UTF-8 bytes, not "." or ".."; properties an object of at most 200 names
   * (each 1–256 bytes), values nested at most 32 deep, at most 32 KiB as
   * JSON. Problems are located (`users[3].id`), every bad item named.
   */
  checkUsers(body: unknown): ValidationResult;
  /**
   * Checks a POST /v1/events body: `events`, a list of at most 1000 `{
   * userId, key, properties?, at? }` (ids and properties as `checkUsers`);
   * `at` is ISO 8601 with a time and an offset, from 1970 on
   * (`invalid_date_time`). When ok, `at` holds each event's time in ms (null
   * when it has none).
   */
  checkEvents(body: unknown): ValidationResult & { at: (number | null)[] };
  /**
   * Checks a POST /v1/campaigns/:key/send body: `recipients`, a list of 1 to
   * 1000 `{ userId, properties? }` (as `checkUsers`), optional top-level
   * `properties`, nothing else (`unknown_field`).
   */
  checkApiSend(body: unknown): ValidationResult;
  /**
   * The same checks for one value at `field`: an id (`userId`, `eventKey`,
   * `cohortName`; undefined is `required`) or `properties` (undefined allowed).
   * @throws HookcastError `invalid_options` for another kind.
   */
  checkInput(
    kind: 'userId' | 'eventKey' | 'cohortName' | 'properties',
    value: unknown,
    field: string,
  ): Problem[];
  /** `checkInput` for a value already written as JSON text (e.g. a merged profile about to be stored). */
  checkInputJson(
    kind: 'userId' | 'eventKey' | 'cohortName' | 'properties',
    valueJson: string,
    field: string,
  ): Problem[];
}

// ---- experiments: control groups and conversion goals ------------------------------

/** A goal's conversion window: how long after the (would-be) send a goal event counts; at most 30 days. */
export type GoalWindow = { value: number; unit: GoalWithinUnit };

/** Units of `experiment.goal.within.unit`. */
export type GoalWithinUnit = 'minutes' | 'hours' | 'days' | 'weeks';

/**
 * A campaign's experiment (`campaign.experiment`): `controlPercent` % of the
 * candidates that pass every check (0 to 50, at most two decimals) are held
 * back as a control group; `goal` names the event that counts as a
 * conversion, with optional conditions on its properties (as a cohort
 * event rule's `where`).
 */
export type Experiment = {
  controlPercent: number;
  goal?: { event: string; where?: unknown[]; within: GoalWindow } | null;
};

/** Users and conversions of one group. */
export type GroupCounts = { users: number; converted: number };

/**
 * The campaign's effect, sent group minus control, as fractions (0.012 is
 * 1.2 percentage points). `ci95` is Newcombe's hybrid score interval
 * (method 10) of the difference; `pValue` the two-sided pooled z-test of
 * equal rates. `relative` is `absolute / rate(control)`, null when the
 * control group converted nobody.
 */
export type Uplift = {
  absolute: number;
  relative: number | null;
  ci95: [number, number];
  pValue: number;
};

/** The experiment part of the engine. */
export interface Engine {
  /**
   * Control-group assignment of many candidates of one campaign at once:
   * `true` for each user in the control group at `controlPercent` (0..50,
   * two decimals). Stable: bucket = fmix64(FNV-1a 64(campaignKey, 0x00,
   * userId)) mod 10000, control when bucket < controlPercent × 100.
   * Throws `invalid_control_percent` or `invalid_user_ids`.
   */
  controlGroups(campaignKey: string, userIds: string[], controlPercent: number): boolean[];
  /**
   * Whether a goal event at `eventAtMs` converts a user whose (would-be)
   * send started at `sendStartMs`: sendStart ≤ eventAt ≤ sendStart + within.
   * Throws `invalid_within` (over 30 days, unknown unit) or `invalid_time`.
   */
  convertsWithin(sendStartMs: number, eventAtMs: number, within: GoalWindow): boolean;
  /**
   * Compares the sent group with the control group; null while a group has
   * fewer than 30 users. Throws `invalid_counts` for counts that are not
   * whole numbers with 0 ≤ converted ≤ users.
   */
  compareGroups(sent: GroupCounts, control: GroupCounts): Uplift | null;
}
