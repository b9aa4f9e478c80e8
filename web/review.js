// Step 3, review: the stored webhook as the exact request one user gets,
// as cURL (with copy) and as a table. Rendered in the page by the engine
// (the same call the worker's preview route makes) from the stored profile,
// fetched once, or from typed values: no round trip per keystroke, so the
// request shown is always the one for what the picker holds now.
import { html, useState } from './ui.js';
import { RecipientPicker, usePreview } from './recipient.js';
import { RequestView } from './request_view.js';

/** Step 3: the stored webhook as one chosen user's request. */
export function ReviewStep({ campaign, engine }) {
  const [who, setWho] = useState(null);
  const preview = usePreview(engine, campaign, who);
  return html`<div class="step-grid">
    <section class="card" aria-labelledby="review-title">
      <h2 id="review-title">Review webhook content</h2>
      <p class="muted">The saved webhook, personalized for one user exactly as it will be sent.</p>
      <${RecipientPicker} idPrefix="review" campaignKey=${campaign.key} eventKey=${campaign.send?.type === 'event' ? campaign.send.event : undefined} onChange=${setWho} />
    </section>
    <section class="card" aria-labelledby="review-request-title">
      <h2 id="review-request-title">Request${who ? ` for ${who.label}` : ''}</h2>
      ${
        preview?.noWebhook
          ? html`<p class="empty">This campaign has no webhook yet: compose one in Step 2.</p>`
          : preview
            ? html`<${RequestView} preview=${preview} />`
            : html`<p class="empty">Choose a user to see their request.</p>`
      }
    </section>
  </div>`;
}
