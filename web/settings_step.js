// Step 1: the campaign's key, title and description, and its status card.
import { html, useState, CopyButton, Problems, problemsFor } from './ui.js';
import { StatusCard } from './status_card.js';
import { capabilities } from './engine.js';

/** Step 1: key, title, description, status and the lifecycle actions. */
export function SettingsStep({ campaign, engine, patch, setNotice, reload }) {
  const [title, setTitle] = useState(campaign.title ?? '');
  const [description, setDescription] = useState(campaign.description ?? '');
  const [problems, setProblems] = useState([]);
  const [said, setSaid] = useState('');
  const dirty = title !== (campaign.title ?? '') || description !== (campaign.description ?? '');
  // Title and description: the engine's labelsEditable (every status but
  // ended); nothing is editable while the engine loads.
  const caps = capabilities(engine, campaign);
  const locked = !caps?.labelsEditable;
  const blank = title.trim() === '';
  const save = async (e) => {
    e.preventDefault();
    const res = await patch({ title, description });
    setProblems(res.problems);
    setSaid(res.ok ? 'Saved.' : res.error.message);
  };
  return html`<div class="step-grid">
    <form class="card" onSubmit=${save} aria-labelledby="settings-title">
      <h2 id="settings-title">Campaign settings</h2>
      <div class="field"><span class="label">Campaign key</span>
        <p class="key-row"><code id="campaign-key">${campaign.key}</code> <${CopyButton} text=${campaign.key} label="Copy key" /></p>
        <p class="hint">Unique in this workspace. Use it to find who was sent this campaign, and in the API.</p></div>
      <div class="field"><label for="title">Title</label>
        <input id="title" value=${title} disabled=${locked} onInput=${(e) => {
          setTitle(e.currentTarget.value);
          setProblems([]);
          setSaid('');
        }} />
        <${Problems} list=${problemsFor(problems, 'title')} /></div>
      <div class="field"><label for="description">Description</label>
        <textarea id="description" rows="3" value=${description} disabled=${locked} onInput=${(
          e,
        ) => {
          setDescription(e.currentTarget.value);
          setProblems([]);
          setSaid('');
        }}></textarea>
        <${Problems} list=${problemsFor(problems, 'description')} /></div>
      ${caps?.final ? html`<p class="why">An ended campaign cannot change.</p>` : null}
      ${blank ? html`<p class="hint" id="title-needed">A campaign needs a title.</p>` : null}
      <div class="actions"><button type="submit" class="primary" id="save-settings" disabled=${!dirty || locked || blank}>Save</button>
        <span role="status" class="muted">${said}</span></div>
    </form>
    <${StatusCard} campaign=${campaign} engine=${engine} setNotice=${setNotice} reload=${reload} />
  </div>`;
}
