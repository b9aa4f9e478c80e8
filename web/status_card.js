// The status card shown on Step 1 and Step 5: the campaign's status, the
// lifecycle actions the engine's status machine allows
// (engine.campaignTransition), each disabled one with why, what Start still
// needs (the launch check) and a refused action's problems, each linked to
// the step that fixes it. End asks first.
import { html, useEffect, useState, Codes, Modal } from './ui.js';
import { client } from './client.js';
import { ACTIONS, STATUS } from './words.js';
import { useLaunchCheck } from './launch_check.js';

/** Which step a launch problem's field belongs to. */
export function stepOf(field = '') {
  if (field.startsWith('webhook')) return 'webhook';
  if (field.startsWith('target')) return 'target';
  if (field.startsWith('title') || field.startsWith('description')) return 'settings';
  return 'start';
}

/** The status and the actions the status machine allows from it. */
export function StatusCard({ campaign, engine, setNotice, reload }) {
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  // A refusal speaks of the campaign as it was: any change (a save, a new status) takes it away.
  useEffect(() => setResult(null), [campaign]);
  const run = async (action) => {
    setBusy(true);
    const res = await client.transition(campaign.key, action);
    setBusy(false);
    setResult(res.ok ? null : res);
    if (res.ok) {
      setNotice(ACTIONS.find((a) => a.action === action).done);
      // Every step reads the stored campaign, so the new status shows everywhere.
      await reload();
    }
  };
  const missing = useLaunchCheck(campaign, engine);
  const rows = ACTIONS.map((a) => {
    const t = engine ? engine.campaignTransition(campaign.status, a.action) : null;
    return { ...a, allowed: t ? t.ok : true, why: t && !t.ok ? t.message : '' };
  });
  return html`<section class="card" aria-labelledby="status-title">
    <h2 id="status-title">Status: <span class=${`status-pill ${campaign.status}`}>${STATUS[campaign.status] ?? campaign.status}</span></h2>
    <p class="muted small-text">Ready → Running ⇄ Paused → Ended. To change a running campaign's content, pause it first. Ended is final.</p>
    <ul class="action-list">
      ${rows.map(
        (r) => html`<li>
        <button type="button" id=${`action-${r.action}`} class=${r.action === 'end' ? 'danger' : r.action === 'start' ? 'primary' : 'secondary'}
          disabled=${!r.allowed || busy} aria-describedby=${r.why ? `why-${r.action}` : undefined}
          onClick=${() => (r.action === 'end' ? setConfirmEnd(true) : run(r.action))}>${r.label}</button>
        ${r.why ? html`<span class="why" id=${`why-${r.action}`}>${r.why}</span>` : null}
      </li>`,
      )}
    </ul>
    ${
      missing && missing.length > 0 && !result
        ? html`<div class="launch-needs" id="launch-needs"><p class="why">Before it can start:</p>
      <ul class="launch-problems">${missing.map(
        (p) => html`<li data-code=${p.code} data-field=${p.field}>
        <a href=${`#/campaigns/${encodeURIComponent(campaign.key)}/${stepOf(p.field)}`}>${p.message}</a> <${Codes} codes=${[p.code]} /></li>`,
      )}</ul></div>`
        : null
    }
    ${missing && missing.length === 0 && !result ? html`<p class="ok-text" id="launch-ready">Everything Start needs is in place.</p>` : null}
    ${
      result
        ? html`<div class="refusal" role="alert" id="action-refusal"><p class="problem-text">${result.problems.length ? 'It did not start. Fix these first:' : result.error.message}</p>
      ${
        result.problems.length
          ? html`<ul class="launch-problems">${result.problems.map(
              (p) => html`<li data-code=${p.code}>
        <a href=${`#/campaigns/${encodeURIComponent(campaign.key)}/${stepOf(p.field)}`}>${p.message}</a> <${Codes} codes=${[p.code]} /></li>`,
            )}</ul>`
          : null
      }</div>`
        : null
    }
    ${
      confirmEnd
        ? html`<${Modal} title="End this campaign?" onClose=${() => setConfirmEnd(false)}>
      <p>Ending is final: nothing more is sent, messages not yet sent are cancelled, and the campaign cannot be started again.</p>
      <div class="actions"><button type="button" class="danger" id="confirm-end" onClick=${() => {
        setConfirmEnd(false);
        run('end');
      }}>End campaign</button>
        <button type="button" class="secondary" onClick=${() => setConfirmEnd(false)}>Keep it</button></div>
    <//>`
        : null
    }
  </section>`;
}
