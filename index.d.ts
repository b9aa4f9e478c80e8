// Types of the npm package "hookcast" (every runtime entry: node, browser,
// workerd). Hand-written from DESIGN.md's "Public JS API"; the names and
// shapes there are the contract, extra optional arguments are marked.

/** One row of a spec's params or headers table. Values may hold placeholders. */
export type KeyValue = { key: string; value: string };

/** HTTP methods a webhook may use. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A webhook request template as a marketer writes it. `url`, params, header
 * values and `body` may hold Liquid placeholders such as
 * `{{ user.name | default: "there" }}`; `body` is JSON text.
 */
export type WebhookSpec = {
  url: string;
  method: Method;
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
  | { ok: true; request: HttpRequest; warnings: Problem[] }
  | { ok: false; problems: Problem[] };

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
export type RetryOutcome = { status: number; retryAfter?: string } | { error: 'timeout' | 'network' };

/**
 * Whether to retry, after how long, and why (a stable word such as
 * `server_error`); `verdict` says what became of the message: `delivered`
 * (a 2xx), `retry` (send again after `delayMs`) or `failed` (final).
 */
export type RetryDecision = { retry: boolean; delayMs: number; reason: string; verdict: 'delivered' | 'retry' | 'failed' };

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
  wasmBinary?: BufferSource;
  /** `hookcast.wasm` already compiled, e.g. a workerd `.wasm` import. */
  wasmModule?: WebAssembly.Module;
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
  /** One result per context, in order, computed in a single call into the engine. */
  renderBatch(contexts: Context[]): RenderResult[];
  /** Frees the compiled spec now; later calls to render/renderBatch throw a `HookcastError` (`disposed`). Idempotent. */
  dispose(): void;
}

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
   * Retry-After given as an HTTP date.
   * @throws HookcastError with code `invalid_outcome`, `invalid_attempt` or `invalid_now` on bad input.
   */
  retryDecision(outcome: RetryOutcome, attempt: number, nowMs?: number, options?: RetryOptions): RetryDecision;
}

/**
 * Loads the wasm module and resolves to the engine. Memoised: the same
 * options (or none) give the same engine.
 */
export function createEngine(opts?: EngineOptions): Promise<Engine>;

/** Error thrown where the contract returns a value rather than problems. */
export class HookcastError extends Error {
  /**
   * Stable machine word: `invalid_request`, `invalid_outcome`, `invalid_attempt`,
   * `invalid_now`, `invalid_options`, `invalid_contexts` or `disposed`.
   */
  readonly code: string;
  /** The engine's problems behind the error, when it gave any. */
  readonly problems: Problem[];
  /** Makes an error with a stable `code`, a message and the problems behind it. */
  constructor(code: string, message: string, problems?: Problem[]);
}

/**
 * Diagnostics: how many compiled webhooks the engine still holds (neither
 * disposed nor collected). For tests of the finalizer; not a stable API.
 */
export function liveHandles(engine: Engine): number;

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
  | 'invalid_date_time'
  | 'unknown_time_zone'
  | 'schedule_in_past'
  | 'until_before_at'
  | 'period_too_long'
  | 'invalid_target'
  | 'invalid_signing_secret'
  | 'invalid_status'
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
  | 'too_many_cohorts';

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
