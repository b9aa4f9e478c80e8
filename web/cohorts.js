// Cohorts: the list, and one cohort's page (name, rule builder, size
// estimate from POST /v1/cohorts/:id/estimate, delete). The same editor is
// used inline by a campaign's Target step.
import { html, useEffect, useRef, useState, Problems, Modal, plural } from './ui.js';
import { client } from './client.js';
import { GroupEditor, validateRule } from './cohort_builder.js';
import { loadProperties } from './personalize.js';

/** A rule as the builder edits it: always a group at the top. */
export function asGroup(rule) {
  if (rule && (Array.isArray(rule.all) || Array.isArray(rule.any))) return rule;
  return { all: rule ? [rule] : [] };
}

/** The cohorts list page. */
export function CohortsPage() {
  const [cohorts, setCohorts] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    client
      .cohorts()
      .then((r) => (r.ok ? setCohorts(r.data?.cohorts ?? []) : setError(r.error.message)));
  }, []);
  return html`<section class="page">
    <div class="page-head"><h1>Cohorts</h1><a class="button primary" href="#/cohorts/new" id="new-cohort">+ Create cohort</a></div>
    <p class="muted">A cohort is a group of users described by their properties and what they did. Campaigns target a cohort or all users.</p>
    ${error ? html`<p class="problem-text" role="alert">${error}</p>` : null}
    ${cohorts && cohorts.length === 0 ? html`<p class="empty">No cohorts yet.</p>` : null}
    ${
      cohorts?.length
        ? html`<div class="table-wrap"><table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Updated</th></tr></thead>
      <tbody>${cohorts.map((c) => html`<tr><td><a href=${`#/cohorts/${encodeURIComponent(c.id)}`}>${c.name || c.id}</a></td><td>${c.updatedAt ? new Date(c.updatedAt).toLocaleString() : ''}</td></tr>`)}</tbody></table></div>`
        : null
    }
  </section>`;
}

/** One cohort's page (`id` "new" creates one). */
export function CohortPage({ id, engine }) {
  const [cohort, setCohort] = useState(id === 'new' ? { name: '', rule: { all: [] } } : null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (id !== 'new')
      client.cohort(id).then((r) => (r.ok ? setCohort(r.data.cohort) : setError(r.error.message)));
  }, [id]);
  if (error)
    return html`<section class="page"><p class="problem-text" role="alert">${error}</p></section>`;
  if (!cohort) return html`<section class="page"><p class="muted">Loading…</p></section>`;
  return html`<section class="page">
    <a href="#/cohorts" class="back">← Cohorts</a>
    <h1>${id === 'new' ? 'New cohort' : cohort.name || cohort.id}</h1>
    <${CohortEditor} cohort=${cohort} engine=${engine} onSaved=${(c) => {
      if (id === 'new') location.hash = `#/cohorts/${encodeURIComponent(c.id)}`;
    }} />
  </section>`;
}

/**
 * Name + rule + live estimate + save. The engine checks the rule on every
 * change; the estimate counts the saved rule's members now (the worker asks
 * every user shard, with the same engine).
 * @param {{ cohort: object, engine: object, onSaved?: (cohort) => void, compact?: boolean }} p
 */
export function CohortEditor({ cohort, engine, onSaved, compact }) {
  const [name, setName] = useState(cohort.name ?? '');
  const [rule, setRule] = useState(asGroup(cohort.rule));
  const [saved, setSaved] = useState(
    cohort.id
      ? { id: cohort.id, name: cohort.name, rule: JSON.stringify(asGroup(cohort.rule)) }
      : null,
  );
  const [serverProblems, setServerProblems] = useState([]);
  const [status, setStatus] = useState('');
  const [estimate, setEstimate] = useState(null);
  const [props, setProps] = useState(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const seq = useRef(0);
  useEffect(() => {
    loadProperties().then(setProps);
  }, []);

  const check = validateRule(engine, rule);
  // A new, empty rule is where everyone starts: no "holds no rule" before the first edit or save.
  const [edited, setEdited] = useState(Boolean(cohort.id));
  const problems = [
    ...check.problems.filter((p) => edited || p.code !== 'empty_group'),
    ...serverProblems,
  ];
  // A condition's problems: its own field or a plain key under it (op, value,
  // count.value); not those of a nested condition, which shows its own.
  const problemsAt = (path) =>
    problems.filter(
      (p) =>
        p.field === path ||
        (p.field.startsWith(`${path}.`) &&
          /^[a-z_]+(\.[a-z_]+)?$/.test(p.field.slice(path.length + 1))),
    );
  const dirty = !saved || saved.name !== name || saved.rule !== JSON.stringify(rule);

  const runEstimate = async (cid) => {
    const my = ++seq.current;
    setEstimate({ loading: true });
    const r = await client.estimate(cid);
    if (my !== seq.current) return;
    setEstimate(r.ok ? r.data : { error: r.error.message });
  };
  useEffect(() => {
    if (saved?.id) runEstimate(saved.id);
  }, [saved?.id]);

  const save = async (e) => {
    e?.preventDefault();
    setEdited(true);
    const body = { name, rule };
    const r = saved?.id
      ? await client.updateCohort(saved.id, body)
      : await client.createCohort(body);
    setServerProblems(r.ok ? [] : r.problems);
    if (!r.ok) {
      setStatus(r.error.message);
      return;
    }
    const c = r.data.cohort;
    setSaved({ id: c.id, name: c.name, rule: JSON.stringify(asGroup(c.rule)) });
    setStatus('Saved.');
    runEstimate(c.id);
    onSaved?.(c);
  };
  const remove = async () => {
    const r = await client.deleteCohort(saved.id);
    setConfirmDelete(false);
    if (r.ok) location.hash = '#/cohorts';
    else setStatus(r.error.message);
  };
  const errors = check.problems.filter((p) => p.severity !== 'warning').length;
  return html`<form class=${`card cohort-editor ${compact ? 'compact' : ''}`} onSubmit=${save}>
    <div class="field"><label for="cohort-name">Cohort name</label>
      <input id="cohort-name" value=${name} onInput=${(e) => setName(e.currentTarget.value)} /><${Problems} list=${problems.filter((p) => p.field === 'name')} /></div>
    <${GroupEditor} rule=${rule} onChange=${(r) => {
      setRule(r);
      setServerProblems([]);
      setEdited(true);
    }} props=${props} engine=${engine} problems=${problemsAt} />
    <${Problems} list=${problems.filter((p) => /^rule(\.(all|any))?$/.test(p.field))} />
    <div class="estimate" role="status" id="cohort-estimate">
      ${
        !saved?.id
          ? html`<span class="muted">Save the cohort to see how many users are in it now.</span>`
          : dirty
            ? html`<span class="muted">Save to update the estimate.</span>`
            : estimate?.loading
              ? html`<span class="muted">Counting…</span>`
              : estimate?.error
                ? html`<span class="problem-text">${estimate.error}</span>`
                : estimate
                  ? html`<strong data-users=${estimate.users}>${plural(estimate.users, 'user')}</strong> in this cohort now${estimate.sample?.length ? html`, for example <span class="mono">${estimate.sample.slice(0, 5).join(', ')}</span>` : ''}.`
                  : null
      }
    </div>
    <div class="actions"><button type="submit" class="primary" id="save-cohort" disabled=${errors > 0 || !dirty}>${saved?.id ? 'Save cohort' : 'Create cohort'}</button>
      ${saved?.id && !compact ? html`<button type="button" class="danger" onClick=${() => setConfirmDelete(true)}>Delete</button>` : null}
      <span class="muted" role="status">${errors ? `${errors} problem${errors === 1 ? '' : 's'} in the rule.` : status}</span></div>
    ${
      confirmDelete
        ? html`<${Modal} title="Delete this cohort?" onClose=${() => setConfirmDelete(false)}>
      <p>Campaigns that are not ended and target it keep it from being deleted.</p>
      <div class="actions"><button type="button" class="danger" onClick=${remove}>Delete cohort</button><button type="button" class="secondary" onClick=${() => setConfirmDelete(false)}>Keep it</button></div><//>`
        : null
    }
  </form>`;
}
