// Type-checked (never run) use of the whole public API, through the package's
// own name so the "types" export condition is what gets checked.
import {
  createEngine,
  HookcastError,
  liveHandles,
  type CohortMember,
  type CohortNeeds,
  type CohortTriage,
  type CohortOperators,
  type CohortRule,
  type CompiledCohort,
  type CompiledWebhook,
  type Context,
  type Engine,
  type HttpRequest,
  type PreviewResult,
  type Problem,
  type ProblemCode,
  type RenderResult,
  type RetryDecision,
  type TableRow,
  type Variable,
  type WebhookSpec,
  type CampaignStatus,
  type FatigueDecision,
  type FatiguePolicy,
  type FatigueReason,
  type Ledger,
  type HookcastErrorCode,
  type ApiError,
} from 'hookcast';
import wasmImport from 'hookcast/hookcast.wasm';

declare const bytes: ArrayBuffer;
declare const compiledModule: WebAssembly.Module;

export async function usage(): Promise<void> {
  const engine: Engine = await createEngine();
  await createEngine({ wasmBinary: bytes });
  await createEngine({ wasmBinary: new Uint8Array(bytes) });
  await createEngine({ wasmModule: compiledModule });

  const spec: WebhookSpec = {
    url: 'https://api.example.com/users/{{ user.id }}',
    method: 'POST',
    params: [{ key: 'ref', value: '{{ event.key }}' }],
    headers: [{ key: 'X-Name', value: '{{ user.name | default: "there" }}' }],
    body: '{"name": "{{ user.name }}"}',
  };
  const context: Context = { user: { id: 'u1', properties: { name: 'Ada', age: 36 } }, event: { key: 'signup' } };

  const checked = engine.validate(spec);
  const local = engine.validate(spec, { allowLocalHttp: true });
  const allProblems: Problem[] = [...checked.problems, ...local.problems];
  const ok: boolean = checked.ok;

  const vars: Variable[] = engine.variables(spec);
  const sources: ('user' | 'event')[] = vars.map((v) => v.source);
  const fallbacks: (string | null)[] = vars.map((v) => v.fallback);

  const rendered: RenderResult = engine.render(spec, context, { allowLocalHttp: false });
  if (rendered.ok) {
    const request: HttpRequest = rendered.request;
    const firstHeader: [string, string] | undefined = request.headers[0];
    const body: string | null = request.body;
    const curl: string = engine.toCurl(request);
    const rows: TableRow[] = engine.toTable(request);
    const sections = rows.map((r) => r.section);
    void [firstHeader, body, curl, sections, rendered.warnings];
  } else {
    const codes: string[] = rendered.problems.map((p) => p.code);
    void codes;
  }

  const compiled = engine.compile(spec, { allowLocalHttp: true });
  if (compiled.ok) {
    const webhook: CompiledWebhook = compiled.webhook;
    const one: RenderResult = webhook.render(context);
    const many: RenderResult[] = webhook.renderBatch([context, {}]);
    const count: number = liveHandles(engine);
    webhook.dispose();
    void [one, many, count];
  } else {
    void compiled.problems;
  }

  const decisions: RetryDecision[] = [
    engine.retryDecision({ status: 503 }, 1),
    engine.retryDecision({ status: 429, retryAfter: '7' }, 2, Date.now()),
    engine.retryDecision({ error: 'timeout' }, 3, 0, { jitter: true, seed: 42 }),
  ];
  const delays: number[] = decisions.map((d) => d.delayMs);

  try {
    engine.toCurl(rendered.ok ? rendered.request : { method: 'GET', url: 'https://x.test/', headers: [], body: null });
  } catch (error) {
    if (error instanceof HookcastError) {
      const code: string = error.code;
      const why: Problem[] = error.problems;
      void [code, why];
    }
  }
  void [allProblems, ok, sources, fallbacks, delays];

  // Campaigns and fatigue.
  const moved = engine.campaignTransition('ready', 'start');
  const next: CampaignStatus | undefined = moved.ok ? moved.status : undefined;
  const refusal: string | undefined = moved.ok ? undefined : `${moved.code}: ${moved.message}`;
  const editable = engine.campaignEditable('running', ['title', 'webhook']);
  const notEditable: 'campaign_not_editable' | undefined = editable.ok ? undefined : editable.code;
  const shape: boolean = engine.checkCampaign({ title: 'Welcome' }, { partial: false }).ok;
  const launch: Problem[] = engine.launchCheck({ title: 'Welcome' }, { nowMs: Date.now(), scheduleAtMs: null, allowLocalHttp: false }).problems;
  const capping: boolean = engine.checkFrequencyCapping({ rules: [{ limit: 3, period: { value: 1, unit: 'days' } }] }).ok;
  const nextMonth: number = engine.addPeriod(Date.now(), 1, 'months');
  const policy: FatiguePolicy = {
    campaign: 'welcome',
    resend: { every: 1, unit: 'months' },
    frequencyCapping: true,
    rules: [{ limit: 3, period: { value: 1, unit: 'days' } }],
  };
  const ledger: Ledger = [{ campaign: 'welcome', at: Date.now() - 86_400_000 }];
  const decision: FatigueDecision = engine.fatigueDecision(policy, ledger, Date.now());
  const sendIt: boolean = decision.send;
  const reasons: FatigueReason[] = engine.fatigueBatch(policy, [ledger, []], Date.now());
  void [next, refusal, notEditable, shape, launch, capping, nextMonth, sendIt, reasons];

  const rule: CohortRule = {
    all: [
      { property: 'plan', op: 'eq', value: 'pro' },
      { property: 'age', op: 'between', value: [18, 30] },
      { not: { property: 'country', op: 'in', value: ['KR', 'JP'] } },
      { property: 'seen', op: 'within_last', value: { last: 7, unit: 'days' } },
      {
        event: 'purchase',
        op: 'did',
        where: [{ property: 'amount', op: 'gte', value: 10 }],
        count: { op: 'gte', value: 2 },
        within: { last: 1, unit: 'months' },
      },
    ],
  };
  const member: CohortMember = { id: 'u1', properties: { plan: 'pro' }, events: [{ key: 'purchase', at: Date.now() }] };
  const checkedRule = engine.validateCohort(JSON.parse('{"any": []}'));
  const compiledRule = engine.compileCohort(rule);
  if (compiledRule.ok) {
    const cohort: CompiledCohort = compiledRule.cohort;
    const needs: CohortNeeds = cohort.needs(Date.now());
    const since: (number | null)[] = needs.events.map((e) => e.sinceMs);
    const one: boolean = cohort.matches(member, Date.now());
    const many: boolean[] = cohort.matchBatch([member, member], Date.now());
    const fromText: boolean[] = cohort.matchBatchJson('[{"id":"u1","properties":{}}]', Date.now());
    const readsEventProperties: boolean[] = needs.events.map((e) => e.properties);
    const triaged: CohortTriage = cohort.triageBatch([{ id: 'u1', properties: { plan: 'pro' } }, member], Date.now());
    const triagedText: string = cohort.triageBatchJson('[{"id":"u1","properties":{}}]', Date.now());
    cohort.dispose();
    void [since, one, many, fromText, needs.properties, readsEventProperties, triaged, triagedText];
  } else {
    void compiledRule.problems;
  }
  const inCohort: boolean = engine.matchesCohort({ event: 'signup', op: 'did_not' }, member, 0);
  const operators: CohortOperators = engine.cohortOperators();
  void [checkedRule.ok, inCohort, operators.units];
  // The coarse entries.
  const shown: PreviewResult = engine.preview(spec, context, { allowLocalHttp: false });
  const curlOrNull: string | null = shown.curl;
  const destination = engine.checkDestination('https://x.test/hook', { allowLocalHttp: true });
  const methods: ('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE')[] = engine.methods();
  const registry: ProblemCode[] = engine.problemCodes().map((c) => c.code);
  const verdicts: ('delivered' | 'retry' | 'failed')[] = decisions.map((d) => d.verdict);
  const firstCode: ProblemCode | undefined = checked.problems[0]?.code;
  void [curlOrNull, destination.ok, methods, registry, verdicts, firstCode];
  // @ts-expect-error a problem code is a registered word
  const unknownCode: ProblemCode = 'no_such_code';
  void unknownCode;

  // Wrong shapes must not type-check.
  // @ts-expect-error between takes [low, high]
  engine.compileCohort({ property: 'age', op: 'between', value: 18 });
  // @ts-expect-error an event op is did or did_not
  engine.compileCohort({ event: 'purchase', op: 'done' });
  // @ts-expect-error within takes a CohortPeriod unit
  engine.compileCohort({ event: 'purchase', op: 'did', within: { last: 1, unit: 'years' } });
  // @ts-expect-error an event time is milliseconds
  engine.matchesCohort(rule, { id: 'u', properties: {}, events: [{ key: 'k', at: '2026-01-01' }] }, 0);
  // Any method text is the engine's to check (a spec from JSON or a form), so
  // a `const` spec whose method widened to string needs no cast.
  const fromForm = { url: 'https://x.test/', method: 'post' as string };
  engine.validate(fromForm);
  // @ts-expect-error method is text, not a number
  engine.validate({ url: 'https://x.test/', method: 1 });
  // @ts-expect-error headers are KeyValue objects, not tuples
  engine.render({ url: 'https://x.test/', method: 'GET', headers: [['a', 'b']] }, {});
  // @ts-expect-error an outcome has a status or an error, not a string
  engine.retryDecision('503', 1);
  // @ts-expect-error retry errors are only timeout or network
  engine.retryDecision({ error: 'dns' }, 1);
  // @ts-expect-error allowLocalHttp is a boolean
  engine.validate(spec, { allowLocalHttp: 'yes' });
  // @ts-expect-error a request's body is string or null, not absent
  engine.toCurl({ method: 'GET', url: 'https://x.test/', headers: [] });
  // @ts-expect-error a campaign action is start, pause, resume or end
  engine.campaignTransition('ready', 'launch');
  // @ts-expect-error cap periods have no months
  engine.fatigueBatch({ ...policy, rules: [{ limit: 1, period: { value: 1, unit: 'months' } }] }, [], 0);
  // @ts-expect-error launchCheck needs nowMs
  engine.launchCheck({}, { scheduleAtMs: null });
  // @ts-expect-error createEngine takes bytes, not a path
  await createEngine({ wasmBinary: 'dist/hookcast.wasm' });

  // The wasm subpath is the compiled module createEngine accepts.
  await createEngine({ wasmModule: wasmImport });
  try {
    engine.retryDecision({ status: 503 }, 0);
  } catch (error) {
    if (error instanceof HookcastError) {
      const code: HookcastErrorCode = error.code;
      // @ts-expect-error not a code a HookcastError carries
      if (code === 'invalid_attempts') throw error;
    }
  }
}

// An API refusal: its codes come from both registries.
const refusal: ApiError = {
  ok: false,
  error: { code: 'stored_rule_invalid', message: 'Save the rule again.' },
  problems: [{ field: 'rule.all[0].op', code: 'unknown_operator', message: 'Not an operator.', severity: 'error' }],
};
void refusal;
