// Campaign results: the pending messages that wait on purpose (GET
// /v1/campaigns/:key/waiting): for their user's quiet hours to end, or for
// an unhealthy destination to recover (the circuit breaker; see the
// Destinations page).
import { html, useEffect, useState } from './ui.js';
import { client } from './client.js';

/** "waiting for quiet hours to end: N", "held: the destination is unhealthy: N"; nothing when none wait. */
export function WaitingCounts({ campaignKey, tick }) {
  const [waiting, setWaiting] = useState(null);
  useEffect(() => {
    let live = true;
    client.waiting(campaignKey).then((r) => {
      if (live && r.ok) setWaiting(r.data?.waiting ?? null);
    });
    return () => {
      live = false;
    };
  }, [tick]);
  const rows = [];
  if (waiting?.quietHours > 0)
    rows.push(['quiet-hours', 'waiting for quiet hours to end', waiting.quietHours, null]);
  if (waiting?.destination > 0)
    rows.push([
      'destination',
      'held: the destination is unhealthy',
      waiting.destination,
      html` <a href="#/destinations">Destinations</a>`,
    ]);
  if (rows.length === 0) return null;
  return html`<h3>Waiting on purpose</h3><table class="kv-table" id="waiting"><tbody>${rows.map(([id, label, n, link]) => html`<tr data-waiting=${id}><td>${label}: <strong>${n}</strong>${link}</td></tr>`)}</tbody></table>`;
}
