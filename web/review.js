// Step 3, review: the stored webhook as the exact request one user gets,
// as cURL (with copy) and as a table. The worker renders it with the same
// engine from the stored profile (POST /v1/campaigns/:key/preview).
import { html, useEffect, useRef, useState, CopyButton, Problems } from './ui.js';
import { api } from './api.js';
import { RecipientPicker } from './recipient.js';

const SECTION = { request: 'Request', params: 'Query parameters', headers: 'Headers', body: 'Body' };

/** A rendered request as cURL or as a table. */
export function RequestView({ preview }) {
  const [view, setView] = useState('curl');
  const pre = useRef(null);
  if (!preview) return null;
  if (!preview.ok) return html`<div><p class="problem-text">This request cannot be sent for this user:</p><${Problems} list=${preview.problems} /></div>`;
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
    ${view === 'curl' ? html`<pre class="mono curl" ref=${pre} tabindex="0" id="review-curl">${preview.curl}</pre>`
      : html`<table class="request-table" id="review-table">${[...groups].map(([section, rows]) => html`<tbody data-section=${section}>
          <tr><th colspan="2" scope="colgroup" class="section">${SECTION[section] ?? section}</th></tr>
          ${rows.map((r) => (section === 'body' ? html`<tr><td colspan="2"><pre class="mono body-value">${r.value}</pre></td></tr>`
            : html`<tr><th scope="row" class="mono">${r.key}</th><td class="mono value">${r.value}</td></tr>`))}</tbody>`)}</table>`}
    <${Problems} list=${(preview.problems ?? []).filter((p) => p.severity === 'warning')} />
  </div>`;
}

/** Step 3: the stored webhook as one chosen user's request. */
export function ReviewStep({ campaign, path }) {
  const [who, setWho] = useState(null);
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!who) { setPreview(null); return; }
    api('POST', `${path}/preview`, who.body).then((r) => {
      if (r.ok) { setPreview(r.data); setError(''); } else { setPreview(r.problems.length ? { ok: false, problems: r.problems } : null); setError(r.error.message); }
    });
  }, [JSON.stringify(who?.body)]);
  return html`<div class="step-grid">
    <section class="card" aria-labelledby="review-title">
      <h2 id="review-title">Review webhook content</h2>
      <p class="muted">The saved webhook, personalized for one user exactly as it will be sent.</p>
      <${RecipientPicker} idPrefix="review" eventKey=${campaign.send?.type === 'event' ? campaign.send.event : undefined} onChange=${setWho} />
    </section>
    <section class="card" aria-labelledby="review-request-title">
      <h2 id="review-request-title">Request${who ? ` for ${who.label}` : ''}</h2>
      ${error && !preview ? html`<p class="problem-text" role="alert">${error}</p>` : null}
      ${preview ? html`<${RequestView} preview=${preview} />` : html`<p class="empty">Choose a user to see their request.</p>`}
    </section>
  </div>`;
}
