// Step 5, "each user's time zone": how many users of the campaign's target
// fall in each zone (GET /v1/time-zones, the worker's count; users without
// a known zone in the fallback's row) and when their message leaves: the
// schedule's local date and time placed in each zone by src/js/timezone.js
// (instantOf, the rule the worker places users by), first and last overall.
import { html, useEffect, useState, formatTime } from './ui.js';
import { client } from './client.js';
import { loadTimezone } from './engine.js';

/** Each zone's row with `at`, the instant the form's date and time come there, and `local`, that time as its clocks show it. */
function rowsWithInstants(m, zones, date, time) {
  // The form's date and time as a wall clock (its fields as UTC ms), placed in each zone.
  const wall = Date.parse(`${date}T${time}:00Z`);
  if (!Number.isFinite(wall)) return null;
  return zones.map((z) => {
    const at = m.instantOf(wall, z.zone);
    return { ...z, at, local: m.toLocalText(at, z.zone).slice(0, 16).replace('T', ' ') };
  });
}

/** The table of users per zone for `target` ({ cohort } | { allUsers }), with each zone's send instant. */
export function ZoneCounts({ f, target }) {
  const [m, setM] = useState(undefined); // the time-zone module; null when this build does not serve it
  const [counts, setCounts] = useState(null); // the worker's answer, or { error }
  const cohort = target?.cohort;
  const fallback = f.fallbackTimeZone;
  const named = m === null || Boolean(m?.isTimeZone(fallback));
  useEffect(() => {
    let live = true;
    loadTimezone().then((mod) => live && setM(mod));
    return () => {
      live = false;
    };
  }, []);
  useEffect(() => {
    let live = true;
    setCounts(null);
    // The worker refuses an unknown fallback zone: ask once the field names one.
    if (m !== undefined && target && named)
      client.timeZones({ cohort, fallbackTimeZone: fallback }).then((r) => {
        if (live) setCounts(r.ok ? r.data : { error: r.error.message });
      });
    return () => {
      live = false;
    };
  }, [m, Boolean(target), cohort, fallback]);
  if (!target)
    return html`<p class="muted small-text" id="zone-counts-status">Choose who gets it (Target) to see how many users are in each time zone.</p>`;
  if (!named)
    return html`<p class="muted small-text" id="zone-counts-status">Name a known fallback zone to count the users in each time zone.</p>`;
  if (counts === null)
    return html`<p class="muted small-text" id="zone-counts-status">Counting users per time zone…</p>`;
  if (counts.error)
    return html`<p class="problem-text" id="zone-counts-status" role="alert">${counts.error}</p>`;
  const rows = m && f.date && f.time ? rowsWithInstants(m, counts.zones, f.date, f.time) : null;
  const ats = (rows ?? []).map((r) => r.at);
  const first = ats.length ? Math.min(...ats) : null;
  const last = ats.length ? Math.max(...ats) : null;
  const now = Date.now();
  const who = cohort ? 'users in the cohort' : 'users';
  return html`<div class="zone-counts">
    <p class="muted small-text" id="zone-counts-status">${counts.users} ${who}${counts.withoutZone ? `, ${counts.withoutZone} of them without a known time zone (counted in ${counts.fallbackTimeZone})` : ''}.</p>
    ${
      counts.zones.length
        ? html`<div class="table-wrap"><table class="list" id="zone-counts">
      <thead><tr><th scope="col">Time zone</th><th scope="col">Users</th><th scope="col">Local send time</th><th scope="col">Leaves (UTC)</th></tr></thead>
      <tbody>${(rows ?? counts.zones).map(
        (
          r,
        ) => html`<tr data-zone=${r.zone} data-users=${r.users} data-utc=${r.at === undefined ? '' : new Date(r.at).toISOString()}>
        <th scope="row" class="mono">${r.zone}${r.zone === counts.fallbackTimeZone && counts.withoutZone ? html` <span class="muted">(fallback)</span>` : null}</th>
        <td>${r.users}</td><td class="mono">${r.local ?? '–'}</td>
        <td>${r.at === undefined ? '–' : formatTime(new Date(r.at).toISOString(), 'UTC')}${r.at !== undefined && r.at < now ? html` <span class="bad">already passed</span>` : null}</td></tr>`,
      )}</tbody>
      ${counts.otherUsers ? html`<tfoot><tr data-zone="other"><th scope="row">Other zones</th><td>${counts.otherUsers}</td><td colspan="2" class="muted">when their own clocks show it, between the UTC+14 and UTC−12 instants above</td></tr></tfoot>` : null}
    </table></div>
    ${first !== null ? html`<p class="small-text" id="zone-first-last" data-first=${new Date(first).toISOString()} data-last=${new Date(last).toISOString()}>In the zones listed, the first messages leave ${formatTime(new Date(first).toISOString(), 'UTC')} and the last ${formatTime(new Date(last).toISOString(), 'UTC')}.</p>` : null}`
        : html`<p class="empty">No ${who} yet.</p>`
    }
  </div>`;
}
