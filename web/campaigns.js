// The campaign list: key, title, status, send type and the latest counts;
// search by key or title; "+ Create campaign" (a title is all it needs: the
// worker assigns the key, and the campaign opens at Step 1).
import {
  html,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  Problems,
  plural,
  problemsFor,
} from './ui.js';
import { client } from './client.js';
import { capabilities } from './engine.js';
import { SEND_TYPE, STATUS } from './words.js';

const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + (Number(b) || 0), 0);

/** The stats summary of a list row (the list carries each campaign's stats). */
function StatsCell({ stats }) {
  const suppressed = sum(stats.suppressed);
  return html`<span class="stats-cell">${stats.sent} sent · ${stats.delivered} delivered · <span class=${stats.failed ? 'error-text' : ''}>${stats.failed} failed</span> · ${suppressed} held back</span>`;
}

/** The campaign list page: search, + Create campaign, a row per campaign. */
export function CampaignList({ engine }) {
  const [campaigns, setCampaigns] = useState(null);
  const [error, setError] = useState('');
  const [query, setQuery] = useState('');
  const [creating, setCreating] = useState(false);

  const load = async () => {
    const res = await client.campaigns();
    if (res.ok) {
      setCampaigns(res.data?.campaigns ?? []);
      setError('');
    } else setError(res.error.message);
  };
  useEffect(() => {
    load();
  }, []);

  const q = query.trim().toLowerCase();
  const shown = (campaigns ?? []).filter(
    (c) => !q || c.key.toLowerCase().includes(q) || (c.title ?? '').toLowerCase().includes(q),
  );
  return html`<section class="page">
    <div class="page-head">
      <h1>Webhook campaigns</h1>
      <button type="button" class="primary" id="create-campaign" onClick=${() => setCreating(true)}>+ Create campaign</button>
    </div>
    ${creating ? html`<${CreateForm} onCancel=${() => setCreating(false)} />` : null}
    <div class="field search"><label for="campaign-search">Search by key or title</label>
      <input id="campaign-search" type="search" value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} /></div>
    ${error ? html`<p class="problem-text" role="alert">${error}</p>` : null}
    ${campaigns === null && !error ? html`<p class="muted">Loading…</p>` : null}
    ${campaigns && campaigns.length === 0 ? html`<p class="empty">No campaigns yet. Create one to send your first webhook.</p>` : null}
    ${
      shown.length > 0
        ? html`<div class="table-wrap"><table class="list" id="campaign-table">
      <thead><tr><th scope="col">Title</th><th scope="col">Key</th><th scope="col">Status</th><th scope="col">Send type</th><th scope="col">Latest results</th></tr></thead>
      <tbody>${shown.map(
        (c) => html`<tr data-key=${c.key}>
        <td><a href=${`#/campaigns/${encodeURIComponent(c.key)}/settings`}>${c.title || '(untitled)'}</a>
          ${c.errors > 0 && capabilities(engine, c)?.final === false ? html`<br /><a class="small-text warning-link" href=${`#/campaigns/${encodeURIComponent(c.key)}/webhook`}>${plural(c.errors, 'problem')} in the webhook</a>` : null}</td>
        <td class="mono">${c.key}</td>
        <td><span class=${`status-pill ${c.status}`}>${STATUS[c.status] ?? c.status}</span></td>
        <td>${SEND_TYPE[c.send.type] ?? html`<span class="muted">not chosen</span>`}</td>
        <td><${StatsCell} stats=${c.stats} /></td>
      </tr>`,
      )}</tbody></table></div>`
        : null
    }
    ${campaigns && campaigns.length > 0 && shown.length === 0 ? html`<p class="empty">No campaign matches “${query}”.</p>` : null}
  </section>`;
}

function CreateForm({ onCancel }) {
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [problems, setProblems] = useState([]);
  const [error, setError] = useState('');
  const titleBox = useRef(null);
  // The form appears on a click or Enter: the title box takes the focus, so
  // typing goes on (before the paint, so no key lands on the button meanwhile).
  useLayoutEffect(() => titleBox.current?.focus(), []);
  const submit = async (e) => {
    e.preventDefault();
    const res = await client.createCampaign({ title, description });
    if (res.ok && res.data?.campaign) {
      location.hash = `#/campaigns/${encodeURIComponent(res.data.campaign.key)}/settings`;
      return;
    }
    setProblems(res.problems);
    setError(res.error?.message ?? '');
    titleBox.current?.focus(); // back to the field, not left on the button
  };
  return html`<form class="card create-form" onSubmit=${submit} aria-labelledby="create-title">
    <h2 id="create-title">New webhook campaign</h2>
    <div class="field"><label for="new-title">Title</label>
      <input id="new-title" ref=${titleBox} value=${title} onInput=${(e) => {
        setTitle(e.currentTarget.value);
        setProblems([]);
        setError('');
      }} />
      <${Problems} list=${problemsFor(problems, 'title')} /></div>
    <div class="field"><label for="new-description">Description <span class="hint">(optional)</span></label>
      <textarea id="new-description" rows="2" value=${description} onInput=${(e) => setDescription(e.currentTarget.value)}></textarea></div>
    ${error && problems.length === 0 ? html`<p class="problem-text" role="alert">${error}</p>` : null}
    <div class="actions"><button type="submit" class="primary">Create</button>
      <button type="button" class="secondary" onClick=${onCancel}>Cancel</button></div>
  </form>`;
}
