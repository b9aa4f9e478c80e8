// One campaign: the steps of the product page (1 settings, 2 webhook,
// target, 3 review, 4 test, 5 start) and its results. Loads the campaign,
// saves edits with PATCH, and runs the lifecycle actions the engine's status
// machine allows (engine.campaignTransition), each disabled one with why.
import { html, useEffect, useState, CopyButton, Modal, Problems, formatTime, problemsFor } from './ui.js';
import { api } from './api.js';
import { ACTIONS, SEND_TYPE, STATUS } from './words.js';
import { WebhookStep } from './composer.js';
import { TargetStep } from './target.js';
import { ReviewStep } from './review.js';
import { TestStep } from './test_step.js';
import { StartStep } from './start_step.js';
import { ResultsPage } from './results.js';
import { useLaunchCheck } from './launch_check.js';

const STEPS = [
  { id: 'settings', label: '1 Settings' },
  { id: 'webhook', label: '2 Webhook' },
  { id: 'target', label: 'Target' },
  { id: 'review', label: '3 Review' },
  { id: 'test', label: '4 Test' },
  { id: 'start', label: '5 Start' },
  { id: 'results', label: 'Results' },
];

/** Which step a launch problem's field belongs to. */
export function stepOf(field = '') {
  if (field.startsWith('webhook')) return 'webhook';
  if (field.startsWith('target')) return 'target';
  if (field.startsWith('title') || field.startsWith('description')) return 'settings';
  return 'start';
}

/**
 * Whether content `fields` may change in this status, from the engine
 * (engine.campaignEditable). `null` while the engine loads.
 */
export function editability(engine, status, fields) {
  return engine ? engine.campaignEditable(status, fields) : null;
}

