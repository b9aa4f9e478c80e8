// hookcast dashboard: boots the wasm engine and, on every keystroke, runs
// validate + variables + render + toCurl + toTable through it and shows the
// results. No rule lives here: the engine decides, the page displays.
import { byId, formatMs, store } from './dom.js';
import { COHORT_LIMIT, createCohort } from './cohort.js';
import { createEditor } from './editor.js';
import { exampleState } from './example.js';
import { createPreview } from './preview.js';
import { createTestSend } from './testsend.js';

const STATE_STORE = 'hookcast.dashboard.v1';
const LOCAL_HTTP_STORE = 'hookcast.allowLocalHttp';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

let engine = null;
let state = loadState();
let lastRender = null; // the last successful render's request, for "Send test"
let resetUndo = null;
let allowLocalHttp = store.get(LOCAL_HTTP_STORE) === 'true';

const editor = createEditor({ onChange: update });
const preview = createPreview({ focusField: (path) => editor.focusField(path) });
createTestSend({ getPayload });
const cohort = createCohort({ onUse: useRecipient });
editor.load(state);
setupLocalHttp();

byId('reset').addEventListener('click', () => {
  resetUndo = JSON.stringify(state);
  state = exampleState();
  editor.load(state);
  update();
  const undo = byId('undo-reset');
  undo.hidden = false;
  byId('reset').focus();
});
byId('undo-reset').addEventListener('click', (event) => {
  if (!resetUndo) return;
  state = JSON.parse(resetUndo);
  resetUndo = null;
  event.currentTarget.hidden = true;
  editor.load(state);
  update();
  byId('reset').focus();
});

boot();

async function boot() {
  const status = byId('engine-status');
  const t0 = performance.now();
  try {
    // Imported dynamically so a missing build shows a message instead of a blank page.
    const { createEngine } = await import('../src/js/browser.js');
    engine = await createEngine();
  } catch (err) {
    status.textContent = `Engine failed to load: ${err.message}. Build it with "npm run build" and reload.`;
    status.dataset.state = 'error';
    document.body.dataset.engine = 'error';
    return;
  }
  status.textContent = `Engine ready (${formatMs(performance.now() - t0)})`;
  status.dataset.state = 'ok';
  document.body.dataset.engine = 'ready';
  update();
}

/**
 * The engine's one deployment switch: http:// to loopback for local
 * development. Off by default, remembered, and visible in the top bar.
 */
function setupLocalHttp() {
  const box = byId('allow-local-http');
  const badge = byId('local-badge');
  box.checked = allowLocalHttp;
  badge.hidden = !allowLocalHttp;
  box.addEventListener('change', () => {
    allowLocalHttp = box.checked;
    badge.hidden = !allowLocalHttp;
    if (allowLocalHttp) store.set(LOCAL_HTTP_STORE, 'true');
    else store.remove(LOCAL_HTTP_STORE);
    update();
  });
}

/** The spec exactly as typed, in the engine's shape. */
function specOf(s) {
  return {
    url: s.spec.url,
    method: s.spec.method,
    params: s.spec.params.map(({ key, value }) => ({ key, value })),
    headers: s.spec.headers.map(({ key, value }) => ({ key, value })),
    body: s.spec.body,
  };
}

/**
 * The sample recipient as an engine Context. The properties boxes are JSON
 * typed by the user: a parse failure is reported on that box (a dashboard
 * input error, not a webhook rule) and that part of the context is left out.
 */
function contextOf(s) {
  const problems = [];
  const props = (text, field) => {
    if (text.trim() === '') return {};
    let value;
    try {
      value = JSON.parse(text);
    } catch (err) {
      problems.push({ field, code: 'invalid_sample_json', message: `These sample properties are not valid JSON (${err.message}).`, severity: 'error' });
      return undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ field, code: 'invalid_sample_json', message: 'Sample properties must be a JSON object, like {"first_name": "Ada"}.', severity: 'error' });
      return undefined;
    }
    return value;
  };
  const user = { id: s.context.userId };
  const userProps = props(s.context.userProperties, 'context.user.properties');
  if (userProps) user.properties = userProps;
  const event = { key: s.context.eventKey };
  const eventProps = props(s.context.eventProperties, 'context.event.properties');
  if (eventProps) event.properties = eventProps;
  return { context: { user, event }, problems };
}

function problemKey(p) {
  return `${p.field}\u0000${p.code}\u0000${p.message}`;
}

