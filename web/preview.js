// The review side: the problem summary, the variables panel, the cURL view
// (with copy) and the table view. Everything shown here comes from the
// engine's results; this file only lays them out.
import { byId, h, setChildren } from './dom.js';

const SECTION_TITLES = { request: 'Request', params: 'Query parameters', headers: 'Headers', body: 'Body' };

/**
 * @param {{ focusField: (path: string) => boolean }} hooks
 */
export function createPreview({ focusField }) {
  const summary = byId('summary');
  const summaryText = byId('summary-text');
  const summaryList = byId('summary-list');
  const varsBody = byId('vars-rows');
  const varsEmpty = byId('vars-empty');
  const curl = byId('curl');
  const curlEmpty = byId('curl-empty');
  const copy = byId('copy-curl');
  const copyStatus = byId('copy-status');
  const table = byId('request-table');
  const tableEmpty = byId('table-empty');
  let lastSummary = '';
  let curlText = '';

  function fieldButton(path) {
    return h('button', { type: 'button', class: 'link mono', on: { click: () => focusField(path) }, title: `Go to ${path}` }, path || '(spec)');
  }

  /** Problem counts, plus the full list (each entry jumps to its field). */
  function showSummary(problems, unplaced) {
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    const text = errors === 0 && warnings === 0 ? 'No problems: the request is ready to send.'
      : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`
        + (errors ? ': fix the errors to preview and send.' : '.');
    summary.dataset.state = errors ? 'error' : warnings ? 'warning' : 'ok';
    // Only touch the live region when the sentence changes, so a screen
    // reader is not interrupted on every keystroke.
    if (text !== lastSummary) { summaryText.textContent = text; lastSummary = text; }
    const unplacedSet = new Set(unplaced);
    setChildren(summaryList, problems.map((p) => h('li', { class: `problem ${p.severity}`, dataset: { code: p.code, field: p.field } },
      h('span', { class: 'badge' }, p.severity === 'error' ? 'Error' : 'Warning'),
      unplacedSet.has(p) ? h('span', { class: 'mono' }, p.field || '(spec)') : fieldButton(p.field),
      h('span', { class: 'message' }, p.message),
      h('code', { class: 'code' }, p.code))));
  }

  /** engine.variables(spec) rows: source, name, fallback, where. */
  function showVariables(vars) {
    varsEmpty.hidden = vars.length > 0;
    setChildren(varsBody, vars.map((v) => h('tr', {},
      h('td', {}, h('span', { class: `source ${v.source}` }, v.source)),
      h('td', { class: 'mono' }, v.name),
      h('td', { 'data-label': 'Fallback' }, v.fallback === null ? h('span', { class: 'muted' }, 'none') : h('span', { class: 'mono' }, JSON.stringify(v.fallback))),
      h('td', { 'data-label': 'In' }, fieldButton(v.field)))));
  }

  /** Shows the cURL command and table of a rendered request, or why there is none. */
  function showRequest(result) {
    if (!result) {
      curlText = '';
      curl.textContent = '';
      curl.hidden = true;
      curlEmpty.hidden = false;
      copy.disabled = true;
      table.hidden = true;
      tableEmpty.hidden = false;
      return;
    }
    curlText = result.curl;
    curl.textContent = result.curl;
    curl.hidden = false;
    curlEmpty.hidden = true;
    copy.disabled = false;
    copyStatus.textContent = '';
    table.hidden = false;
    tableEmpty.hidden = true;
    const groups = new Map();
    for (const row of result.rows) {
      if (!groups.has(row.section)) groups.set(row.section, []);
      groups.get(row.section).push(row);
    }
    setChildren(table, h('caption', { class: 'sr-only' }, 'The rendered request, section by section'),
      [...groups].map(([section, rows]) => h('tbody', { dataset: { section } },
        h('tr', {}, h('th', { colspan: 2, scope: 'colgroup', class: 'section' }, SECTION_TITLES[section] ?? section)),
        rows.map((row) => h('tr', { dataset: { section } },
          section === 'body'
            ? h('td', { colspan: 2 }, h('pre', { class: 'mono body-value' }, row.value))
            : [h('th', { scope: 'row', class: 'mono' }, row.key), h('td', { class: 'mono value' }, row.value === '' ? h('span', { class: 'muted' }, '(empty)') : row.value)])))));
  }

  copy.addEventListener('click', async () => {
    if (!curlText) return;
    try {
      await navigator.clipboard.writeText(curlText);
      copyStatus.textContent = 'Copied.';
    } catch {
      // Clipboard refused (permissions, insecure origin): select the text so
      // Ctrl/Cmd+C works instead.
      const range = document.createRange();
      range.selectNodeContents(curl);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      copyStatus.textContent = 'Copy blocked by the browser: the command is selected, press Ctrl+C.';
    }
  });

  return { showSummary, showVariables, showRequest };
}
