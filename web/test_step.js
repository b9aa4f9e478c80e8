// Step 4, test: the User Message Preview (a stored user or typed values),
// "Send Test Message" (one real attempt through the worker, shown in a modal
// with the send status, the response and, when it failed, the error in words
// and what a live send would do), and the audience check before launch.
import { html, useState, Codes, Modal, Problems, formatMs, plural } from './ui.js';
import { client } from './client.js';
import { codeSummary } from './engine.js';
import { RecipientPicker, usePreview } from './recipient.js';
import { RequestView } from './request_view.js';
import { RETRY_REASON, SEND_ERROR, SUPPRESSED } from './words.js';

/** Step 4: User Message Preview, Send Test Message and the audience check. */
export function TestStep({ campaign, engine }) {
  const [who, setWho] = useState(null);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState(null);
  const preview = usePreview(engine, campaign, who);

  const send = async () => {
    setSending(true);
    const started = performance.now();
    const r = await client.testSend(campaign.key, who.body);
    setSending(false);
    setSent({ ...r, waitedMs: performance.now() - started });
  };
  return html`<div class="step-grid">
    <section class="card" aria-labelledby="ump-title">
      <h2 id="ump-title">User Message Preview</h2>
      <p class="muted">Choose who the test is personalized for.</p>
      <${RecipientPicker} idPrefix="test" campaignKey=${campaign.key} eventKey=${campaign.send?.type === 'event' ? campaign.send.event : undefined} onChange=${setWho} />
      <div class="actions"><button type="button" class="primary" id="send-test" disabled=${!who || sending} onClick=${send}>${sending ? 'Sending…' : 'Send Test Message'}</button>
        ${!who ? html`<span class="muted small-text">Choose a user or type values first.</span>` : null}</div>
      <p class="muted small-text">A test is one real request to the webhook URL. It is not retried and counts nowhere (not in results, not in frequency capping).</p>
    </section>
    <section class="card" aria-labelledby="test-preview-title">
      <h2 id="test-preview-title">Message${who ? ` for ${who.label}` : ''}</h2>
      ${
        preview?.noWebhook
          ? html`<p class="empty">This campaign has no webhook yet: compose one in Step 2.</p>`
          : preview
            ? html`<${RequestView} preview=${preview} />`
            : html`<p class="empty">Choose a user to preview their message.</p>`
      }
    </section>
    <${AudienceCheck} campaignKey=${campaign.key} />
    ${sent ? html`<${TestResultModal} result=${sent} onClose=${() => setSent(null)} />` : null}
  </div>`;
}

