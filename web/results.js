// Campaign results: the counters (GET /stats), sends over time (a uPlot
// chart of the exposures' send times), suppression reasons, "Fix and resend
// failed", the delivery log with every attempt and the request that was
// sent (filter by state; replay a failed one as it was sent or with the
// webhook as it is now), and the exposures as CSV. Times are shown in the
// campaign's time zone, named. Refreshes every few seconds while visible.
import {
  html,
  useEffect,
  useRef,
  useState,
  Codes,
  campaignZone,
  formatMs,
  formatTime,
  plural,
} from './ui.js';
import { client } from './client.js';
import { capabilities } from './engine.js';
import { DELIVERY_STATE, RETRY_REASON, SEND_ERROR, SUPPRESSED } from './words.js';
import { FAILURE_COUNTS, ResendFailed } from './resend_failed.js';
import { csvText } from './csv.js';
import { WaitingCounts } from './waiting.js';
import { ExperimentResults } from './experiment_results.js';

const REFRESH_MS = 3000;
/** Most exposure pages the chart reads (the CSV reads them all). */
const CHART_PAGES = 20;

async function allExposures(campaignKey, maxPages = Infinity) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const r = await client.exposures(campaignKey, cursor);
    if (!r.ok) return { error: r.error.message, exposures: out };
    out.push(...(r.data?.exposures ?? []));
    cursor = r.data?.nextCursor;
    if (!cursor) break;
  }
  return { exposures: out };
}

