// Type-checked (never run) use of the whole public API, through the package's
// own name so the "types" export condition is what gets checked.
import {
  createEngine,
  HookcastError,
  liveHandles,
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
} from 'hookcast';

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
  // @ts-expect-error method must be one of the five HTTP methods
  engine.validate({ url: 'https://x.test/', method: 'HEAD' });
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
  // @ts-expect-error createEngine takes bytes, not a path
  await createEngine({ wasmBinary: 'dist/hookcast.wasm' });
}
