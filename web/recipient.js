// Who a preview or test send is for: a stored user (found by id prefix or
// any property value: a name, an email; GET /v1/users?q=), or property
// values typed into a form (one box per property the
// workspace has seen; no raw JSON); for an event campaign, the trigger
// event's property values too (prefilled from the examples of events seen,
// editable). The choice is remembered per campaign while the tab lives, so
// Review and Test show the same person. Gives
//   body:    what the campaign routes take ({ userId, context? } | { context })
//   context: the same context as the engine in the page renders it
// so a preview is computed here, by the engine, with no round trip, and a
// test send sends exactly what the preview shows.
import { html, useEffect, useLayoutEffect, useMemo, useRef, useState } from './ui.js';
import { client } from './client.js';
import { loadProperties } from './personalize.js';
import { localHttpAllowed } from './local_http.js';

/** campaign key -> the picker's state, kept across steps. */
const remembered = new Map();

/** The value a form box means for a property of the seen type. */
function typedValue(text, type) {
  if (type === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
/** Matches listed by one search. */
const FOUND_SHOWN = 10;
const textOf = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
/** A few of a user's property values, to tell matches apart. */
const summaryOf = (props) =>
  Object.entries(props ?? {})
    .slice(0, 3)
    .map(([k, v]) => `${k}: ${textOf(v)}`)
    .join(' · ');
/** Typed boxes as properties: empty boxes left out, values typed as the property was seen. */
const typedProps = (list, values) =>
  Object.fromEntries(
    Object.entries(values ?? {})
      .filter(([, v]) => v !== '')
      .map(([k, v]) => [k, typedValue(v, list.find((p) => p.name === k)?.type)]),
  );

/**
 * Who the picker's state names, or null: { body, context, label }.
 * `eventProps`: the trigger's seen properties (null without a trigger).
 */
function whoOf(state, userProps, eventKey, eventProps) {
  const event = eventKey
    ? { key: eventKey, properties: typedProps(eventProps ?? [], state.event) }
    : undefined;
  if (state.mode === 'user') {
    const p = state.profile;
    if (!p || p.error) return null;
    return {
      body: event ? { userId: p.id, context: { event } } : { userId: p.id },
      context: { user: { id: p.id, properties: p.properties ?? {} }, ...(event ? { event } : {}) },
      label: `user ${p.id}`,
    };
  }
  const context = {
    user: { id: state.form.id, properties: typedProps(userProps, state.form.user) },
    ...(event ? { event } : {}),
  };
  return { body: { context }, context, label: `${state.form.id || 'a user'} (typed values)` };
}

/**
 * The campaign's stored webhook rendered for `who` by the engine in the
 * page (engine.preview, the call the worker's preview route makes), with
 * the worker's loopback setting. null while loading or without `who`;
 * { noWebhook: true } when there is nothing to render yet.
 */
export function usePreview(engine, campaign, who) {
  const [allowLocal, setAllowLocal] = useState(null);
  useEffect(() => {
    localHttpAllowed().then(setAllowLocal);
  }, []);
  return useMemo(() => {
    if (!who || !engine || allowLocal === null) return null;
    if (!campaign.webhook) return { noWebhook: true };
    return engine.preview(
      campaign.webhook,
      who.context,
      allowLocal ? { allowLocalHttp: true } : undefined,
    );
  }, [engine, campaign.webhook, who, allowLocal]);
}

/**
 * @param {{ campaignKey: string, eventKey?: string, onChange: (who: { body: object, context: object, label: string } | null) => void, idPrefix: string }} p
 */
export function RecipientPicker({ campaignKey, eventKey, onChange, idPrefix }) {
  const [state, setState] = useState(
    () =>
      remembered.get(campaignKey) ?? {
        mode: 'user',
        userId: '',
        profile: null,
        found: null,
        form: { id: 'test-user', user: {} },
        event: null,
      },
  );
  const [props, setProps] = useState(null);
  const asked = useRef(0); // the latest profile request: only its answer is shown
  useEffect(() => {
    loadProperties().then(setProps);
  }, []);
  const ev = (props?.events ?? []).find((e) => e.key === eventKey);
  const userProps = props?.user ?? [];
  const set = (patch) => setState((s) => ({ ...s, ...patch }));

  // The trigger's values start as the examples of the events seen (typed over freely).
  useEffect(() => {
    if (eventKey && ev && state.event === null) {
      set({
        event: Object.fromEntries(
          (ev.properties ?? [])
            .filter((p) => p.example !== undefined)
            .map((p) => [p.name, textOf(p.example)]),
        ),
      });
    }
  }, [ev, eventKey]);

  const who = useMemo(
    () => whoOf(state, userProps, eventKey, ev?.properties),
    [state, props, eventKey],
  );
  // Before the paint: the preview beside the picker never shows an older choice.
  useLayoutEffect(() => {
    remembered.set(campaignKey, state);
    onChange(who);
  }, [who]);

  const find = async (e) => {
    e?.preventDefault();
    const q = state.userId.trim();
    const my = ++asked.current;
    if (!q) {
      set({
        profile: { error: 'Type a user id, a name, an email or any other value of theirs.' },
        found: null,
      });
      return;
    }
    const r = await client.findUsers(q, FOUND_SHOWN);
    if (my !== asked.current) return; // a newer search was made meanwhile
    if (!r.ok) {
      set({ profile: { error: r.error.message }, found: null });
      return;
    }
    const users = r.data.users;
    // One match, or an exact id among several: that user; else the person chooses.
    const exact = users.length === 1 ? users[0] : users.find((u) => u.id === q);
    if (exact) set({ profile: exact, found: users.length > 1 ? users : null });
    else
      set({
        profile: users.length
          ? null
          : { error: `No stored user has an id starting with “${q}” or a property holding it.` },
        found: users.length ? users : null,
      });
  };
  const setForm = (form) => set({ form });
  const box = (
    value,
    onInput,
    p,
    id,
  ) => html`<div class="field"><label for=${id}>${p.name} <span class="hint">${p.type}${p.example !== undefined ? `, e.g. ${textOf(p.example)}` : ''}</span></label>
    <input id=${id} value=${value ?? ''} onInput=${(e) => onInput(e.currentTarget.value)} /></div>`;
  const { profile, form } = state;
  return html`<div class="recipient">
    <fieldset class="segmented"><legend>Preview for</legend>
      <label><input type="radio" name=${`${idPrefix}-mode`} checked=${state.mode === 'user'} id=${`${idPrefix}-mode-user`} onChange=${() => set({ mode: 'user' })} /> A stored user</label>
      <label><input type="radio" name=${`${idPrefix}-mode`} checked=${state.mode === 'form'} id=${`${idPrefix}-mode-form`} onChange=${() => set({ mode: 'form' })} /> Values I type</label>
    </fieldset>
    ${
      state.mode === 'user'
        ? html`<form class="inline-form" onSubmit=${find}>
        <label for=${`${idPrefix}-user`}>Find a user</label>
        <input id=${`${idPrefix}-user`} class="mono" value=${state.userId} placeholder="id, name, email…" onInput=${(e) => set({ userId: e.currentTarget.value })} />
        <button type="submit" class="secondary" id=${`${idPrefix}-find`}>Find</button></form>
      ${profile?.error ? html`<p class="problem-text" role="alert">${profile.error}</p>` : null}
      ${
        state.found
          ? html`<ul class="found-users" id=${`${idPrefix}-found`} aria-label="Users found">${state.found.map(
              (u) => html`<li>
        <button type="button" class="link" data-user-id=${u.id} aria-pressed=${profile?.id === u.id} onClick=${() => set({ profile: u })}>
          <span class="mono">${u.id}</span></button> <span class="muted small-text">${summaryOf(u.properties)}</span></li>`,
            )}</ul>`
          : null
      }
      ${
        profile && !profile.error
          ? html`<details class="profile" open><summary>User ${profile.id}: ${Object.keys(profile.properties ?? {}).length} properties</summary>
        <table class="kv-table"><tbody>${Object.entries(profile.properties ?? {}).map(([k, v]) => html`<tr><th scope="row" class="mono">${k}</th><td class="mono value">${textOf(v)}</td></tr>`)}</tbody></table></details>`
          : null
      }`
        : html`<div class="form-grid">
        <div class="field"><label for=${`${idPrefix}-form-id`}>User id</label><input id=${`${idPrefix}-form-id`} class="mono" value=${form.id} onInput=${(e) => setForm({ ...form, id: e.currentTarget.value })} /></div>
        ${userProps.map((p) => box(form.user[p.name], (v) => setForm({ ...form, user: { ...form.user, [p.name]: v } }), p, `${idPrefix}-user-${p.name}`))}
        ${userProps.length === 0 ? html`<p class="muted small-text">No user properties seen yet: send users to the API first.</p>` : null}
      </div>`
    }
    ${
      eventKey
        ? html`<fieldset class="event-values"><legend>The “${eventKey}” event that triggers it</legend>
      ${
        (ev?.properties ?? []).length
          ? html`<p class="muted small-text">Prefilled with values from events seen; change them to preview another event.</p>
        <div class="form-grid">${ev.properties.map((p) => box(state.event?.[p.name], (v) => set({ event: { ...(state.event ?? {}), [p.name]: v } }), p, `${idPrefix}-event-${p.name}`))}</div>`
          : html`<p class="muted small-text">No “${eventKey}” event seen yet: its properties show their fallback text.</p>`
      }</fieldset>`
        : null
    }
  </div>`;
}
