// One campaign: the steps of the product page (1 settings, 2 webhook,
// target, 3 review, 4 test, 5 start) and its results. Loads the campaign,
// saves edits with PATCH, and runs the lifecycle actions the engine's status
// machine allows (engine.campaignTransition), each disabled one with why.
import { html, useEffect, useState, campaignZone, formatTime } from './ui.js';
import { client } from './client.js';
import { SEND_TYPE, STATUS } from './words.js';
import { capabilities } from './engine.js';
import { SettingsStep } from './settings_step.js';
import { WebhookStep } from './composer.js';
import { TargetStep } from './target.js';
import { ReviewStep } from './review.js';
import { TestStep } from './test_step.js';
import { StartStep } from './start_step.js';
import { ResultsPage } from './results.js';

const STEPS = [
  { id: 'settings', label: '1 Settings' },
  { id: 'webhook', label: '2 Webhook' },
  { id: 'target', label: 'Target' },
  { id: 'review', label: '3 Review' },
  { id: 'test', label: '4 Test' },
  { id: 'start', label: '5 Start' },
  { id: 'results', label: 'Results' },
];

/**
 * When a schedule sends, in the campaign's time zone (named): the next
 * send; or, once the last one ran, when that was and that nothing more is
 * scheduled. A one-time schedule that has run stays running (its failed
 * messages can still be resent) until someone ends it.
 */
function runTimes(campaign, engine) {
  const caps = capabilities(engine, campaign);
  // Nothing to tell before the engine says what the status allows, or
  // before the campaign has started (it may still be started).
  if (campaign.send?.type !== 'schedule' || !caps || caps.transitions.start) return '';
  const zone = campaignZone(campaign);
  if (campaign.nextRunAt && !caps.final) {
    // A time that passed while paused runs at resume; while running, it is going out now.
    if (Date.parse(campaign.nextRunAt) <= Date.now()) {
      return caps.waitsForResume
        ? ` · due since ${formatTime(campaign.nextRunAt, zone)}: it sends when you resume`
        : ' · sending now';
    }
    return ` · next send ${formatTime(campaign.nextRunAt, zone)}`;
  }
  if (campaign.lastRunAt)
    return ` · Sent on ${formatTime(campaign.lastRunAt, zone)}, nothing more scheduled`;
  return '';
}

/** One campaign: loads it, saves edits (PATCH), and shows the chosen step. */
export function CampaignPage({ campaignKey, step, engine }) {
  const [campaign, setCampaign] = useState(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const reload = async () => {
    const res = await client.campaign(campaignKey);
    if (res.ok) {
      setCampaign(res.data.campaign);
      setError('');
    } else setError(res.error.message);
    return res;
  };
  useEffect(() => {
    reload();
  }, [campaignKey]);

  /** PATCHes fields; on success the stored campaign replaces the local one. */
  const patch = async (fields) => {
    const res = await client.patchCampaign(campaignKey, fields);
    if (res.ok && res.data?.campaign) setCampaign(res.data.campaign);
    return res;
  };

  if (error)
    return html`<section class="page"><p class="problem-text" role="alert">${error}</p><a href="#/campaigns">Back to campaigns</a></section>`;
  if (!campaign)
    return html`<section class="page"><p class="muted">Loading the campaign…</p></section>`;

  const props = { campaign, engine, patch, reload, setNotice };
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
        <p class="muted">Key <code>${campaign.key}</code>${campaign.send?.type ? ` · ${SEND_TYPE[campaign.send.type]} send` : ''}<span id="run-times">${runTimes(campaign, engine)}</span></p></div>
    </div>
    <nav class="steps" aria-label="Campaign steps">
      ${STEPS.map((s) => html`<a href=${`#/campaigns/${encodeURIComponent(campaign.key)}/${s.id}`} aria-current=${s.id === step ? 'step' : undefined}>${s.label}</a>`)}
    </nav>
    ${notice ? html`<p class="notice" role="status" id="notice">${notice} <button type="button" class="link" onClick=${() => setNotice('')}>Dismiss</button></p>` : null}
    ${views[step] ?? views.settings}
  </section>`;
}
