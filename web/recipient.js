// Who a preview or test send is for: a stored user found by id, or property
// values typed into a form (one box per property the workspace has seen; no
// raw JSON). Gives the body the campaign routes take: { userId } or { context }.
import { html, useEffect, useState } from './ui.js';
import { api } from './api.js';
import { loadProperties } from './personalize.js';

/** The value a form box means for a property of the seen type. */
function typedValue(text, type) {
  if (type === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/**
 * @param {{ eventKey?: string, onChange: (who: { body: object, label: string } | null) => void, idPrefix: string }} p
 */
export function RecipientPicker({ eventKey, onChange, idPrefix }) {
  const [mode, setMode] = useState('user');
  const [userId, setUserId] = useState('');
  const [profile, setProfile] = useState(null);
  const [props, setProps] = useState(null);
  const [form, setForm] = useState({ id: 'test-user', user: {}, event: {} });
  useEffect(() => { loadProperties().then(setProps); }, []);
  const ev = (props?.events ?? []).find((e) => e.key === eventKey);

  const find = async (e) => {
    e?.preventDefault();
    const id = userId.trim();
    if (!id) { setProfile({ error: 'Type a user id.' }); onChange(null); return; }
    const r = await api('GET', `/v1/users/${encodeURIComponent(id)}`);
    if (!r.ok) { setProfile({ error: r.status === 404 ? `No stored user has the id “${id}”.` : r.error.message }); onChange(null); return; }
    setProfile(r.data);
    onChange({ body: { userId: id }, label: `user ${id}` });
  };
  const formBody = (f) => {
    const typedProps = (list, values) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')
      .map(([k, v]) => [k, typedValue(v, list.find((p) => p.name === k)?.type)]));
    const context = { user: { id: f.id, properties: typedProps(props?.user ?? [], f.user) } };
    if (eventKey) context.event = { key: eventKey, properties: typedProps(ev?.properties ?? [], f.event) };
    return { body: { context }, label: `${f.id || 'a user'} (typed values)` };
  };
  const setFormValue = (part, name, value) => {
    const next = { ...form, [part]: { ...form[part], [name]: value } };
    setForm(next);
    onChange(formBody(next));
  };
  const box = (part, p) => html`<div class="field"><label for=${`${idPrefix}-${part}-${p.name}`}>${p.name} <span class="hint">${p.type}${p.example !== undefined ? `, e.g. ${typeof p.example === 'string' ? p.example : JSON.stringify(p.example)}` : ''}</span></label>
    <input id=${`${idPrefix}-${part}-${p.name}`} value=${form[part][p.name] ?? ''} onInput=${(e) => setFormValue(part, p.name, e.currentTarget.value)} /></div>`;
  return html`<div class="recipient">
    <fieldset class="segmented"><legend>Preview for</legend>
      <label><input type="radio" name=${`${idPrefix}-mode`} checked=${mode === 'user'} onChange=${() => { setMode('user'); onChange(profile && !profile.error ? { body: { userId: profile.id }, label: `user ${profile.id}` } : null); }} /> A stored user</label>
      <label><input type="radio" name=${`${idPrefix}-mode`} checked=${mode === 'form'} id=${`${idPrefix}-mode-form`} onChange=${() => { setMode('form'); onChange(formBody(form)); }} /> Values I type</label>
    </fieldset>
    ${mode === 'user' ? html`<form class="inline-form" onSubmit=${find}>
        <label for=${`${idPrefix}-user`}>User id</label>
        <input id=${`${idPrefix}-user`} class="mono" value=${userId} onInput=${(e) => setUserId(e.currentTarget.value)} />
        <button type="submit" class="secondary" id=${`${idPrefix}-find`}>Find</button></form>
      ${profile?.error ? html`<p class="problem-text" role="alert">${profile.error}</p>` : null}
      ${profile && !profile.error ? html`<details class="profile" open><summary>User ${profile.id}: ${Object.keys(profile.properties ?? {}).length} properties</summary>
        <table class="kv-table"><tbody>${Object.entries(profile.properties ?? {}).map(([k, v]) => html`<tr><th scope="row" class="mono">${k}</th><td class="mono value">${typeof v === 'string' ? v : JSON.stringify(v)}</td></tr>`)}</tbody></table></details>` : null}`
    : html`<div class="form-grid">
        <div class="field"><label for=${`${idPrefix}-form-id`}>User id</label><input id=${`${idPrefix}-form-id`} class="mono" value=${form.id} onInput=${(e) => { const n = { ...form, id: e.currentTarget.value }; setForm(n); onChange(formBody(n)); }} /></div>
        ${(props?.user ?? []).map((p) => box('user', p))}
        ${eventKey ? (ev?.properties ?? []).map((p) => box('event', p)) : null}
        ${(props?.user ?? []).length === 0 ? html`<p class="muted small-text">No user properties seen yet: send users to POST /v1/users first.</p>` : null}
      </div>`}
  </div>`;
}
