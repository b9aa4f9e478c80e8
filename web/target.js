// Target: all users, or a cohort (pick a saved one or build a new one here).
// Saved on the campaign as `target: { allUsers: true }` or `{ cohort: id }`.
import { html, useEffect, useState, Problems, problemsFor, plural } from './ui.js';
import { client } from './client.js';
import { editability } from './editability.js';
import { CohortEditor } from './cohorts.js';

/** Target: all users or a cohort, with a builder for a new cohort. */
export function TargetStep({ campaign, engine, patch, setNotice }) {
  const [cohorts, setCohorts] = useState(null);
  const [mode, setMode] = useState(
    campaign.target?.cohort ? 'cohort' : campaign.target?.allUsers ? 'all' : 'cohort',
  );
  const [cohortId, setCohortId] = useState(campaign.target?.cohort ?? '');
  const [building, setBuilding] = useState(false);
  const [result, setResult] = useState({ text: '', problems: [] });
  const [estimate, setEstimate] = useState(null);
  const edit = editability(engine, campaign.status, ['target']);
  // While the engine loads no rule is known: nothing is offered for editing yet.
  const readOnly = !edit?.ok;

  const loadCohorts = () =>
    client.cohorts().then((r) => setCohorts(r.ok ? (r.data?.cohorts ?? []) : []));
  useEffect(() => {
    loadCohorts();
  }, []);
  useEffect(() => {
    setEstimate(null);
    if (mode === 'cohort' && cohortId)
      client
        .estimate(cohortId)
        .then((r) => setEstimate(r.ok ? r.data : { error: r.error.message }));
  }, [mode, cohortId]);

  const target = mode === 'all' ? { allUsers: true } : cohortId ? { cohort: cohortId } : null;
  const dirty = JSON.stringify(target) !== JSON.stringify(campaign.target ?? null);
  const save = async (e) => {
    e.preventDefault();
    if (!target) {
      setResult({ text: 'Choose a cohort, or build one.', problems: [] });
      return;
    }
    const r = await patch({ target });
    setResult({ text: r.ok ? 'Saved.' : r.error.message, problems: r.ok ? [] : r.problems });
    if (r.ok) {
      // Saving moves on to the next step (the product page: "click Save to proceed").
      setNotice('Target saved.');
      location.hash = `#/campaigns/${encodeURIComponent(campaign.key)}/review`;
    }
  };
  return html`<div class="step-grid wide">
    <form class="card" onSubmit=${save} aria-labelledby="target-title">
      <h2 id="target-title">Target</h2>
      ${edit && !edit.ok ? html`<p class="why">${edit.message}</p>` : null}
      <fieldset class="choice" disabled=${readOnly}><legend>Who can receive this campaign</legend>
        <label><input type="radio" name="target" value="cohort" checked=${mode === 'cohort'} onChange=${() => setMode('cohort')} /> Users in a cohort</label>
        <label><input type="radio" name="target" value="all" checked=${mode === 'all'} id="target-all" onChange=${() => setMode('all')} /> All users</label>
      </fieldset>
      ${
        mode === 'cohort'
          ? html`<div class="field"><label for="target-cohort">Cohort</label>
        <select id="target-cohort" value=${cohortId} disabled=${readOnly} onChange=${(e) => setCohortId(e.currentTarget.value)}>
          <option value="">Choose a cohort…</option>
          ${(cohorts ?? []).map((c) => html`<option value=${c.id}>${c.name || c.id}</option>`)}</select>
        <p class="estimate" role="status" id="target-estimate">${estimate?.error ? estimate.error : estimate ? html`<strong>${plural(estimate.users, 'user')}</strong> in it now.` : ''}</p>
        <button type="button" class="secondary small" id="build-cohort" disabled=${readOnly} onClick=${() => setBuilding(true)}>+ Build a new cohort</button>
        ${cohortId ? html` <a href=${`#/cohorts/${encodeURIComponent(cohortId)}`}>Edit this cohort</a>` : null}
      </div>`
          : html`<p class="muted">Every user this workspace knows, as of the moment each message goes out.</p>`
      }
      <${Problems} list=${problemsFor(result.problems, 'target')} />
      <div class="actions"><button type="submit" class="primary" id="save-target" disabled=${readOnly || !dirty}>Save target</button>
        <span role="status" class="muted" id="target-status">${dirty ? 'Unsaved changes.' : result.text}</span></div>
    </form>
    ${
      building
        ? html`<section aria-labelledby="builder-title"><h2 id="builder-title">New cohort</h2>
      <${CohortEditor} compact cohort=${{ name: `${campaign.title || campaign.key} audience`, rule: { all: [] } }} engine=${engine}
        onSaved=${(c) => {
          loadCohorts();
          setCohortId(c.id);
          setMode('cohort');
        }} /></section>`
        : null
    }
  </div>`;
}