/** One campaign: loads it, saves edits (PATCH), and shows the chosen step. */
export function CampaignPage({ campaignKey, step, engine }) {
  const [campaign, setCampaign] = useState(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const path = `/v1/campaigns/${encodeURIComponent(campaignKey)}`;

  const reload = async () => {
    const res = await api('GET', path);
    if (res.ok) { setCampaign(res.data.campaign); setError(''); } else setError(res.error.message);
    return res;
  };
  useEffect(() => { reload(); }, [campaignKey]);

  /** PATCHes fields; on success the stored campaign replaces the local one. */
  const patch = async (fields) => {
    const res = await api('PATCH', path, fields);
    if (res.ok && res.data?.campaign) setCampaign(res.data.campaign);
    return res;
  };

  if (error) return html`<section class="page"><p class="problem-text" role="alert">${error}</p><a href="#/campaigns">Back to campaigns</a></section>`;
  if (!campaign) return html`<section class="page"><p class="muted">Loading the campaign…</p></section>`;

  const props = { campaign, engine, patch, reload, path, setNotice };
  const views = {
    settings: html`<${SettingsStep} ...${props} />`,
    webhook: html`<${WebhookStep} ...${props} />`,
    target: html`<${TargetStep} ...${props} />`,
    review: html`<${ReviewStep} ...${props} />`,
    test: html`<${TestStep} ...${props} />`,
    start: html`<${StartStep} ...${props} />`,
    results: html`<${ResultsPage} ...${props} />`,
  };
  return html`<section class="page campaign" data-status=${campaign.status}>
    <div class="page-head">
      <div><a href="#/campaigns" class="back">← Campaigns</a>
        <h1>${campaign.title || '(untitled)'} <span class=${`status-pill ${campaign.status}`} id="campaign-status">${STATUS[campaign.status] ?? campaign.status}</span></h1>
        <p class="muted">Key <code>${campaign.key}</code>${campaign.send?.type ? ` · ${SEND_TYPE[campaign.send.type]} send` : ''}${campaign.nextRunAt && campaign.status !== 'ended' ? ` · next send ${formatTime(campaign.nextRunAt)}` : ''}</p></div>
    </div>
    <nav class="steps" aria-label="Campaign steps">
      ${STEPS.map((s) => html`<a href=${`#/campaigns/${encodeURIComponent(campaign.key)}/${s.id}`} aria-current=${s.id === step ? 'step' : undefined}>${s.label}</a>`)}
    </nav>
    ${notice ? html`<p class="notice" role="status" id="notice">${notice} <button type="button" class="link" onClick=${() => setNotice('')}>Dismiss</button></p>` : null}
    ${views[step] ?? views.settings}
  </section>`;
}

/** Step 1: key, title, description, status and the lifecycle actions. */
function SettingsStep({ campaign, engine, patch, setNotice, reload }) {
  const [title, setTitle] = useState(campaign.title ?? '');
  const [description, setDescription] = useState(campaign.description ?? '');
  const [problems, setProblems] = useState([]);
  const [said, setSaid] = useState('');
  const dirty = title !== (campaign.title ?? '') || description !== (campaign.description ?? '');
  const ended = campaign.status === 'ended';
  const save = async (e) => {
    e.preventDefault();
    const res = await patch({ title, description });
    setProblems(res.problems);
    setSaid(res.ok ? 'Saved.' : res.error.message);
  };
  return html`<div class="step-grid">
    <form class="card" onSubmit=${save} aria-labelledby="settings-title">
      <h2 id="settings-title">Campaign settings</h2>
      <div class="field"><span class="label">Campaign key</span>
        <p class="key-row"><code id="campaign-key">${campaign.key}</code> <${CopyButton} text=${campaign.key} label="Copy key" /></p>
        <p class="hint">Unique in this workspace. Use it to find who was sent this campaign, and in the API.</p></div>
      <div class="field"><label for="title">Title</label>
        <input id="title" value=${title} disabled=${ended} onInput=${(e) => setTitle(e.currentTarget.value)} />
        <${Problems} list=${problemsFor(problems, 'title')} /></div>
      <div class="field"><label for="description">Description</label>
        <textarea id="description" rows="3" value=${description} disabled=${ended} onInput=${(e) => setDescription(e.currentTarget.value)}></textarea>
        <${Problems} list=${problemsFor(problems, 'description')} /></div>
      ${ended ? html`<p class="why">An ended campaign cannot change.</p>` : null}
      <div class="actions"><button type="submit" class="primary" disabled=${!dirty || ended}>Save</button>
        <span role="status" class="muted">${said}</span></div>
    </form>
    <${StatusCard} campaign=${campaign} engine=${engine} setNotice=${setNotice} reload=${reload} />
  </div>`;
}

/** The status and the actions the status machine allows from it. */
export function StatusCard({ campaign, engine, setNotice, reload }) {
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (action) => {
    setBusy(true);
    const res = await api('POST', `/v1/campaigns/${encodeURIComponent(campaign.key)}/${action}`);
    setBusy(false);
    setResult(res.ok ? null : res);
    if (res.ok) {
      setNotice(ACTIONS.find((a) => a.action === action).done);
      // Every step reads the stored campaign, so the new status shows everywhere.
      await reload();
    }
  };
  const missing = useLaunchCheck(campaign);
  const rows = ACTIONS.map((a) => {
    const t = engine ? engine.campaignTransition(campaign.status, a.action) : null;
    return { ...a, allowed: t ? t.ok : true, why: t && !t.ok ? t.message : '' };
  });
  return html`<section class="card" aria-labelledby="status-title">
    <h2 id="status-title">Status: <span class=${`status-pill ${campaign.status}`}>${STATUS[campaign.status] ?? campaign.status}</span></h2>
    <p class="muted small-text">Ready → Running ⇄ Paused → Ended. To change a running campaign's content, pause it first. Ended is final.</p>
    <ul class="action-list">
      ${rows.map((r) => html`<li>
        <button type="button" id=${`action-${r.action}`} class=${r.action === 'end' ? 'danger' : r.action === 'start' ? 'primary' : 'secondary'}
          disabled=${!r.allowed || busy} aria-describedby=${r.why ? `why-${r.action}` : undefined}
          onClick=${() => (r.action === 'end' ? setConfirmEnd(true) : run(r.action))}>${r.label}</button>
        ${r.why ? html`<span class="why" id=${`why-${r.action}`}>${r.why}</span>` : null}
      </li>`)}
    </ul>
    ${missing && missing.length > 0 && !result ? html`<div class="launch-needs" id="launch-needs"><p class="why">Before it can start:</p>
      <ul class="launch-problems">${missing.map((p) => html`<li data-code=${p.code} data-field=${p.field}>
        <a href=${`#/campaigns/${encodeURIComponent(campaign.key)}/${stepOf(p.field)}`}>${p.message}</a> <code class="code">${p.code}</code></li>`)}</ul></div>` : null}
    ${missing && missing.length === 0 && !result ? html`<p class="ok-text" id="launch-ready">Everything Start needs is in place.</p>` : null}
    ${result ? html`<div class="refusal" role="alert" id="action-refusal"><p class="problem-text">${result.error.message}</p>
      ${result.problems.length ? html`<ul class="launch-problems">${result.problems.map((p) => html`<li data-code=${p.code}>
        <a href=${`#/campaigns/${encodeURIComponent(campaign.key)}/${stepOf(p.field)}`}>${p.message}</a> <code class="code">${p.code}</code></li>`)}</ul>` : null}</div>` : null}
    ${confirmEnd ? html`<${Modal} title="End this campaign?" onClose=${() => setConfirmEnd(false)}>
      <p>Ending is final: nothing more is sent, messages not yet sent are cancelled, and the campaign cannot be started again.</p>
      <div class="actions"><button type="button" class="danger" id="confirm-end" onClick=${() => { setConfirmEnd(false); run('end'); }}>End campaign</button>
        <button type="button" class="secondary" onClick=${() => setConfirmEnd(false)}>Keep it</button></div>
    <//>` : null}
  </section>`;
}
