// Step 2, the webhook composer: URL, method, query parameters, headers (with
// the fixed Content-Type row), JSON body (none for GET). Every keystroke goes
// to the wasm engine: validate + render for the sample user, problems shown
// next to the field they name, the cURL preview beside it. While a person is
// mid-word (an unclosed tag, half-typed JSON) the last good preview stays,
// marked stale, instead of vanishing. The {…} button beside each field opens
// the Add Personalization Variable modal. Content is read-only while the
// status does not allow edits (the engine's rule), with the reason.
import {
  html,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  CopyButton,
  Problems,
  formatMs,
} from './ui.js';
import { editability } from './editability.js';
import { PersonalizeModal, loadProperties } from './personalize.js';
import { localHttpAllowed } from './local_http.js';
import { keepDraft, takeDraft } from './drafts.js';
import { AudiencePreview, useAudienceSample } from './audience_sample.js';
import { ResendFailed } from './resend_failed.js';
import { unknownPropertyHints } from './property_hints.js';
import { client } from './client.js';
import { capabilities, vocabulary } from './engine.js';

/** The campaign's webhook as an editable draft (every field a string). */
export function draftOf(webhook) {
  const rows = (v) =>
    Array.isArray(v)
      ? v.map((r) => ({ key: String(r?.key ?? ''), value: String(r?.value ?? '') }))
      : [];
  return {
    url: webhook?.url ?? '',
    method: webhook?.method ?? 'POST',
    params: rows(webhook?.params),
    headers: rows(webhook?.headers),
    body: webhook?.body ?? '',
  };
}

/** A sample user and event built from the examples GET /v1/properties shows. */
export function sampleContext(props, eventKey) {
  const user = { id: 'sample-user', properties: {} };
  for (const p of props?.user ?? [])
    if (p.example !== undefined) user.properties[p.name] = p.example;
  const ev = (props?.events ?? []).find((e) => e.key === eventKey) ?? (props?.events ?? [])[0];
  const event = { key: ev?.key ?? eventKey ?? 'event', properties: {} };
  for (const p of ev?.properties ?? [])
    if (p.example !== undefined) event.properties[p.name] = p.example;
  return { user, event };
}

/** The input's element id for a field path ("headers[0].value" → "f-headers-0--value"). */
const fieldId = (path) => `f-${path.replace(/[^\w]/g, '-')}`;

/** Field path → human label, for the modal and the problem list. */
function labelOf(path) {
  const m = /^(params|headers)\[(\d+)\]\.(key|value)$/.exec(path);
  if (m)
    return `${m[1] === 'params' ? 'Parameter' : 'Header'} ${Number(m[2]) + 1} ${m[3] === 'key' ? 'name' : 'value'}`;
  return { url: 'the URL', body: 'the body', method: 'the method' }[path] ?? path;
}

/**
 * Runs the engine on a spec: problems (validation + this context's render)
 * and, when it renders, the request and its cURL: one coarse call (engine.preview).
 */
export function runEngine(engine, spec, context, options) {
  const r = engine.preview(spec, context, options);
  return { problems: r.problems, ok: r.ok, request: r.request, curl: r.curl ?? '' };
}

/**
 * Specs at least this large are checked after the keystroke's frame rather
 * than inside it (one check of a 100 KB body costs tens of milliseconds):
 * the typed character shows at once, the preview follows, and keys typed
 * meanwhile are checked together.
 */
const DEFER_CHARS = 16 * 1024;
const sizeOf = (d) =>
  d.url.length +
  d.body.length +
  d.params.reduce((n, r) => n + r.key.length + r.value.length, 0) +
  d.headers.reduce((n, r) => n + r.key.length + r.value.length, 0);

/** The engine's result for the draft: in the render for small specs, just after it for large ones. */
function useChecked(engine, draft, context, options) {
  const deferred = sizeOf(draft) >= DEFER_CHARS;
  const [late, setLate] = useState(null);
  const now = useMemo(() => {
    if (!engine || deferred) return null;
    const t0 = performance.now();
    return { ...runEngine(engine, draft, context, options), ms: performance.now() - t0 };
  }, [engine, draft, context, options, deferred]);
  useEffect(() => {
    if (!engine || !deferred) return undefined;
    const timer = setTimeout(() => {
      const t0 = performance.now();
      setLate({ ...runEngine(engine, draft, context, options), ms: performance.now() - t0, draft });
    }, 0);
    return () => clearTimeout(timer);
  }, [engine, draft, context, options, deferred]);
  if (!deferred) return { result: now, pending: false };
  return { result: late, pending: late?.draft !== draft };
}

