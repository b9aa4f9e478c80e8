// Step 5 pieces about the moment a message arrives: a schedule in each
// user's time zone (send.timeZone "user" with a fallback zone, when the
// first and last messages leave, how many users fall in each zone:
// zone_counts.js) and the opt-in to the workspace's quiet hours.
import { html, useEffect, useState, Problems, problemsFor } from './ui.js';
import { client } from './client.js';
import { loadTimezone } from './engine.js';
import { ZoneCounts } from './zone_counts.js';

/**
 * "Each user's time zone" for a schedule: the toggle, the fallback zone,
 * and when the messages leave (UTC+14 first, UTC−12 last, the fallback's).
 */
export function UserZoneChoice({ f, set, problems, target }) {
  const [span, setSpan] = useState('');
  useEffect(() => {
    let live = true;
    setSpan('');
    if (!f.perUser || !f.date || !f.time) return undefined;
    loadTimezone().then((m) => {
      if (!live || typeof m?.instantOf !== 'function') return;
      try {
        // The form's date and time as a wall clock (its fields as UTC ms), placed in each zone.
        const wall = Date.parse(`${f.date}T${f.time}:00Z`);
        if (!Number.isFinite(wall)) return;
        const first = m.instantOf(wall, m.EARLIEST_ZONE ?? 'Etc/GMT-14');
        const last = m.instantOf(wall, m.LATEST_ZONE ?? 'Etc/GMT+12');
        const fallback = m.instantOf(wall, f.fallbackTimeZone);
        setSpan(
          `The first messages can leave ${new Date(first).toLocaleString()} (where ${f.time} comes first, UTC+14) and the last ${new Date(last).toLocaleString()} (UTC−12), in your time zone; users without a time zone at ${new Date(fallback).toLocaleString()}.`,
        );
      } catch {
        /* an unknown zone is reported as a problem instead */
      }
    });
    return () => {
      live = false;
    };
  }, [f.perUser, f.date, f.time, f.fallbackTimeZone]);
  return html`<div class="user-zone">
    <label class="inline"><input type="checkbox" id="send-per-user" checked=${f.perUser} onChange=${(e) => set({ perUser: e.currentTarget.checked })} /> Each user's time zone (their <code>timezone</code> property)</label>
    ${
      f.perUser
        ? html`<div class="field"><label for="send-fallback">For users without one</label><input id="send-fallback" list="zone-list" value=${f.fallbackTimeZone} onInput=${(e) => set({ fallbackTimeZone: e.currentTarget.value })} /></div>
      <p class="muted small-text" id="user-zone-span" role="status">${span}</p>
      <${ZoneCounts} f=${f} target=${target} />
      <p class="muted small-text">Users whose time has already passed when the campaign starts are skipped (a repeat reaches them next time).</p>
      <${Problems} list=${problemsFor(problems, 'send.fallbackTimeZone')} />`
        : null
    }
  </div>`;
}

/** The opt-in to the workspace's quiet hours, with the hours shown. */
export function QuietHoursOptIn({ f, set }) {
  const [quiet, setQuiet] = useState(null);
  useEffect(() => {
    client.quietHours().then((r) => setQuiet(r.ok ? (r.data ?? {}) : null));
  }, []);
  const zone =
    quiet?.timeZone === 'user'
      ? `each user's time (else ${quiet.fallbackTimeZone})`
      : quiet?.timeZone;
  return html`<label class="inline"><input type="checkbox" id="apply-quiet" checked=${f.quietHours} onChange=${(e) => set({ quietHours: e.currentTarget.checked })} /> Hold messages during the workspace's quiet hours</label>
    <p class="muted small-text">${quiet === null ? '' : quiet.start ? `Quiet hours: ${quiet.start} to ${quiet.end}, ${zone}. A message due then waits and goes out when they end.` : 'The workspace has no quiet hours yet, so nothing waits.'}
      <a href="#/settings/quiet-hours"> Quiet hours settings</a></p>`;
}
