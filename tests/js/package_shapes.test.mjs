// Declared against observed: every public function is called on a corpus (the
// shared fixtures plus hand-picked edge cases) and each answer is written,
// as a literal, into a TypeScript file that declares it with the function's
// declared return type (`ReturnType<Engine['validate']>` ...). Object
// literals get excess-property checks, so tsc fails on a field the types do
// not declare, a missing required field, a wrong type or a problem code
// outside ProblemCode. Thrown errors are held to HookcastErrorCode.
// The check runs without the DOM lib (lib es2023, @types/node).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

import { createEngine, HookcastError } from 'hookcast';

import { makeProject, RESOLUTIONS, STRICT, typecheck } from '../package/typecheck.mjs';
import { loadFixtures } from './suites/fixtures.mjs';

const engine = await createEngine();
const fixtures = await loadFixtures();
const NOW = Date.UTC(2026, 2, 15, 12);
const ms = (iso) => Date.parse(iso);

/** Every answer seen: { label, type, value } or { label, thrown }. */
const seen = [];
const answer = (label, type, fn) => seen.push({ label, type, value: fn() });
function thrown(label, code, fn) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HookcastError, `${label}: threw ${error}`);
    assert.equal(error.code, code, label);
    seen.push({
      label,
      thrown: { code: error.code, problems: error.problems, message: error.message },
    });
    return;
  }
  assert.fail(`${label}: did not throw ${code}`);
}
const E = (method) => `ReturnType<H.Engine['${method}']>`;

