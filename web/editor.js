// The request editor: URL, method, params and headers tables, JSON body, the
// sample recipient (context), the "Insert variable" helper, and the mapping
// from a problem's `field` path to the input it names. It holds no rule of
// its own: whatever is typed goes to the engine as is, and the engine's
// problems come back here to be shown next to their field.
import { byId, h, setChildren } from './dom.js';

const KINDS = {
  params: { noun: 'parameter', Noun: 'Parameter', keyLabel: 'name', valueLabel: 'value' },
  headers: { noun: 'header', Noun: 'Header', keyLabel: 'name', valueLabel: 'value' },
};

/** Splits "headers[0].key" into ["headers", 0, "key"]; unknown shapes give []. */
export function parseFieldPath(path) {
  const out = [];
  const re = /([A-Za-z_][\w]*)|\[(\d+)\]/g;
  let m;
  let last = 0;
  while ((m = re.exec(path)) !== null) {
    if (m.index !== last && path[last] !== '.') return [];
    out.push(m[1] !== undefined ? m[1] : Number(m[2]));
    last = re.lastIndex;
  }
  return last === path.length ? out : [];
}

/**
 * Builds the editor inside the existing markup.
 * @param {{ onChange: () => void }} hooks  called after every edit of the spec or context
 */
export function createEditor({ onChange }) {
  let state = null; // { spec, context }, owned by app.js, mutated here on input
  /** field path -> { inputs: HTMLElement[], slot: HTMLUListElement } */
  const fields = new Map();
  let lastTarget = null; // the text field "Insert variable" writes into
  const form = byId('spec-form');
  const url = byId('url');
  const method = byId('method');
  const body = byId('body');
  const bodyNote = byId('body-note');
  const clearBody = byId('clear-body');
  const ctx = {
    userId: byId('ctx-user-id'),
    userProperties: byId('ctx-user-props'),
    eventKey: byId('ctx-event-key'),
    eventProperties: byId('ctx-event-props'),
  };
  const tables = { params: byId('params-rows'), headers: byId('headers-rows') };

  function register(path, input, slot) {
    const entry = fields.get(path) ?? { inputs: [], slot };
    if (input) entry.inputs.push(input);
    fields.set(path, entry);
    if (input) input.dataset.field = path;
  }

  function registerStatic() {
    register('url', url, byId('url-problems'));
    register('method', method, byId('url-problems'));
    register('body', body, byId('body-problems'));
    register('params', null, byId('params-problems'));
    register('headers', null, byId('headers-problems'));
    register('context.user.id', ctx.userId, byId('ctx-user-problems'));
    register('context.user.properties', ctx.userProperties, byId('ctx-user-problems'));
    register('context.user', null, byId('ctx-user-problems'));
    register('context.event.key', ctx.eventKey, byId('ctx-event-problems'));
    register('context.event.properties', ctx.eventProperties, byId('ctx-event-problems'));
    register('context.event', null, byId('ctx-event-problems'));
    register('context', null, byId('ctx-user-problems'));
    register('cohort', byId('cohort'), byId('cohort-problems'));
  }

  function rowElement(kind, index, row) {
    const { Noun, keyLabel, valueLabel } = KINDS[kind];
    const n = index + 1;
    const slot = h('ul', { class: 'problems', 'aria-live': 'off' });
    const key = h('input', {
      type: 'text', class: 'mono', value: row.key, spellcheck: 'false', autocomplete: 'off',
      'aria-label': `${Noun} ${n} ${keyLabel}`, placeholder: keyLabel,
    });
    const value = h('input', {
      type: 'text', class: 'mono', value: row.value, spellcheck: 'false', autocomplete: 'off',
      'aria-label': `${Noun} ${n} ${valueLabel}`, placeholder: valueLabel,
    });
    const remove = h('button', {
      type: 'button', class: 'icon-button remove', 'aria-label': `Remove ${KINDS[kind].noun} ${n}`,
      title: `Remove ${KINDS[kind].noun} ${n}`,
      on: { click: () => removeRow(kind, index) },
    }, '×');
    register(`${kind}[${index}].key`, key, slot);
    register(`${kind}[${index}].value`, value, slot);
    register(`${kind}[${index}]`, null, slot);
    return h('div', { class: 'kv-row', role: 'group', 'aria-label': `${Noun} ${n}` }, key, value, remove, slot);
  }

  function rebuildRows(kind) {
    for (const path of [...fields.keys()]) if (path.startsWith(`${kind}[`)) fields.delete(path);
    const rows = state.spec[kind];
    setChildren(tables[kind], rows.map((row, i) => rowElement(kind, i, row)));
    byId(`${kind}-empty`).hidden = rows.length > 0;
  }

  function addRow(kind) {
    state.spec[kind].push({ key: '', value: '' });
    rebuildRows(kind);
    const rows = tables[kind].querySelectorAll('.kv-row');
    rows[rows.length - 1].querySelector('input').focus();
    onChange();
  }

  function removeRow(kind, index) {
    state.spec[kind].splice(index, 1);
    rebuildRows(kind);
    // Keep the keyboard user in place: the row that moved up, else the add button.
    const rows = tables[kind].querySelectorAll('.kv-row');
    const next = rows[Math.min(index, rows.length - 1)];
    (next ? next.querySelector('.remove') : byId(`add-${kind}`)).focus();
    onChange();
  }

  function syncMethod() {
    const isGet = state.spec.method === 'GET';
    body.disabled = isGet;
    bodyNote.hidden = !isGet;
    clearBody.hidden = !(isGet && state.spec.body !== '');
  }

  function write(path, value) {
    const parts = parseFieldPath(path);
    if (path === 'cohort') {
      state.cohort = value;
    } else if (parts[0] === 'context') {
      const map = {
        'context.user.id': 'userId', 'context.user.properties': 'userProperties',
        'context.event.key': 'eventKey', 'context.event.properties': 'eventProperties',
      };
      state.context[map[path]] = value;
    } else if (parts.length === 1) {
      state.spec[parts[0]] = value;
    } else if (parts.length === 3) {
      state.spec[parts[0]][parts[1]][parts[2]] = value;
    }
  }

  const insertable = (el) => el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement;

  form.addEventListener('input', (event) => {
    const el = event.target;
    if (!el.dataset.field) return;
    write(el.dataset.field, el.value);
    if (el === method) syncMethod();
    if (el === body) syncMethod();
    onChange();
  });
  form.addEventListener('focusin', (event) => {
    const el = event.target;
    if (insertable(el) && el.dataset.field && !el.readOnly && !el.dataset.field.startsWith('context') && el.dataset.field !== 'cohort') {
      lastTarget = el;
      updateInsertTarget();
    }
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  byId('add-params').addEventListener('click', () => addRow('params'));
  byId('add-headers').addEventListener('click', () => addRow('headers'));
  clearBody.addEventListener('click', () => {
    state.spec.body = '';
    body.value = '';
    syncMethod();
    method.focus();
    onChange();
  });

  // ---- Insert variable -------------------------------------------------------
  const insSource = byId('ins-source');
  const insName = byId('ins-name');
  const insFallback = byId('ins-fallback');
  const insTarget = byId('ins-target');
  const insMessage = byId('ins-message');

  function describeTarget(el) {
    if (!el) return 'the body';
    if (el === url) return 'the URL';
    if (el === body) return 'the body';
    return el.getAttribute('aria-label')?.toLowerCase() ?? 'the field';
  }
  function updateInsertTarget() {
    insTarget.textContent = describeTarget(currentTarget());
  }
  function currentTarget() {
    if (lastTarget && lastTarget.isConnected && !lastTarget.disabled) return lastTarget;
    return body.disabled ? url : body;
  }

  /** The Liquid text for a variable; the engine parses it (and reports what it rejects). */
  function variableText(source, name, fallback) {
    const plain = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name);
    const path = plain ? `${source}.${name}` : `${source}[${name.includes('"') ? `'${name}'` : `"${name}"`}]`;
    if (fallback === '') return `{{ ${path} }}`;
    const literal = /^-?(0|[1-9]\d*)(\.\d+)?$/.test(fallback)
      ? fallback
      : fallback.includes('"') ? `'${fallback}'` : `"${fallback}"`;
    return `{{ ${path} | default: ${literal} }}`;
  }

  function insertVariable() {
    const name = insName.value.trim();
    const fallback = insFallback.value;
    if (name === '') {
      insMessage.textContent = 'Type the property name first (for example first_name).';
      insName.focus();
      return;
    }
    if (fallback.includes('"') && fallback.includes("'")) {
      insMessage.textContent = 'A fallback text can hold double or single quotes, not both.';
      insFallback.focus();
      return;
    }
    const el = currentTarget();
    const text = variableText(insSource.value, name, fallback);
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    el.focus();
    el.setRangeText(text, start, end, 'end');
    el.dispatchEvent(new Event('input', { bubbles: true }));
    insMessage.textContent = `Inserted ${text} into ${describeTarget(el)}.`;
  }
  byId('ins-button').addEventListener('click', insertVariable);
  for (const el of [insName, insFallback]) {
    el.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') { event.preventDefault(); insertVariable(); }
    });
  }
  insSource.addEventListener('change', () => suggestNames());

  let suggestions = { user: [], event: [] };
  function suggestNames() {
    const names = suggestions[insSource.value] ?? [];
    setChildren(byId('ins-names'), names.map((n) => h('option', { value: n })));
  }

  // ---- Problems ------------------------------------------------------------------
  /** Finds the registered slot for a path, walking up: params[2].value -> params[2] -> params. */
  function lookup(path) {
    let p = path;
    while (p) {
      if (fields.has(p)) return fields.get(p);
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) break;
      p = p.slice(0, cut);
    }
    return null;
  }

  let problemSeq = 0;
  /**
   * Shows each problem next to the input its `field` names (message + code,
   * error or warning style, aria-invalid/aria-describedby on the input).
   * @returns {object[]} problems that name no field on this page
   */
  function showProblems(problems) {
    const slots = new Set();
    for (const entry of fields.values()) {
      slots.add(entry.slot);
      for (const input of entry.inputs) {
        input.removeAttribute('aria-invalid');
        input.classList.remove('has-error', 'has-warning');
        input.removeAttribute('aria-describedby');
      }
    }
    for (const slot of slots) slot.replaceChildren();
    const unplaced = [];
    const described = new Map();
    for (const p of problems) {
      const entry = lookup(p.field);
      if (!entry) { unplaced.push(p); continue; }
      const id = `problem-${++problemSeq}`;
      const exact = fields.get(p.field);
      const part = /\.key$/.test(p.field) ? 'Name: ' : /\]\.value$/.test(p.field) ? 'Value: ' : '';
      entry.slot.append(problemItem(p, id, part));
      const targets = exact ? exact.inputs : entry.inputs;
      for (const input of targets) {
        if (p.severity === 'error') input.setAttribute('aria-invalid', 'true');
        input.classList.add(p.severity === 'error' ? 'has-error' : 'has-warning');
        described.set(input, [...(described.get(input) ?? []), id]);
      }
    }
    for (const [input, ids] of described) input.setAttribute('aria-describedby', ids.join(' '));
    return unplaced;
  }

  /** Moves focus to the input a problem or variable names. */
  function focusField(path) {
    const entry = lookup(path);
    const input = entry?.inputs.find((i) => !i.disabled) ?? entry?.slot;
    if (!input) return false;
    input.scrollIntoView({ block: 'center', behavior: 'smooth' });
    input.focus({ preventScroll: true });
    return true;
  }

  /** Puts a whole state into the inputs (boot, reset). */
  function load(next) {
    state = next;
    url.value = state.spec.url;
    method.value = state.spec.method;
    body.value = state.spec.body;
    ctx.userId.value = state.context.userId;
    ctx.userProperties.value = state.context.userProperties;
    ctx.eventKey.value = state.context.eventKey;
    ctx.eventProperties.value = state.context.eventProperties;
    byId('cohort').value = state.cohort;
    rebuildRows('params');
    rebuildRows('headers');
    syncMethod();
    lastTarget = null;
    updateInsertTarget();
  }

  registerStatic();
  return {
    load,
    showProblems,
    focusField,
    /** Names offered by the "Insert variable" name box (from the sample recipient). */
    setSuggestions(next) {
      suggestions = next;
      suggestNames();
    },
    /** Field paths currently on the page (for tests and debugging). */
    fieldPaths: () => [...fields.keys()],
  };
}

function problemItem(p, id, part) {
  return h('li', { id, class: `problem ${p.severity === 'error' ? 'error' : 'warning'}`, dataset: { code: p.code, field: p.field } },
    h('span', { class: 'badge' }, p.severity === 'error' ? 'Error' : 'Warning'),
    h('span', { class: 'message' }, part + p.message),
    h('code', { class: 'code' }, p.code));
}
