// Step 5's "Measure the effect": a control group (the share of candidates
// held back, drawn by the engine's stable hash) and a goal (an event seen
// in the workspace, an optional filter on its properties, and how long
// after the send it still counts). The engine checks the shape on every
// change (checkCampaign, partial); Save PATCHes `experiment` alone.
import { html, useEffect, useState, Problems, problemsFor } from './ui.js';
import { vocabulary } from './engine.js';
import { editability } from './editability.js';
import { PropertyCondition, operators } from './cohort_builder.js';
import { loadProperties } from './personalize.js';

function formOf(experiment) {
  const goal = experiment?.goal ?? null;
  return {
    on: Boolean(experiment),
    controlPercent: experiment?.controlPercent ?? 10,
    event: goal?.event ?? '',
    where: goal?.where ?? [],
    value: goal?.within?.value ?? 7,
    unit: goal?.within?.unit ?? 'days',
  };
}

/** The `experiment` the form stands for (null: none). */
export function experimentOf(f) {
  if (!f.on) return null;
  const out = { controlPercent: Number(f.controlPercent) };
  if (f.event)
    out.goal = {
      event: f.event,
      ...(f.where.length ? { where: f.where } : {}),
      within: { value: Number(f.value), unit: f.unit },
    };
  return out;
}

/** The card: control share, goal event with an optional filter, window; Save. */
export function MeasureCard({ campaign, engine, patch }) {
  const [f, setF] = useState(() => formOf(campaign.experiment));
  const [props, setProps] = useState(null);
  const [saved, setSaved] = useState({ text: '', problems: [] });
  useEffect(() => {
    loadProperties().then(setProps);
  }, []);
  useEffect(() => setF(formOf(campaign.experiment)), [JSON.stringify(campaign.experiment ?? null)]);
  const edit = editability(engine, campaign.status, ['experiment']);
  // While the engine loads no rule is known: nothing is offered for editing yet.
  const readOnly = !edit?.ok;
  const set = (p) => setF((old) => ({ ...old, ...p }));
  const experiment = experimentOf(f);
  const shape = engine?.checkCampaign({ experiment }, { partial: true }) ?? { problems: [] };
  const problems = [...shape.problems, ...saved.problems];
  const dirty = JSON.stringify(experiment) !== JSON.stringify(campaign.experiment ?? null);
  const events = props?.events ?? [];
  const ev = events.find((x) => x.key === f.event);
  const save = async (e) => {
    e.preventDefault();
    const r = await patch({ experiment });
    setSaved({ text: r.ok ? 'Saved.' : r.error.message, problems: r.ok ? [] : (r.problems ?? []) });
  };
  return html`<form class="card" id="measure" onSubmit=${save} aria-labelledby="measure-title">
    <h2 id="measure-title">Measure the effect</h2>
    ${edit && !edit.ok ? html`<p class="why">${edit.message}</p>` : null}
    <label class="inline"><input type="checkbox" id="experiment-on" disabled=${readOnly} checked=${f.on} onChange=${(e) => set({ on: e.currentTarget.checked })} /> Keep a control group and measure a goal</label>
    ${
      f.on
        ? html`<fieldset disabled=${readOnly}><legend>Control group</legend>
        <div class="inline-form">Hold back <input type="number" id="control-percent" min="0" max="50" step="0.01" aria-label="control share in percent" value=${f.controlPercent} onInput=${(e) => set({ controlPercent: e.currentTarget.value })} /> % of the users who would get it</div>
        <p class="muted small-text">Each user is drawn once, by a stable hash of the campaign and the user: the same user is always in the same group. Control users are sent nothing and keep their frequency-cap slot.</p>
        <${Problems} list=${problemsFor(problems, 'experiment.controlPercent')} /></fieldset>
      <fieldset disabled=${readOnly}><legend>Goal</legend>
        <div class="field"><label for="goal-event">A user converts when they do</label>
          <select id="goal-event" value=${f.event} onChange=${(e) => set({ event: e.currentTarget.value, where: [] })}>
            <option value="">No goal yet…</option>${events.map((x) => html`<option value=${x.key}>${x.key} (${x.count} seen)</option>`)}
            ${f.event && !ev ? html`<option value=${f.event}>${f.event}</option>` : null}</select></div>
        ${
          f.event
            ? html`${f.where.map(
                (
                  w,
                  i,
                ) => html`<div class="where-row">where <${PropertyCondition} label="Event property" cond=${w} props=${{ user: ev?.properties ?? [] }} ops=${operators(engine)} path=${`experiment.goal.where[${i}]`}
              onChange=${(nw) => set({ where: f.where.map((x, j) => (j === i ? nw : x)) })} disabled=${readOnly} />
            <button type="button" class="icon-button" aria-label="Remove this filter" onClick=${() => set({ where: f.where.filter((_, j) => j !== i) })}>×</button>
            <${Problems} list=${problemsFor(problems, `experiment.goal.where[${i}]`)} /></div>`,
              )}
          <button type="button" class="link" onClick=${() => set({ where: [...f.where, { property: ev?.properties?.[0]?.name ?? '', op: 'eq', value: '' }] })}>+ only when the event's properties match</button>
          <div class="inline-form">within <input type="number" id="goal-within" min="1" aria-label="goal window" value=${f.value} onInput=${(e) => set({ value: e.currentTarget.value })} />
            <select id="goal-unit" aria-label="goal window unit" value=${f.unit} onChange=${(e) => set({ unit: e.currentTarget.value })}>${vocabulary(engine).units.goalWithin.map((u) => html`<option>${u}</option>`)}</select> after the send (at most 30 days)</div>
          <${Problems} list=${problemsFor(problems, 'experiment.goal').filter((p) => !/^experiment\.goal\.where\[/.test(p.field))} />`
            : null
        }
      </fieldset>`
        : null
    }
    <${Problems} list=${problems.filter((p) => p.field === 'experiment')} />
    <div class="actions"><button type="submit" class="primary" id="save-experiment" disabled=${readOnly || !dirty}>Save</button>
      <span role="status" class="muted" id="experiment-status">${dirty ? 'Unsaved changes.' : saved.text}</span></div>
  </form>`;
}
