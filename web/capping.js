// Workspace frequency capping: at most N webhook messages per user per
// period, every rule must have room. Checked by the engine as typed
// (engine.checkFrequencyCapping) and by the worker on save.
import { html, useEffect, useState, Problems, problemsFor } from './ui.js';
import { client } from './client.js';
import { vocabulary } from './engine.js';

/** The workspace frequency-capping page (GET/PUT /v1/settings/frequency-capping). */
export function CappingPage({ engine }) {
  const [rules, setRules] = useState(null);
  const [stored, setStored] = useState('');
  const [result, setResult] = useState({ text: '', problems: [] });
  useEffect(() => {
    client.frequencyCapping().then((r) => {
      const list = r.ok ? (r.data?.rules ?? []) : [];
      setRules(list);
      setStored(JSON.stringify(list));
      if (!r.ok) setResult({ text: r.error.message, problems: [] });
    });
  }, []);
  if (!rules)
    return html`<section class="page"><h1>Frequency capping</h1><p class="muted">Loading…</p></section>`;
  const body = {
    rules: rules.map((r) => ({
      limit: Number(r.limit),
      period: { value: Number(r.period.value), unit: r.period.unit },
    })),
  };
  const check = engine ? engine.checkFrequencyCapping(body) : { problems: [] };
  const problems = [...check.problems, ...result.problems];
  const dirty = JSON.stringify(body.rules) !== stored;
  const setRule = (i, next) => setRules(rules.map((r, j) => (j === i ? next : r)));
  const save = async (e) => {
    e.preventDefault();
    const r = await client.saveFrequencyCapping(body);
    if (r.ok) setStored(JSON.stringify(r.data?.rules ?? body.rules));
    setResult({
      text: r.ok
        ? 'Saved. Campaigns that apply frequency capping use these rules from their next send.'
        : r.error.message,
      problems: r.ok ? [] : r.problems,
    });
  };
  return html`<section class="page">
    <h1>Frequency capping</h1>
    <p class="muted">Limit how many webhook messages one user can receive in a period, across every campaign. Each campaign chooses whether the caps hold it back (Step 5). Counting is by send start time; test messages count nowhere. No rules: no cap.</p>
    <form class="card" onSubmit=${save}>
      <ol class="cap-rules" id="cap-rules">${rules.map(
        (r, i) => html`<li class="inline-form">
        At most <input type="number" min="1" aria-label=${`rule ${i + 1} limit`} value=${r.limit} onInput=${(e) => setRule(i, { ...r, limit: e.currentTarget.value })} />
        messages per <input type="number" min="1" aria-label=${`rule ${i + 1} period`} value=${r.period.value} onInput=${(e) => setRule(i, { ...r, period: { ...r.period, value: e.currentTarget.value } })} />
        <select aria-label=${`rule ${i + 1} unit`} value=${r.period.unit} onChange=${(e) => setRule(i, { ...r, period: { ...r.period, unit: e.currentTarget.value } })}>${vocabulary(engine).units.capPeriod.map((u) => html`<option>${u}</option>`)}</select>
        <button type="button" class="icon-button" aria-label=${`Remove rule ${i + 1}`} onClick=${() => setRules(rules.filter((_, j) => j !== i))}>×</button>
        <${Problems} list=${problemsFor(problems, `rules[${i}]`)} /></li>`,
      )}</ol>
      ${rules.length === 0 ? html`<p class="empty">No rules: messages are not capped.</p>` : null}
      <${Problems} list=${problems.filter((p) => p.field === 'rules' || p.field === '')} />
      <button type="button" class="secondary small" id="add-cap" onClick=${() => setRules([...rules, { limit: 3, period: { value: 1, unit: 'days' } }])}>+ Add rule</button>
      <div class="actions"><button type="submit" class="primary" id="save-caps" disabled=${!dirty || check.problems.some((p) => p.severity !== 'warning')}>Save</button>
        <span role="status" class="muted" id="caps-status">${dirty ? 'Unsaved changes.' : result.text}</span></div>
    </form>
  </section>`;
}