/**
 * The "unknown property" hints of the draft: in the render for small specs,
 * after the keystroke's frame for large ones (listing a 100 KB body's
 * variables costs milliseconds the key press should not wait for).
 */
function useHints(engine, draft, props, eventKey) {
  const deferred = sizeOf(draft) >= DEFER_CHARS;
  const now = useMemo(
    () => (deferred ? null : unknownPropertyHints(engine, draft, props, eventKey)),
    [engine, draft, props, eventKey, deferred],
  );
  const [late, setLate] = useState([]);
  useEffect(() => {
    if (!deferred) return undefined;
    const timer = setTimeout(
      () => setLate(unknownPropertyHints(engine, draft, props, eventKey)),
      0,
    );
    return () => clearTimeout(timer);
  }, [engine, draft, props, eventKey, deferred]);
  return now ?? late;
}

/** Step 2: the webhook composer with its live preview and the {…} personalization modal. */
export function WebhookStep({ campaign, engine, patch }) {
  const [draft, setDraft] = useState(() =>
    takeDraft(campaign.key, 'webhook', campaign.webhook ?? null, draftOf(campaign.webhook)),
  );
  const [props, setProps] = useState(null);
  const [modal, setModal] = useState(null); // { path, start, end }
  const [saved, setSaved] = useState({ text: '', problems: [] });
  const [allowLocal, setAllowLocal] = useState(false);
  // Rows added and not typed into yet: their problems wait until they are.
  const [fresh, setFresh] = useState({ params: [], headers: [] });
  const focusNext = useRef(null); // the field to focus after the next render (a row just added)
  const lastGood = useRef(null);
  const inputs = useRef({});
  const caret = useRef(null); // where the caret goes once the modal has closed after an insert
  const openedFor = useRef(''); // the field whose {…} opened the modal

  useEffect(() => {
    loadProperties().then(setProps);
    localHttpAllowed().then(setAllowLocal);
  }, []);
  // Messages that failed with the webhook as it was: offered again once an edit is saved.
  const [failed, setFailed] = useState(0);
  // Only where the engine says failed messages can be resent.
  const resends = Boolean(capabilities(engine, campaign)?.resendsFailed);
  const loadFailed = () => {
    if (resends) client.stats(campaign.key).then((r) => r.ok && setFailed(r.data.failed));
  };
  useEffect(loadFailed, [campaign.key, resends]);
  const edit = editability(engine, campaign.status, ['webhook']);
  // While the engine loads no rule is known: nothing is offered for editing yet.
  const readOnly = !edit?.ok;
  const eventKey = campaign.send?.type === 'event' ? campaign.send.event : undefined;
  const context = useMemo(() => sampleContext(props, eventKey), [props, eventKey]);

  const options = useMemo(() => (allowLocal ? { allowLocalHttp: true } : undefined), [allowLocal]);
  const audience = useAudienceSample(campaign, context.event);
  const { result, pending } = useChecked(engine, draft, context, options);
  if (result?.ok) lastGood.current = result;
  const methods = vocabulary(engine).methods;

  const hints = useHints(engine, draft, props, eventKey);
  const isFresh = (field) => {
    const m = /^(params|headers)\[(\d+)\]/.exec(field ?? '');
    return Boolean(m && fresh[m[1]][Number(m[2])]);
  };
  const problems = [
    ...(result?.problems ?? []).filter((p) => !isFresh(p.field)),
    ...hints,
    ...saved.problems.map((p) => ({ ...p, field: p.field.replace(/^webhook\./, '') })),
  ];
  // In the commit that shows the new row, so the next key lands in it.
  useLayoutEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(fieldId(focusNext.current))?.focus();
    focusNext.current = null;
  });
  const addRow = (kind) => {
    change((d) => d[kind].push({ key: '', value: '' }));
    setFresh((f) => ({
      ...f,
      [kind]: [
        ...f[kind].slice(0, draft[kind].length),
        ...Array(Math.max(0, draft[kind].length - f[kind].length)).fill(false),
        true,
      ],
    }));
    focusNext.current = `${kind}[${draft[kind].length}].key`; // typing goes on in the new row
  };
  const removeRow = (kind, i) => {
    change((d) => d[kind].splice(i, 1));
    setFresh((f) => ({ ...f, [kind]: f[kind].filter((_, j) => j !== i) }));
  };
  const at = (path) => problems.filter((p) => p.field === path);
  const change = (fn) =>
    setDraft((d) => {
      const n = structuredClone(d);
      fn(n);
      return n;
    });
  const setField = (path, value) => {
    const m = /^(params|headers)\[(\d+)\]\.(key|value)$/.exec(path);
    change((d) => {
      if (m) d[m[1]][Number(m[2])][m[3]] = value;
      else d[path] = value;
    });
    if (m)
      setFresh((f) => ({ ...f, [m[1]]: f[m[1]].map((x, j) => (j === Number(m[2]) ? false : x)) }));
  };
  const valueAt = (path) => {
    const m = /^(params|headers)\[(\d+)\]\.(key|value)$/.exec(path);
    return m ? draft[m[1]][Number(m[2])][m[3]] : draft[path];
  };

  const openModal = (path) => {
    const el = inputs.current[path];
    const v = valueAt(path);
    openedFor.current = path;
    setModal({ path, start: el?.selectionStart ?? v.length, end: el?.selectionEnd ?? v.length });
  };
  const insert = (text) => {
    const { path, start, end } = modal;
    const v = valueAt(path);
    setField(path, v.slice(0, start) + text + v.slice(end));
    caret.current = { path, at: start + text.length };
    setModal(null);
  };
  /**
   * Where the focus goes as the modal closes: the field the tag went into,
   * caret after the tag; or, closed without inserting, the {…} that opened it
   * (looked up now: a re-render may have replaced the button it started from).
   */
  const backToField = () => {
    const c = caret.current;
    caret.current = null;
    // By id, not through `inputs`: this runs inside the commit that closes
    // the modal, where a field's ref callback may be between null and the element.
    const el = c && document.getElementById(fieldId(c.path));
    if (!el) return document.querySelector(`[data-var-for="${CSS.escape(openedFor.current)}"]`);
    el.focus();
    el.setSelectionRange(c.at, c.at);
    return el;
  };

  const save = async () => {
    const res = await patch({ webhook: draft });
    // The stored campaign's own problems (the answer's campaign.problems) say whether it can be sent.
    const blocking = (res.data?.campaign?.problems ?? res.problems).filter(
      (p) => p.severity !== 'warning',
    ).length;
    setSaved({
      text: res.ok
        ? blocking
          ? `Saved as a draft: ${blocking === 1 ? '1 problem' : `${blocking} problems`} to fix before it can start.`
          : 'Saved.'
        : res.error.message,
      problems: res.ok ? [] : res.problems,
    });
  };
  const dirty = JSON.stringify(draft) !== JSON.stringify(draftOf(campaign.webhook));
  useEffect(
    () => keepDraft(campaign.key, 'webhook', campaign.webhook ?? null, draft, dirty),
    [draft, dirty],
  );

  /** A text input (or textarea) with its {…} button and its problems. */
  const text = (path, { area = false, label, placeholder, disabled = false } = {}) => {
    const id = fieldId(path);
    const list = at(path);
    const attrs = {
      id,
      class: `mono ${list.some((p) => p.severity === 'error') ? 'has-error' : list.length ? 'has-warning' : ''}`,
      value: valueAt(path),
      spellcheck: false,
      autocomplete: 'off',
      placeholder,
      readOnly,
      disabled,
      'aria-invalid': list.some((p) => p.severity === 'error') ? 'true' : undefined,
      'aria-describedby': list.length ? `${id}-problems` : undefined,
      'aria-label': label,
      'data-field': path,
      ref: (el) => {
        inputs.current[path] = el;
      },
      onInput: (e) => setField(path, e.currentTarget.value),
    };
    return html`<div class="with-var">
      ${area ? html`<textarea rows="10" ...${attrs}></textarea>` : html`<input type="text" ...${attrs} />`}
      <button type="button" class="var-button" title=${`Add a personalization variable to ${labelOf(path)}`} aria-label=${`Add personalization variable to ${labelOf(path)}`}
        disabled=${readOnly || disabled} data-var-for=${path} onClick=${() => openModal(path)}>{…}</button>
    </div><${Problems} list=${list} id=${`${id}-problems`} />`;
  };

  const rows = (kind) => html`<fieldset class="kv" id=${`${kind}-set`}>
    <legend>${kind === 'params' ? 'Query parameters' : 'Headers'}</legend>
    ${
      kind === 'headers'
        ? html`<div class="kv-row fixed"><input value="Content-Type" readOnly tabindex="-1" aria-label="Fixed header name" class="mono" />
      <input value="application/json" readOnly tabindex="-1" aria-label="Fixed header value" class="mono" />
      <span class="lock" title="Every request is sent as JSON; this header cannot be changed">fixed</span></div>`
        : null
    }
    ${draft[kind].map(
      (
        _,
        i,
      ) => html`<div class="kv-row" role="group" aria-label=${`${kind === 'params' ? 'Parameter' : 'Header'} ${i + 1}`}>
      <div>${text(`${kind}[${i}].key`, { label: labelOf(`${kind}[${i}].key`), placeholder: 'name' })}</div>
      <div>${text(`${kind}[${i}].value`, { label: labelOf(`${kind}[${i}].value`), placeholder: 'value' })}</div>
      <button type="button" class="icon-button" disabled=${readOnly} aria-label=${`Remove ${labelOf(`${kind}[${i}].key`).replace(/ name$/, '')}`}
        onClick=${() => removeRow(kind, i)}>×</button>
    </div>`,
    )}
    <${Problems} list=${problems.filter((p) => p.field === kind || new RegExp(`^${kind}\\[\\d+\\]$`).test(p.field))} />
    <button type="button" class="secondary small" id=${`add-${kind}`} disabled=${readOnly}
      onClick=${() => addRow(kind)}>+ Add ${kind === 'params' ? 'parameter' : 'header'}</button>
  </fieldset>`;

  const shown = result?.ok ? result : lastGood.current;
  const stale = Boolean(result && !result.ok && shown);
  const errors = (result?.problems ?? []).filter(
    (p) => p.severity === 'error' && !isFresh(p.field),
  ).length;
  return html`<div class="composer">
    <form class="card compose" onSubmit=${(e) => {
      e.preventDefault();
      save();
    }} aria-labelledby="webhook-title">
      <h2 id="webhook-title">Webhook settings</h2>
      ${edit && !edit.ok ? html`<p class="why" id="readonly-why">${edit.message}</p>` : null}
      <div class="url-row">
        <div class="field"><label for="f-method">Method</label>
          <select id="f-method" value=${draft.method} disabled=${readOnly} data-field="method" onChange=${(e) => setField('method', e.currentTarget.value)}>
            ${methods.map((m) => html`<option>${m}</option>`)}</select></div>
        <div class="field grow"><label for="f-url">URL <span class="hint">(required, HTTPS)</span></label>${text('url', { placeholder: 'https://api.example.com/hooks/{{ user.id }}' })}</div>
      </div>
      <${Problems} list=${at('method')} />
      ${rows('params')}
      ${rows('headers')}
      <div class="field"><label for="f-body">JSON body <span class="hint">(UTF-8)</span></label>
        ${draft.method === 'GET' ? html`<p class="note">GET requests have no body.${draft.body ? html` <button type="button" class="link" disabled=${readOnly} onClick=${() => setField('body', '')}>Clear the body</button>` : null}</p>` : null}
        ${text('body', { area: true, disabled: draft.method === 'GET', placeholder: '{"name": "{{ user.first_name | default: "there" }}"}' })}</div>
      <div class="actions sticky-actions"><button type="submit" class="primary" id="save-webhook" disabled=${readOnly || !dirty}>Save webhook</button>
        <span role="status" class="muted" id="save-status">${dirty ? 'Unsaved changes.' : saved.text}</span></div>
      ${!dirty ? html`<${ResendFailed} campaign=${campaign} engine=${engine} failed=${failed} onResent=${loadFailed} />` : null}
    </form>
    <aside class="card preview" aria-labelledby="preview-title">
      <div class="card-head"><h2 id="preview-title">Preview</h2><${CopyButton} text=${shown?.curl ?? ''} label="Copy cURL" /></div>
      <p class="summary" data-state=${errors ? 'error' : 'ok'} role="status">${!result ? 'Loading the engine…' : errors ? `${errors} problem${errors === 1 ? '' : 's'} to fix before this can be sent.` : 'No problems: ready to send.'}</p>
      <p class="muted small-text">For a sample user made from the example values this workspace has seen. Step 3 previews any stored user.</p>
      ${stale ? html`<p class="stale-note" id="stale-note">Showing the last valid preview: it updates when the problems are fixed.</p>` : null}
      ${
        shown
          ? html`<pre class=${`mono curl ${stale ? 'stale' : ''}`} id="curl" tabindex="0" aria-label="cURL command">${shown.curl}</pre>`
          : html`<p class="empty">${draft.url.trim() ? 'No preview yet: fix the problems in the form first.' : 'No preview yet: fill in the URL.'}</p>`
      }
      <${AudiencePreview} engine=${engine} spec=${draft} options=${options} contexts=${audience.contexts} cohort=${audience.cohort} />
      <p class="muted small-text" id="timing" data-pending=${String(pending)}>${result ? `Checked by the engine in ${formatMs(result.ms)}${pending ? ' · checking your latest change…' : ''}` : ''}</p>
    </aside>
    ${modal ? html`<${PersonalizeModal} fieldLabel=${labelOf(modal.path)} eventKey=${eventKey} onInsert=${insert} onClose=${() => setModal(null)} returnFocus=${backToField} />` : null}
  </div>`;
}
