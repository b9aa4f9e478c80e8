// Destinations (GET /v1/destinations): every host the circuit breaker has
// counted a failure for, its state, the last error and when the next probe
// goes; Resume (POST /v1/destinations/:host/resume) sends what is held now.
import { html, useEffect, useState, formatTime } from './ui.js';
import { client } from './client.js';

const REFRESH_MS = 5000;

/** The destinations page. */
export function DestinationsPage() {
  const [list, setList] = useState(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const [status, setStatus] = useState('');
  useEffect(() => {
    let live = true;
    client.destinations().then((r) => {
      if (!live) return;
      if (r.ok) {
        setList(r.data?.destinations ?? []);
        setError('');
      } else setError(r.error.message);
    });
    const t = setTimeout(() => setTick((n) => n + 1), REFRESH_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [tick]);
  const resume = async (host) => {
    const r = await client.resumeDestination(host);
    setStatus(r.ok ? `${host} resumed: held messages are going out.` : r.error.message);
    setTick((n) => n + 1);
  };
  return html`<section class="page">
    <h1>Destinations</h1>
    <p class="muted">After 20 failed attempts in a row to one host (network errors, timeouts, HTTP 5xx, 408 or 429), hookcast stops sending to it: its messages wait, pending, without using up their retries, and one of them is tried every 60 seconds. The first answer that is not such a failure sends everything held. Resume does that now.</p>
    ${error ? html`<p class="problem-text" role="alert">${error}</p>` : null}
    <p role="status" class="muted" id="destinations-status">${status}</p>
    ${
      list === null
        ? html`<p class="muted">Loading…</p>`
        : list.length === 0
          ? html`<p class="empty">No destination has failed yet.</p>`
          : html`<div class="table-wrap"><table class="list" id="destinations">
      <thead><tr><th scope="col">Host</th><th scope="col">State</th><th scope="col">Since</th><th scope="col">Failures in a row</th><th scope="col">Last error</th><th scope="col">Next probe</th><th scope="col"></th></tr></thead>
      <tbody>${list.map(
        (d) => html`<tr data-host=${d.host} data-state=${d.state}>
        <th scope="row" class="mono">${d.host}</th>
        <td class=${d.state === 'healthy' ? 'ok' : 'bad'}>${d.state === 'healthy' ? 'Healthy' : 'Unhealthy: messages held'}</td>
        <td>${formatTime(d.since)}</td><td>${d.failures}</td><td class="mono">${d.lastError ?? ''}</td><td>${d.nextProbeAt ? formatTime(d.nextProbeAt) : ''}</td>
        <td>${d.state === 'unhealthy' ? html`<button type="button" class="secondary small" data-resume=${d.host} onClick=${() => resume(d.host)}>Resume</button>` : null}</td></tr>`,
      )}</tbody></table></div>`
    }
  </section>`;
}
