// A rendered request (a preview's answer) as cURL, with copy, or as a
// table by section; warnings below. Shown by Review and Test.
import { html, useRef, useState, CopyButton, Problems } from './ui.js';

const SECTION = {
  request: 'Request',
  params: 'Query parameters',
  headers: 'Headers',
  body: 'Body',
};

/** A rendered request as cURL or as a table. */
export function RequestView({ preview }) {
  const [view, setView] = useState('curl');
  const pre = useRef(null);
  if (!preview) return null;
  if (!preview.ok)
    return html`<div><p class="problem-text">This request cannot be sent for this user:</p><${Problems} list=${preview.problems} /></div>`;
  const groups = new Map();
  for (const row of preview.table ?? []) {
    if (!groups.has(row.section)) groups.set(row.section, []);
    groups.get(row.section).push(row);
  }
  return html`<div class="request-view">
    <div class="tabs" role="tablist">
      <button type="button" role="tab" aria-selected=${view === 'curl'} id="view-curl" onClick=${() => setView('curl')}>cURL</button>
      <button type="button" role="tab" aria-selected=${view === 'table'} id="view-table" onClick=${() => setView('table')}>Table</button>
      <${CopyButton} text=${preview.curl} label="Copy cURL" target=${pre} />
    </div>
    ${
      view === 'curl'
        ? html`<pre class="mono curl" ref=${pre} tabindex="0" id="review-curl">${preview.curl}</pre>`
        : html`<table class="request-table" id="review-table">${[...groups].map(
            ([section, rows]) => html`<tbody data-section=${section}>
          <tr><th colspan="2" scope="colgroup" class="section">${SECTION[section] ?? section}</th></tr>
          ${rows.map((r) =>
            section === 'body'
              ? html`<tr><td colspan="2"><pre class="mono body-value">${r.value}</pre></td></tr>`
              : html`<tr><th scope="row" class="mono">${r.key}</th><td class="mono value">${r.value}</td></tr>`,
          )}</tbody>`,
          )}</table>`
    }
    <${Problems} list=${(preview.problems ?? []).filter((p) => p.severity === 'warning')} />
  </div>`;
}