function collect() {
  const spec = {
    url: 'https://api.example.com/u/{{ user.id }}',
    method: 'POST',
    body: '{"n": "{{ user.name | default: "x" }}"}',
  };
  const ctx = { user: { id: 'u1', properties: { name: 'Ada' } } };
  for (const c of [...fixtures.render, ...fixtures.templates]) {
    answer(`validate ${c.name}`, E('validate'), () => engine.validate(c.spec));
    answer(`variables ${c.name}`, E('variables'), () => engine.variables(c.spec));
    answer(`render ${c.name}`, E('render'), () => engine.render(c.spec, c.context));
    answer(`preview ${c.name}`, E('preview'), () => engine.preview(c.spec, c.context));
    const compiled = engine.compile(c.spec);
    answer(`compile ${c.name}`, E('compile'), () =>
      compiled.ok ? { ok: true, webhook: {} } : compiled,
    );
    if (!compiled.ok) continue;
    const { webhook } = compiled;
    answer(`webhook.render ${c.name}`, "ReturnType<H.CompiledWebhook['render']>", () =>
      webhook.render(c.context),
    );
    answer(`webhook.renderBatch ${c.name}`, "ReturnType<H.CompiledWebhook['renderBatch']>", () =>
      webhook.renderBatch([c.context, 5n, null]),
    );
    answer(
      `webhook.renderBatchJson ${c.name}`,
      "ReturnType<H.CompiledWebhook['renderBatchJson']>",
      () => webhook.renderBatchJson(`[${JSON.stringify(c.context ?? {})}, 1]`),
    );
    const r = webhook.render(c.context);
    if (r.ok) {
      answer(`toCurl ${c.name}`, E('toCurl'), () => engine.toCurl(r.request));
      answer(`toTable ${c.name}`, E('toTable'), () => engine.toTable(r.request));
    }
    webhook.dispose();
  }
  for (const bad of [
    null,
    3,
    'x',
    { url: 5 },
    { url: 'https://a.example/', method: 'FETCH' },
    { url: 'http://a.example/', method: 'post' },
  ]) {
    answer(`validate ${JSON.stringify(bad)}`, E('validate'), () => engine.validate(bad));
    answer(`render ${JSON.stringify(bad)}`, E('render'), () => engine.render(bad, ctx));
    answer(`compile ${JSON.stringify(bad)}`, E('compile'), () => engine.compile(bad));
    answer(`preview ${JSON.stringify(bad)}`, E('preview'), () => engine.preview(bad, ctx));
  }
  const cyclic = {};
  cyclic.self = cyclic;
  answer('render cyclic context', E('render'), () => engine.render(spec, cyclic));
  answer('preview cyclic spec', E('preview'), () => engine.preview(cyclic, ctx));
  const { webhook } = engine.compile(spec);
  for (const text of ['nope', '{}', '3'])
    thrown(`renderBatchJson ${text}`, 'invalid_contexts', () => webhook.renderBatchJson(text));
  thrown('renderBatch non-array', 'invalid_contexts', () => webhook.renderBatch({}));
  webhook.dispose();
  thrown('render after dispose', 'disposed', () => webhook.render(ctx));
  thrown('toCurl of a non-request', 'invalid_request', () => engine.toCurl({ url: 1 }));

  for (const c of fixtures.urls) {
    answer(`checkDestination ${c.url}`, E('checkDestination'), () =>
      engine.checkDestination(c.url),
    );
  }
  answer('checkDestination non-string', E('checkDestination'), () => engine.checkDestination(42));
  answer('methods', E('methods'), () => engine.methods());
  answer('problemCodes', E('problemCodes'), () => engine.problemCodes());

  const outcomes = [
    { status: 200 },
    { status: 150 },
    { status: 301 },
    { status: 404 },
    { status: 408 },
    { status: 429, retryAfter: '2' },
    { status: 503, retryAfter: 'Sun, 15 Mar 2026 12:00:05 GMT' },
    { status: 700 },
    { error: 'timeout' },
    { error: 'network' },
  ];
  for (const outcome of outcomes) {
    for (const attempt of [1, 3, 4]) {
      answer(`retryDecision ${JSON.stringify(outcome)} ${attempt}`, E('retryDecision'), () =>
        engine.retryDecision(outcome, attempt, NOW, { jitter: true, seed: 7 }),
      );
    }
  }
  // Every reason the core gives is in RetryReason (the literals above are checked against it).
  const reasons = new Set(
    seen.filter((x) => x.label.startsWith('retryDecision ')).map((x) => x.value.reason),
  );
  assert.equal(reasons.size, 11, [...reasons].join());
  for (const attempt of [0, -1, 1.5])
    thrown(`retryDecision attempt ${attempt}`, 'invalid_attempt', () =>
      engine.retryDecision({ status: 503 }, attempt, NOW),
    );
  thrown('retryDecision bad outcome', 'invalid_outcome', () =>
    engine.retryDecision({ status: 'x' }, 1, NOW),
  );
  thrown('retryDecision bad now', 'invalid_now', () =>
    engine.retryDecision({ status: 503 }, 1, Number.NaN),
  );

  const { campaigns, cohorts, fatigue } = fixtures;
  for (const c of campaigns.transitions)
    answer(`campaignTransition ${c.status} ${c.action}`, E('campaignTransition'), () =>
      engine.campaignTransition(c.status, c.action),
    );
  for (const c of campaigns.editable)
    answer(`campaignEditable ${c.status} ${c.fields}`, E('campaignEditable'), () =>
      engine.campaignEditable(c.status, c.fields),
    );
  for (const c of campaigns.shape)
    answer(`checkCampaign ${c.name}`, E('checkCampaign'), () =>
      engine.checkCampaign(c.body, { partial: c.partial }),
    );
  for (const c of campaigns.launch) {
    const o = c.options;
    const options = {
      nowMs: ms(o.now),
      scheduleAtMs: o.scheduleAt ? ms(o.scheduleAt) : null,
      ...(o.until ? { untilMs: ms(o.until) } : {}),
    };
    answer(`launchCheck ${c.name}`, E('launchCheck'), () =>
      engine.launchCheck(c.campaign, options),
    );
  }
  thrown('campaignTransition bad status', 'invalid_status', () =>
    engine.campaignTransition('gone', 'start'),
  );
  thrown('campaignTransition bad action', 'invalid_action', () =>
    engine.campaignTransition('ready', 'launch'),
  );
  thrown('campaignEditable bad fields', 'invalid_fields', () =>
    engine.campaignEditable('ready', 'title'),
  );
  thrown('launchCheck without now', 'invalid_now', () =>
    engine.launchCheck({}, { scheduleAtMs: null }),
  );
  thrown('checkCampaign bad options', 'invalid_options', () =>
    engine.checkCampaign({}, { partial: 'yes' }),
  );
  for (const c of fatigue.capping)
    answer(`checkFrequencyCapping ${c.name}`, E('checkFrequencyCapping'), () =>
      engine.checkFrequencyCapping(c.settings),
    );
  for (const c of fatigue.addPeriod)
    answer(`addPeriod ${c.from} ${c.n} ${c.unit}`, E('addPeriod'), () =>
      engine.addPeriod(ms(c.from), c.n, c.unit),
    );
  thrown('addPeriod bad unit', 'invalid_period', () => engine.addPeriod(0, 1, 'years'));
  const atOf = (ledger) =>
    ledger.map((s) => ({ ...s, at: typeof s.at === 'string' ? ms(s.at) : s.at }));
  for (const c of fatigue.decisions) {
    answer(`fatigueDecision ${c.name}`, E('fatigueDecision'), () =>
      engine.fatigueDecision(c.policy, atOf(c.ledger), ms(c.sendAt)),
    );
  }
  answer('fatigueBatch', E('fatigueBatch'), () =>
    engine.fatigueBatch(
      fatigue.decisions[0].policy,
      fatigue.decisions.map((c) => atOf(c.ledger)),
      NOW,
    ),
  );
  thrown('fatigueBatch bad ledgers', 'invalid_ledger', () =>
    engine.fatigueBatch(fatigue.decisions[0].policy, 'x', NOW),
  );
  thrown('fatigueDecision bad policy', 'invalid_policy', () =>
    engine.fatigueDecision({ campaign: 5 }, [], NOW),
  );
  thrown('fatigueDecision bad send time', 'invalid_send_at', () =>
    engine.fatigueDecision(fatigue.decisions[0].policy, [], Number.NaN),
  );

  for (const c of [...cohorts.invalid, ...cohorts.valid]) {
    answer(`validateCohort ${c.name}`, E('validateCohort'), () => engine.validateCohort(c.rule));
    const compiled = engine.compileCohort(c.rule);
    answer(`compileCohort ${c.name}`, E('compileCohort'), () =>
      compiled.ok ? { ok: true, cohort: {} } : compiled,
    );
    if (compiled.ok) compiled.cohort.dispose();
  }
  for (const c of [...cohorts.match, ...cohorts.needs]) {
    const compiled = engine.compileCohort(c.rule);
    assert.ok(compiled.ok, c.name);
    const { cohort } = compiled;
    const members = (c.members ?? [{}]).map((m, i) => ({
      id: `u${i}`,
      properties: {},
      events: [],
      ...m,
    }));
    answer(`needs ${c.name}`, "ReturnType<H.CompiledCohort['needs']>", () => cohort.needs(NOW));
    answer(`matches ${c.name}`, "ReturnType<H.CompiledCohort['matches']>", () =>
      cohort.matches(members[0], NOW),
    );
    answer(`matchBatch ${c.name}`, "ReturnType<H.CompiledCohort['matchBatch']>", () =>
      cohort.matchBatch(members, NOW),
    );
    answer(`matchBatchJson ${c.name}`, "ReturnType<H.CompiledCohort['matchBatchJson']>", () =>
      cohort.matchBatchJson(JSON.stringify(members), NOW),
    );
    answer(`triageBatch ${c.name}`, "ReturnType<H.CompiledCohort['triageBatch']>", () =>
      cohort.triageBatch(members, NOW),
    );
    answer(`triageBatchJson ${c.name}`, "ReturnType<H.CompiledCohort['triageBatchJson']>", () =>
      cohort.triageBatchJson(JSON.stringify(members), NOW),
    );
    answer(`matchesCohort ${c.name}`, E('matchesCohort'), () =>
      engine.matchesCohort(c.rule, members[0], NOW),
    );
    thrown(`matchBatchJson bad text ${c.name}`, 'invalid_members', () =>
      cohort.matchBatchJson('{}', NOW),
    );
    thrown(`matches bad now ${c.name}`, 'invalid_now', () =>
      cohort.matches(members[0], Number.NaN),
    );
    cohort.dispose();
    thrown(`needs after dispose ${c.name}`, 'disposed', () => cohort.needs(NOW));
  }
  thrown('matchesCohort bad rule', 'invalid_rule', () =>
    engine.matchesCohort({ all: [] }, { id: 'u', properties: {}, events: [] }, NOW),
  );
  answer('cohortOperators', E('cohortOperators'), () => engine.cohortOperators());
}

