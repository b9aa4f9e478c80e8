// Workspace quiet hours (GET/PUT /v1/settings/quiet-hours): a message of a
// campaign that opted in (Step 5) waits while its user is inside them and
// goes out when they end. The worker checks the body; the form states it.
import { html, useEffect, useState, Problems, browserZone, problemsFor } from './ui.js';
import { client } from './client.js';

const zones = () => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
};

/** The form's state from the stored setting ({} is off). */
function formOf(q) {
  const on = Boolean(q?.start);
  return {
    on,
    start: q?.start ?? '21:00',
    end: q?.end ?? '08:00',
    perUser: !on || q.timeZone === 'user',
    timeZone: q?.timeZone && q.timeZone !== 'user' ? q.timeZone : browserZone(),
    fallbackTimeZone: q?.fallbackTimeZone ?? browserZone(),
  };
}

/** The PUT body for the form. */
function bodyOf(f) {
  if (!f.on) return {};
  return f.perUser
    ? { start: f.start, end: f.end, timeZone: 'user', fallbackTimeZone: f.fallbackTimeZone }
    : { start: f.start, end: f.end, timeZone: f.timeZone };
}

/** The workspace quiet-hours page. */
export function QuietHoursPage() {
  const [f, setF] = useState(null);
  const [stored, setStored] = useState('');
  const [result, setResult] = useState({ text: '', problems: [] });
  useEffect(() => {
    client.quietHours().then((r) => {
      const q = r.ok ? (r.data ?? {}) : {};
      setF(formOf(q));
      setStored(JSON.stringify(bodyOf(formOf(q))));
      if (!r.ok) setResult({ text: r.error.message, problems: [] });
    });
  }, []);
  if (!f)
    return html`<section class="page"><h1>Quiet hours</h1><p class="muted">Loading…</p></section>`;
  const set = (p) => setF({ ...f, ...p });
  const body = bodyOf(f);
  const dirty = JSON.stringify(body) !== stored;
  const problems = result.problems;
  const allZones = zones();
  const save = async (e) => {
    e.preventDefault();
    const r = await client.saveQuietHours(body);
    if (r.ok) setStored(JSON.stringify(body));
    setResult({
      text: r.ok
        ? f.on
          ? 'Saved. Campaigns that opted in hold messages during these hours from now on.'
          : 'Saved: no quiet hours.'
        : r.error.message,
      problems: r.ok ? [] : r.problems,
    });
  };
  return html`<section class="page">
    <h1>Quiet hours</h1>
    <p class="muted">Hours in which no message of a campaign that opts in (Step 5) reaches a user. A message due then waits, pending, and goes out when they end; nothing is dropped. Test sends ignore quiet hours.</p>
    <form class="card" onSubmit=${save} id="quiet-form">
      <label class="inline"><input type="checkbox" id="quiet-on" checked=${f.on} onChange=${(e) => set({ on: e.currentTarget.checked })} /> Keep quiet hours</label>
      ${
        f.on
          ? html`<fieldset><legend>When</legend><div class="inline-form">
          from <input type="time" id="quiet-start" aria-label="quiet hours start" value=${f.start} onInput=${(e) => set({ start: e.currentTarget.value })} />
          to <input type="time" id="quiet-end" aria-label="quiet hours end" value=${f.end} onInput=${(e) => set({ end: e.currentTarget.value })} />
          <span class="hint">${f.start > f.end ? '(over midnight)' : ''}</span></div>
          <${Problems} list=${problemsFor(problems, 'start').concat(problemsFor(problems, 'end'))} /></fieldset>
        <fieldset class="choice"><legend>In which time zone</legend>
          <label><input type="radio" name="quiet-zone" id="quiet-per-user" checked=${f.perUser} onChange=${() => set({ perUser: true })} /> Each user's own (their <code>timezone</code> property)</label>
          ${f.perUser ? html`<div class="field"><label for="quiet-fallback">For users without one</label><input id="quiet-fallback" list="quiet-zones" value=${f.fallbackTimeZone} onInput=${(e) => set({ fallbackTimeZone: e.currentTarget.value })} /></div>` : null}
          <label><input type="radio" name="quiet-zone" id="quiet-one-zone" checked=${!f.perUser} onChange=${() => set({ perUser: false })} /> One zone for everyone</label>
          ${!f.perUser ? html`<div class="field"><label for="quiet-zone-name">Time zone</label><input id="quiet-zone-name" list="quiet-zones" value=${f.timeZone} onInput=${(e) => set({ timeZone: e.currentTarget.value })} /></div>` : null}
          <datalist id="quiet-zones">${allZones.map((z) => html`<option value=${z} />`)}</datalist>
          <${Problems} list=${problemsFor(problems, 'timeZone').concat(problemsFor(problems, 'fallbackTimeZone'))} /></fieldset>`
          : null
      }
      <${Problems} list=${problems.filter((p) => p.field === '')} />
      <div class="actions"><button type="submit" class="primary" id="save-quiet" disabled=${!dirty}>Save</button>
        <span role="status" class="muted" id="quiet-status">${dirty ? 'Unsaved changes.' : result.text}</span></div>
    </form>
  </section>`;
}