/** One keystroke's worth of work: engine calls, then the page update. */
function update() {
  saveState();
  if (!engine) return;
  const t0 = performance.now();
  const spec = specOf(state);
  const { context, problems: contextProblems } = contextOf(state);
  const { recipients, problems: cohortProblems } = cohort.parse(state.cohort);
  let validation;
  let vars;
  let rendered;
  let view = null;
  const options = allowLocalHttp ? { allowLocalHttp: true } : undefined;
  try {
    validation = engine.validate(spec, options);
    vars = engine.variables(spec);
    rendered = engine.render(spec, context, options);
    if (rendered.ok) view = { curl: engine.toCurl(rendered.request), rows: engine.toTable(rendered.request) };
  } catch (err) {
    engineFailed(err);
    return;
  }
  const t1 = performance.now();

  // The cohort: compile once, render every recipient (the fan-out path).
  let cohortResults = null;
  let cohortWhy = '';
  const shown = recipients ? recipients.slice(0, COHORT_LIMIT) : null;
  if (!shown) cohortWhy = 'Fix the cohort JSON to see the cohort preview.';
  else if (shown.length === 0) cohortWhy = 'Add recipients to the cohort (in the sample recipient card) to preview it.';
  else if (!validation.ok) cohortWhy = 'No cohort preview until the errors are fixed.';
  else {
    try {
      const compiled = engine.compile(spec, options);
      if (compiled.ok) {
        try { cohortResults = compiled.webhook.renderBatch(shown); } finally { compiled.webhook.dispose(); }
      } else {
        cohortWhy = 'No cohort preview until the errors are fixed.';
      }
    } catch (err) {
      engineFailed(err);
      return;
    }
  }
  const t2 = performance.now();

  const seen = new Set();
  const problems = [];
  for (const p of [...validation.problems, ...(rendered.ok ? rendered.warnings : rendered.problems), ...contextProblems, ...cohortProblems]) {
    const k = problemKey(p);
    if (!seen.has(k)) { seen.add(k); problems.push(p); }
  }
  const unplaced = editor.showProblems(problems);
  preview.showSummary(problems, unplaced);
  preview.showVariables(vars);
  preview.showRequest(view);
  lastRender = rendered.ok && validation.ok && contextProblems.length === 0 ? rendered.request : null;
  cohort.show(shown, cohortResults, cohortWhy);
  editor.setSuggestions(suggestions(context));
  const t3 = performance.now();

  const timing = byId('timing');
  timing.textContent = `Last keystroke: engine ${formatMs(t1 - t0)}`
    + (cohortResults ? ` · cohort of ${cohortResults.length} ${formatMs(t2 - t1)}` : '')
    + ` · page ${formatMs(t3 - t2)}`;
  timing.dataset.engineMs = (t1 - t0).toFixed(3);
}

function engineFailed(err) {
  // The engine returns problems as values; a throw here is a bug worth showing.
  byId('engine-status').textContent = `Engine error: ${err.message}`;
  byId('engine-status').dataset.state = 'error';
}

/** "Use" in the cohort preview: that recipient becomes the sample recipient. */
function useRecipient(recipient) {
  const props = (p) => (p && typeof p === 'object' ? JSON.stringify(p, null, 2) : '{}');
  state.context = {
    userId: recipient.user?.id === undefined ? '' : String(recipient.user.id),
    userProperties: props(recipient.user?.properties),
    eventKey: recipient.event?.key === undefined ? '' : String(recipient.event.key),
    eventProperties: props(recipient.event?.properties),
  };
  editor.load(state);
  update();
  byId('ctx-user-id').focus();
}

function suggestions(context) {
  const keys = (o) => (o && typeof o === 'object' ? Object.keys(o) : []);
  return {
    user: ['id', ...keys(context.user.properties)],
    event: ['key', ...keys(context.event.properties)],
  };
}

function getPayload() {
  if (!engine) return { ok: false, reason: 'The engine is not loaded yet.' };
  if (!lastRender) return { ok: false, reason: 'Fix the errors marked in the editor before sending a test.' };
  const { context } = contextOf(state);
  return { ok: true, spec: specOf(state), context };
}

function saveState() {
  store.set(STATE_STORE, JSON.stringify(state));
}

/** The saved draft, or the example when there is none or it is unreadable. */
function loadState() {
  const raw = store.get(STATE_STORE);
  if (!raw) return exampleState();
  try {
    const s = JSON.parse(raw);
    const str = (v) => (typeof v === 'string' ? v : '');
    const rows = (v) => (Array.isArray(v) ? v.filter((r) => r && typeof r === 'object').map((r) => ({ key: str(r.key), value: str(r.value) })) : []);
    return {
      spec: {
        url: str(s.spec?.url),
        method: METHODS.includes(s.spec?.method) ? s.spec.method : 'POST',
        params: rows(s.spec?.params),
        headers: rows(s.spec?.headers),
        body: str(s.spec?.body),
      },
      context: {
        userId: str(s.context?.userId),
        userProperties: str(s.context?.userProperties),
        eventKey: str(s.context?.eventKey),
        eventProperties: str(s.context?.eventProperties),
      },
      cohort: typeof s.cohort === 'string' ? s.cohort : exampleState().cohort,
    };
  } catch {
    return exampleState();
  }
}