function tsLiteral(value) {
  // JSON is a TypeScript expression; undefined (absent) never occurs in answers.
  return JSON.stringify(value);
}

test('every answer the engine gives fits its declared type (tsc, strict, no DOM lib)', () => {
  collect();
  assert.ok(seen.length > 800, `corpus of ${seen.length} answers`);
  const lines = [
    "import type * as H from 'hookcast';",
    'type Thrown = { code: H.HookcastErrorCode; problems: H.Problem[]; message: string };',
    // A compiled handle is a class instance: only the ok-branch's shape is checked here.
    'type Compiled<T> = T extends { ok: true } ? { ok: true; [k: string]: unknown } : T;',
  ];
  seen.forEach((s, i) => {
    lines.push(`// ${s.label.replace(/\s+/g, ' ')}`);
    if (s.thrown) lines.push(`export const t${i}: Thrown = ${tsLiteral(s.thrown)};`);
    else if (/'compile(Cohort)?'/.test(s.type))
      lines.push(`export const v${i}: Compiled<${s.type}> = ${tsLiteral(s.value)};`);
    else lines.push(`export const v${i}: ${s.type} = ${tsLiteral(s.value)};`);
  });
  const dir = makeProject();
  try {
    fs.writeFileSync(path.join(dir, 'shapes.ts'), `${lines.join('\n')}\n`);
    const { ok, output } = typecheck(dir, ['shapes.ts'], {
      ...STRICT,
      ...RESOLUTIONS.nodenext,
      lib: ['es2023'],
      types: ['node'],
    });
    // Name the corpus entry beside each tsc error line.
    const explained = output.replace(
      /shapes\.ts\((\d+),\d+\)/g,
      (m, line) => `${m} [${lines[Number(line) - 2] ?? ''}]`,
    );
    assert.ok(ok, explained.slice(0, 6000));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