/** What one test attempt did, and what a live send would have done next. */
function TestResultModal({ result, onClose }) {
  if (!result.ok) {
    return html`<${Modal} title="Test message not sent" onClose=${onClose}>
      <p class="problem-text" id="test-refusal">${result.error.message}</p><${Problems} list=${result.problems} /><//>`;
  }
  const d = result.data;
  const o = d.outcome ?? {};
  const ok = !o.error && o.status >= 200 && o.status < 300;
  const headers = Array.isArray(o.headers) ? o.headers : Object.entries(o.headers ?? {});
  // Retry-After as the destination sent it, to say when hookcast waits less
  // than it asked (the engine caps every wait at 10 s; its delay is the fact).
  const retryAfter = headers.find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  const asked =
    retryAfter !== undefined && /^\s*\d+\s*$/.test(retryAfter) ? Number(retryAfter) * 1000 : null;
  const capped = asked !== null && asked > d.retryDelayMs;
  const why = RETRY_REASON[d.retryReason];
  const live = d.wouldRetry
    ? `A live send would retry in ${formatMs(d.retryDelayMs)}${why ? `, because ${why}` : ''}${capped ? `; the destination asked to wait ${formatMs(asked)} (Retry-After), more than the 10 s hookcast waits at most, so it was capped` : ''}. At most 3 retries follow the first send.`
    : ok
      ? 'A live send would count this as delivered.'
      : `A live send would not retry${why ? `: ${why}` : ''}, and would count it as failed.`;
  return html`<${Modal} title="Send Test Message" onClose=${onClose} wide>
    <dl class="facts" id="test-result" data-ok=${String(ok)}>
      <dt>Send status</dt><dd><span class=${`status-pill ${ok ? 'delivered' : 'failed'}`} id="test-send-status">${ok ? 'Sent' : 'Failed'}</span></dd>
      ${
        o.error
          ? html`<dt>Error</dt><dd class="error-text" data-error=${o.error}>${SEND_ERROR[o.error] ?? o.error} <${Codes} codes=${[o.error, o.errorMessage]} /></dd>`
          : html`<dt>Response status</dt><dd id="test-response-status" data-status=${o.status}>${o.status}${o.redirect ? html` <span class="muted">redirect to ${o.redirect}, not followed</span>` : null}</dd>`
      }
      <dt>Duration</dt><dd>${formatMs(o.durationMs)}</dd>
      <dt>What a live send would do</dt><dd id="test-live">${live}</dd>
      ${d.id ? html`<dt>Message id</dt><dd class="mono">${d.id}</dd>` : null}
    </dl>
    ${
      headers.length
        ? html`<details open><summary>Response headers (${headers.length})</summary><table class="kv-table"><tbody>
      ${headers.map(([k, v]) => html`<tr><th scope="row" class="mono">${k}</th><td class="mono value">${v}</td></tr>`)}</tbody></table></details>`
        : null
    }
    ${
      o.error
        ? null
        : html`<h3>Response body ${o.bodyTruncated ? html`<span class="badge warning">only the start is kept</span>` : null}</h3>
      ${o.body ? html`<pre class="mono response-body" id="test-response-body">${o.body}</pre>` : html`<p class="muted">(empty body)</p>`}`
    }
    ${d.request ? html`<details><summary>Request as sent</summary><pre class="mono response-body">${[`${d.request.method} ${d.request.url}`, ...(d.request.headers ?? []).map(([k, v]) => `${k}: ${v}`), '', d.request.body ?? ''].join('\n')}</pre></details>` : null}
  <//>`;
}

/** POST /v1/campaigns/:key/audience-check: who would get it right now. */
function AudienceCheck({ campaignKey }) {
  const [res, setRes] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setRes(await client.audienceCheck(campaignKey));
    setBusy(false);
  };
  const d = res?.ok ? res.data : null;
  return html`<section class="card" aria-labelledby="audience-title">
    <h2 id="audience-title">Audience check</h2>
    <p class="muted">Before starting: how many users would get this message now, how many would get a fallback text, and who would be held back and why. Nothing is sent.</p>
    <button type="button" class="secondary" id="audience-check" disabled=${busy} onClick=${run}>${busy ? 'Checking…' : 'Check the audience'}</button>
    ${res && !res.ok ? html`<p class="problem-text" role="alert">${res.error.message}</p><${Problems} list=${res.problems} />` : null}
    ${
      d
        ? html`<div id="audience-result">
      <p><strong>${plural(d.wouldSend ?? 0, 'user')}</strong> would be sent the message, of ${plural(d.candidates ?? 0, 'candidate')}.</p>
      ${Object.keys(d.fallbacks ?? {}).length ? html`<h3>Fallback text used</h3><ul>${Object.entries(d.fallbacks).map(([v, n]) => html`<li><code>${v}</code>: ${plural(n, 'user')}</li>`)}</ul>` : null}
      ${Object.keys(d.refused ?? {}).length ? html`<h3>Refused by personalization</h3><ul>${Object.entries(d.refused).map(([code, r]) => html`<li>${codeSummary(code) || 'Refused'}: ${plural(r.count, 'user')}${r.sample?.length ? `, e.g. ${r.sample.join(', ')}` : ''} <${Codes} codes=${[code]} /></li>`)}</ul>` : null}
      ${
        Object.values(d.suppressed ?? {}).some((n) => n > 0)
          ? html`<h3>Held back</h3><ul>${Object.entries(d.suppressed)
              .filter(([, n]) => n > 0)
              .map(
                ([k, n]) => html`<li>${SUPPRESSED[k] ?? k}: ${n} <${Codes} codes=${[k]} /></li>`,
              )}</ul>`
          : null
      }
    </div>`
        : null
    }
  </section>`;
}
