// "Fix and resend failed": what a failure means for the user, and one action
// that sends every failed message of the campaign again with the webhook as
// it is now (POST /v1/campaigns/:key/resend-failed). Shown on Results and,
// after a saved edit, on the webhook step.
import { html, useState, plural } from './ui.js';
import { client } from './client.js';
import { capabilities, statusesWith } from './engine.js';
import { STATUS } from './words.js';

/** The sentence shown wherever a failure is: a failed message still counts for fatigue. */
export const FAILURE_COUNTS =
  'A failed message still counts for customer fatigue: that user is not sent this campaign again (unless a resend period passes), and it takes one of their frequency-capping slots, because fatigue is counted from the send start whether or not the message arrived.';

/**
 * @param {{ campaign: object, engine: object | null, failed: number, fixHref?: string, onResent?: (n: number) => void }} p
 * `fixHref`: where to fix the webhook (left out on the webhook step itself).
 */
export function ResendFailed({ campaign, engine, failed, fixHref, onResent }) {
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  if (!failed && !said) return null;
  // What the status allows, from the engine (null while it loads).
  const caps = capabilities(engine, campaign);
  const can = Boolean(caps?.resendsFailed);
  const where = statusesWith(engine, 'resendsFailed')
    .map((s) => (STATUS[s] ?? s).toLowerCase())
    .join(' or ');
  const resend = async () => {
    setBusy(true);
    const r = await client.resendFailed(campaign.key);
    setBusy(false);
    if (!r.ok) {
      setSaid(r.error.message);
      return;
    }
    const n = r.data.resent;
    setSaid(
      n === 0
        ? 'No failed message was left to resend.'
        : `${plural(n, 'failed message')} will be sent again with the current webhook (same webhook-id).${caps?.waitsForResume ? ' They wait until you resume the campaign.' : ''}`,
    );
    onResent?.(n);
  };
  return html`<section class="card recover" aria-labelledby="recover-title" id="resend-failed">
    <h2 id="recover-title">${failed ? `${plural(failed, 'message')} failed` : 'Failed messages'}</h2>
    ${failed ? html`<p class="fatigue-note">${FAILURE_COUNTS}</p>` : null}
    ${failed && fixHref ? html`<p>Fix what made them fail (for example the URL), then resend them. <a href=${fixHref}>Fix the webhook</a>${caps && !caps.contentEditable && caps.transitions.pause ? ' (pause the campaign first to edit it)' : ''}.</p>` : null}
    ${failed ? html`<button type="button" class="secondary" id="resend-failed-button" disabled=${!can || busy} onClick=${resend}>Resend failed messages with the current webhook</button>` : null}
    ${failed && caps && !can ? html`<p class="why">Only a ${where} campaign resends.</p>` : null}
    <p role="status" class="muted" id="resend-failed-status">${said}</p>
  </section>`;
}
