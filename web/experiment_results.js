// The experiment's answer in Results: both groups (users, conversions,
// rate), the uplift with its 95 % interval drawn as a bar around the
// estimate, and what it means in plain words. Every figure is the worker's
// (GET /v1/campaigns/:key/results, computed by the engine): this file only
// formats them.
import { html, useEffect, useState } from './ui.js';
import { client } from './client.js';

/** The smallest group the engine reports an uplift for. */
const MIN_USERS = 30;

/** 0.0123 → "1.2"; percentage points with one decimal (two under 0.1). */
export function points(fraction) {
  const p = fraction * 100;
  return Math.abs(p) < 0.1 && p !== 0 ? p.toFixed(2) : p.toFixed(1);
}

const percent = (rate) => (rate === null || rate === undefined ? '–' : `${points(rate)} %`);

/**
 * What the results say, as a sentence: "With 95 % confidence the campaign
 * raised purchases by 0.8 to 2.1 points", or why there is no answer yet
 * ("Not enough users yet: 12 of 30 in the control group").
 */
export function upliftWords(results) {
  const goal = results?.goal?.event ?? 'conversions';
  const { sent, control } = results?.groups ?? {};
  if (!results?.goal) return 'Set a goal in step 5 ("Measure the effect") to measure conversions.';
  if (!results.uplift) {
    const short = [
      ['control', control],
      ['sent', sent],
    ].filter(([, g]) => (g?.users ?? 0) < MIN_USERS);
    if (short.length === 0) return 'No comparison yet.';
    return `Not enough users yet: ${short.map(([name, g]) => `${g?.users ?? 0} of ${MIN_USERS} in the ${name} group`).join(', ')}.`;
  }
  const [lo, hi] = results.uplift.ci95;
  if (lo > 0)
    return `With 95 % confidence the campaign raised ${goal} by ${points(lo)} to ${points(hi)} points.`;
  if (hi < 0)
    return `With 95 % confidence the campaign lowered ${goal} by ${points(-hi)} to ${points(-lo)} points.`;
  return `No clear effect yet: with 95 % confidence the change in ${goal} lies between ${points(lo)} and ${points(hi)} points, which includes no change.`;
}

/** The estimate with its interval as a horizontal bar on an axis through 0. */
function IntervalBar({ uplift }) {
  const [lo, hi] = uplift.ci95;
  const reach = Math.max(Math.abs(lo), Math.abs(hi), Math.abs(uplift.absolute), 0.001) * 1.2;
  const x = (v) => 50 + (v / reach) * 45; // percent of the width; 0 in the middle
  return html`<svg class="uplift-bar" id="uplift-bar" viewBox="0 0 100 16" preserveAspectRatio="none" role="img"
      aria-label=${`Uplift ${points(uplift.absolute)} points, 95 % interval ${points(lo)} to ${points(hi)} points`}>
    <line x1="50" y1="0" x2="50" y2="16" stroke="currentColor" stroke-opacity=".4" stroke-width=".3" />
    <rect x=${x(lo)} y="5" width=${Math.max(0.3, x(hi) - x(lo))} height="6" fill="var(--accent, #2563eb)" fill-opacity=".35" />
    <line x1=${x(uplift.absolute)} y1="2" x2=${x(uplift.absolute)} y2="14" stroke="var(--accent, #2563eb)" stroke-width=".8" />
  </svg>
  <p class="muted small-text">The bar is the 95 % interval, the line the estimate; the faint line is no change.</p>`;
}

/** Results' experiment card; refreshes with the counters (`tick`). */
export function ExperimentResults({ campaignKey, tick }) {
  const [results, setResults] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    client.results(campaignKey).then((r) => {
      if (!live) return;
      if (r.ok) {
        setResults(r.data);
        setError('');
      } else setError(r.error.message);
    });
    return () => {
      live = false;
    };
  }, [tick]);
  if (!results && !error) return null;
  if (results && !results.goal && !(results.groups?.control?.users > 0)) return null; // no experiment: nothing to show
  const row = (name, label, g) =>
    html`<tr data-group=${name}><th scope="row">${label}</th><td>${g?.users ?? 0}</td><td>${g?.converted ?? 0}</td><td>${percent(g?.rate)}</td></tr>`;
  const u = results?.uplift;
  return html`<section class="card" id="experiment-results" aria-labelledby="experiment-title"><h2 id="experiment-title">Did it work?</h2>
    ${error ? html`<p class="problem-text" role="alert">${error}</p>` : null}
    ${
      results
        ? html`
      <table class="kv-table" id="experiment-groups"><thead><tr><th></th><th>Users</th><th>Converted</th><th>Rate</th></tr></thead>
        <tbody>${row('sent', 'Sent the campaign', results.groups.sent)}${row('control', 'Control group (sent nothing)', results.groups.control)}</tbody></table>
      <p id="uplift-words" aria-live="polite"><strong>${upliftWords(results)}</strong></p>
      ${
        u
          ? html`<p class="muted">Uplift ${points(u.absolute)} points${u.relative === null ? '' : ` (${u.relative >= 0 ? '+' : ''}${(u.relative * 100).toFixed(0)} % relative)`}, 95 % interval ${points(u.ci95[0])} to ${points(u.ci95[1])} points, p = ${u.pValue < 0.0001 ? '< 0.0001' : u.pValue.toFixed(4)}.</p>
        <${IntervalBar} uplift=${u} />`
          : null
      }`
        : null
    }
  </section>`;
}