/** Campaign results: counters, chart, suppression reasons, delivery log, exposures. */
export function ResultsPage({ campaign, engine }) {
  const [stats, setStats] = useState(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    client.stats(campaign.key).then((r) => {
      if (!live) return;
      if (r.ok) {
        setStats(r.data);
        setError('');
      } else setError(r.error.message);
    });
    const t = setTimeout(() => {
      if (document.visibilityState === 'visible') setTick((n) => n + 1);
      else setTick((n) => n);
    }, REFRESH_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [tick]);
  const s = stats ?? {};
  const counter = (id, label, n, cls = '') =>
    html`<div class=${`counter ${cls}`}><span class="counter-n" id=${`stat-${id}`}>${n ?? 0}</span><span class="counter-label">${label}</span></div>`;
  const suppressed = Object.entries(s.suppressed ?? {}).filter(([, n]) => n > 0);
  return html`<div class="results">
    ${error ? html`<p class="problem-text" role="alert">${error}</p>` : null}
    <section class="card" aria-labelledby="counters-title"><h2 id="counters-title">Results</h2>
      <div class="counters" aria-live="polite">
        ${counter('targeted', 'Considered', s.targeted)}${counter('sent', 'Sent', s.sent)}${counter('delivered', 'Delivered', s.delivered, 'ok')}
        ${counter('failed', 'Failed', s.failed, s.failed ? 'bad' : '')}${counter('pending', 'Waiting', s.pending)}${counter('retried', 'Needed a retry', s.retried)}
      </div>
      <${WaitingCounts} campaignKey=${campaign.key} tick=${tick} />
      ${stats && suppressed.length === 0 ? html`<p class="muted small-text">Nobody was held back.</p>` : null}
      ${suppressed.length ? html`<h3>Held back</h3><table class="kv-table" id="suppressed"><tbody>${suppressed.map(([k, n]) => html`<tr data-reason=${k}><th scope="row">${SUPPRESSED[k] ?? k} <${Codes} codes=${[k]} /></th><td>${n}</td></tr>`)}</tbody></table>` : null}
    </section>
    <${ResendFailed} campaign=${campaign} engine=${engine} failed=${s.failed ?? 0} fixHref=${`#/campaigns/${encodeURIComponent(campaign.key)}/webhook`} onResent=${() => setTick((n) => n + 1)} />
    <${ExperimentResults} campaignKey=${campaign.key} tick=${tick} />
    <${SendsChart} campaignKey=${campaign.key} tick=${tick} />
    <${DeliveryLog} campaign=${campaign} engine=${engine} tick=${tick} />
    <${ExposuresCsv} campaignKey=${campaign.key} />
  </div>`;
}

function SendsChart({ campaignKey, tick }) {
  const box = useRef(null);
  const chart = useRef(null);
  const xRange = useRef([0, 1]);
  const [count, setCount] = useState(null);
  useEffect(() => {
    let live = true;
    allExposures(campaignKey, CHART_PAGES).then(async ({ exposures }) => {
      if (!live) return;
      setCount(exposures.length);
      const times = exposures
        .map((e) => Date.parse(e.at))
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      if (times.length === 0 || !box.current) return;
      // Buckets: minutes for the first hours, else hours.
      const span = times[times.length - 1] - times[0];
      const step = span > 6 * 3600e3 ? 3600e3 : 60e3;
      const buckets = new Map();
      for (const t of times) {
        const b = Math.floor(t / step) * step;
        buckets.set(b, (buckets.get(b) ?? 0) + 1);
      }
      const xs = [...buckets.keys()].sort((a, b) => a - b);
      const data = [xs.map((x) => x / 1000), xs.map((x) => buckets.get(x))];
      const { default: uPlot } = await import('uplot');
      if (!live || !box.current) return;
      const width = Math.max(280, box.current.clientWidth);
      // A few buckets either side, so one busy minute is not a sliver on a years-wide axis.
      xRange.current = [(xs[0] - 5 * step) / 1000, (xs[xs.length - 1] + 5 * step) / 1000];
      if (chart.current) {
        chart.current.setData(data);
        chart.current.setSize({ width, height: 220 });
        return;
      }
      const ink = getComputedStyle(document.body).getPropertyValue('--ink').trim() || '#222';
      const accent =
        getComputedStyle(document.body).getPropertyValue('--accent').trim() || '#2563eb';
      chart.current = new uPlot(
        {
          width,
          height: 220,
          title: '',
          scales: { x: { time: true, range: () => xRange.current } },
          axes: [
            { stroke: ink, grid: { stroke: 'rgba(128,128,128,.2)' } },
            { stroke: ink, grid: { stroke: 'rgba(128,128,128,.2)' } },
          ],
          series: [
            {},
            {
              label: step === 60e3 ? 'Sent per minute' : 'Sent per hour',
              stroke: accent,
              fill: `${accent}33`,
              width: 2,
              paths: uPlot.paths.bars?.({ size: [0.8, 40] }),
            },
          ],
        },
        data,
        box.current,
      );
    });
    return () => {
      live = false;
    };
  }, [tick]);
  useEffect(() => () => chart.current?.destroy(), []);
  return html`<section class="card" aria-labelledby="chart-title"><h2 id="chart-title">Sends over time</h2>
    <div ref=${box} class="chart" role="img" aria-label="Messages sent over time"></div>
    ${count === 0 ? html`<p class="empty">Nothing sent yet.</p>` : null}</section>`;
}

/** A request as the lines sent: method and URL, headers, body. */
const requestText = (r) =>
  [
    `${r.method} ${r.url}`,
    ...(r.headers ?? []).map(([k, v]) => `${k}: ${v}`),
    '',
    r.body ?? '',
  ].join('\n');

function DeliveryLog({ campaign, engine, tick }) {
  const campaignKey = campaign.key;
  // What the status allows (the engine's capabilities; null while it loads).
  const caps = capabilities(engine, campaign);
  const zone = campaignZone(campaign);
  const [state, setState] = useState('');
  const [pages, setPages] = useState({ items: [], next: null, error: '' });
  const [said, setSaid] = useState('');
  const load = async (cursor = null) => {
    const r = await client.deliveries(campaignKey, { state, cursor });
    if (!r.ok) {
      setPages((p) => ({ ...p, error: r.error.message }));
      return;
    }
    const items = r.data?.deliveries ?? [];
    setPages((p) => ({
      items: cursor ? [...p.items, ...items] : items,
      next: r.data?.nextCursor ?? null,
      error: '',
    }));
  };
  // The first page refreshes with the counters; pages loaded further stay.
  useEffect(() => {
    if (pages.items.length <= 50) load();
  }, [tick, state]);
  const retry = async (d, render) => {
    const r = await client.retryDelivery(d.id, render);
    setSaid(
      !r.ok
        ? r.error.message
        : render === 'current'
          ? `Sending the message for ${d.userId} again, rendered with the webhook as it is now (same webhook-id).${caps?.waitsForResume ? ' It waits until you resume the campaign.' : ''}`
          : `Replaying the message for ${d.userId}: the same request (same webhook-id) is sent again.`,
    );
    load();
  };
  const canRetry = Boolean(caps?.retriesDeliveries);
  return html`<section class="card" aria-labelledby="log-title">
    <div class="card-head"><h2 id="log-title">Delivery log</h2>
      <label class="inline">Show <select id="log-state" value=${state} onChange=${(e) => setState(e.currentTarget.value)}>
        <option value="">all</option>${Object.entries(DELIVERY_STATE).map(([k, v]) => html`<option value=${k}>${v.toLowerCase()}</option>`)}</select></label></div>
    ${pages.error ? html`<p class="problem-text">${pages.error}</p>` : null}
    <p role="status" class="muted small-text" id="log-status">${said}</p>
    ${pages.items.length === 0 && !pages.error ? html`<p class="empty">No deliveries${state ? ` ${DELIVERY_STATE[state].toLowerCase()}` : ''} yet.</p>` : null}
    <ul class="deliveries" id="delivery-log">${pages.items.map(
      (d) => html`<li class="delivery" data-state=${d.status} data-user=${d.userId}>
      <details><summary><span class=${`status-pill ${d.status}`}>${DELIVERY_STATE[d.status] ?? d.status}</span>
        <span class="mono">${d.userId}</span> <span class="muted">${plural(d.attempts?.length ?? 0, 'attempt')}</span>
        ${d.request ? html` <span class="mono muted value">${d.request.method} ${d.request.url}</span>` : null}</summary>
        <${Attempts} list=${d.attempts} zone=${zone} />
        ${d.status === 'pending' && d.nextAttemptAt ? html`<p class="muted small-text">Next attempt ${formatTime(d.nextAttemptAt, zone)}.</p>` : null}
        ${d.status === 'pending' && d.notBefore ? html`<p class="muted small-text">${d.earlierRuns?.length ? 'Waits to be sent again' : 'Waits'}${caps?.waitsForResume ? ' until the campaign is resumed' : ` until ${formatTime(d.notBefore, zone)}`}.</p>` : null}
        ${d.status === 'failed' ? html`<p class="fatigue-note">${FAILURE_COUNTS}</p>` : null}
        ${d.request ? html`<details class="request-sent"><summary>Request sent</summary><pre class="mono response-body">${requestText(d.request)}</pre></details>` : null}
        ${(d.earlierRuns ?? []).map(
          (
            run,
            i,
          ) => html`<details class="earlier-run"><summary>Before replay ${i + 1}: ${plural(run.attempts.length, 'attempt')}</summary>
          <${Attempts} list=${run.attempts} zone=${zone} />
          ${run.request ? html`<details><summary>Request sent then</summary><pre class="mono response-body">${requestText(run.request)}</pre></details>` : null}</details>`,
        )}
        <${Codes} codes=${[d.id, d.reason]} />
      </details>
      ${
        d.status === 'failed' && canRetry
          ? html`<span class="replay">
        <button type="button" class="secondary small" data-retry=${d.id} data-render="stored" onClick=${() => retry(d, 'stored')}
          title="The exact request again, to the same URL">Replay as sent</button>
        <button type="button" class="secondary small" data-retry=${d.id} data-render="current" onClick=${() => retry(d, 'current')}
          title="This user's message rendered again with the webhook as it is now">Replay with current webhook</button></span>`
          : null
      }
    </li>`,
    )}</ul>
    ${pages.next ? html`<button type="button" class="secondary" onClick=${() => load(pages.next)}>Load more</button>` : null}
  </section>`;
}

/** One run's attempts in words: when, the answer or the error, how long, and what happened next (codes in Details). */
function Attempts({ list, zone }) {
  return html`<ol class="attempts">${(list ?? []).map(
    (a) => html`<li>
    <strong>Attempt ${a.attempt}</strong> · ${formatTime(a.startedAt, zone)} · ${a.error ? html`<span class="error-text">${SEND_ERROR[a.error] ?? 'The request failed.'}</span>` : html`<span>answered ${a.status}</span>`} · took ${formatMs(a.durationMs)}
    ${a.reason && a.reason !== 'success' ? html` · <span class="muted">${a.retry ? `tried again ${formatMs(a.delayMs)} later` : 'not tried again'}${RETRY_REASON[a.reason] ? `: ${RETRY_REASON[a.reason]}` : ''}</span>` : null}
    <${Codes} codes=${[a.error, a.reason]} />
    ${a.response?.body ? html`<pre class="mono excerpt">${String(a.response.body).slice(0, 300)}</pre>` : null}</li>`,
  )}</ol>`;
}

function ExposuresCsv({ campaignKey }) {
  const [said, setSaid] = useState('');
  const download = async () => {
    setSaid('Collecting…');
    const { exposures, error } = await allExposures(campaignKey);
    if (error) {
      setSaid(error);
      return;
    }
    // The columns of GET /exposures, in its order (time order); cells neutralised (csv.js).
    const columns = ['userId', 'at', 'deliveryId', 'status', 'group'];
    const csv = csvText(
      columns,
      exposures.map((e) => columns.map((c) => e[c] ?? '')),
    );
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    a.download = `${campaignKey}-exposures.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    setSaid(`${exposures.length} exposure${exposures.length === 1 ? '' : 's'} exported.`);
  };
  return html`<section class="card" aria-labelledby="exp-title"><h2 id="exp-title">Exposures</h2>
    <p class="muted">Who was sent this campaign and when, as a CSV file: one row per message, in time order, with its delivery id and state, and its group (userId, at, deliveryId, status, group): a control-group user's row has no delivery and the group <code class="code">control</code>.</p>
    <button type="button" class="secondary" id="export-csv" onClick=${download}>Export exposures (CSV)</button> <span role="status" class="muted">${said}</span></section>`;
}
