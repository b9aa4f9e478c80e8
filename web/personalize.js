// The "Add Personalization Variable" modal behind every {…} button: pick a
// user property or an event property from what the workspace has seen
// (GET /v1/properties, with types and examples), type a fallback text, and
// the tag goes in at the cursor of the field the button belongs to. Nobody
// has to write Liquid by hand (anyone still may).
import { html, useEffect, useState, Modal } from './ui.js';
import { client } from './client.js';

let cached = null;
/** GET /v1/properties, fetched once per page load (and on demand again). */
export async function loadProperties(refresh = false) {
  if (!cached || refresh) {
    cached = client
      .properties()
      .then((res) => (res.ok ? res.data : { user: [], events: [], error: res.error.message }));
  }
  return cached;
}

/**
 * The Liquid text for a variable. The engine parses it back on the next
 * keystroke and reports anything it rejects next to the field.
 */
export function variableText(source, name, fallback) {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name);
  const path = plain
    ? `${source}.${name}`
    : `${source}[${name.includes('"') ? `'${name}'` : `"${name}"`}]`;
  if (fallback === '') return `{{ ${path} }}`;
  const literal = /^-?(0|[1-9]\d*)(\.\d+)?$/.test(fallback)
    ? fallback
    : fallback.includes('"')
      ? `'${fallback}'`
      : `"${fallback}"`;
  return `{{ ${path} | default: ${literal} }}`;
}

const example = (v) =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);

/**
 * @param {{ fieldLabel: string, eventKey?: string, onInsert: (text: string) => void, onClose: () => void, returnFocus?: () => HTMLElement | null }} props
 */
export function PersonalizeModal({ fieldLabel, eventKey, onInsert, onClose, returnFocus }) {
  const [props, setProps] = useState(null);
  const [source, setSource] = useState('user');
  const [name, setName] = useState('');
  const [fallback, setFallback] = useState('');
  const [problem, setProblem] = useState('');
  useEffect(() => {
    loadProperties(true).then(setProps);
  }, []);

  const userProps = [
    { name: 'id', type: 'string', example: 'the user id' },
    ...(props?.user ?? []),
  ];
  const events = props?.events ?? [];
  // Event properties: the trigger event's first, then every other event's.
  const eventProps = [{ name: 'key', type: 'string', example: 'the event key', event: '' }];
  for (const ev of [...events].sort((a, b) =>
    a.key === eventKey ? -1 : b.key === eventKey ? 1 : 0,
  )) {
    for (const p of ev.properties ?? [])
      if (!eventProps.some((q) => q.name === p.name)) eventProps.push({ ...p, event: ev.key });
  }
  const list = source === 'user' ? userProps : eventProps;
  const insert = (e) => {
    e.preventDefault();
    if (!name.trim()) {
      setProblem('Choose a property from the list or type its name.');
      return;
    }
    if (fallback.includes('"') && fallback.includes("'")) {
      setProblem('A fallback text can hold double or single quotes, not both.');
      return;
    }
    onInsert(variableText(source, name.trim(), fallback));
  };
  return html`<${Modal} title="Add Personalization Variable" onClose=${onClose} returnFocus=${returnFocus} wide>
    <form onSubmit=${insert} class="personalize">
      <p class="muted">Inserts at the cursor in <strong>${fieldLabel}</strong>.</p>
      <fieldset class="segmented"><legend>Property of</legend>
        <label><input type="radio" name="pv-source" value="user" checked=${source === 'user'} onChange=${() => {
          setSource('user');
          setName('');
        }} /> User</label>
        <label><input type="radio" name="pv-source" value="event" checked=${source === 'event'} onChange=${() => {
          setSource('event');
          setName('');
        }} /> Event</label>
      </fieldset>
      ${props === null ? html`<p class="muted">Loading the properties this workspace has seen…</p>` : null}
      ${props?.error ? html`<p class="problem-text">${props.error}</p>` : null}
      <div class="table-wrap prop-list"><table class="list" id="property-table">
        <caption class="sr-only">${source === 'user' ? 'User properties' : 'Event properties'}</caption>
        <thead><tr><th scope="col">Property</th><th scope="col">Type</th><th scope="col">Example</th>${source === 'event' ? html`<th scope="col">Seen on</th>` : null}</tr></thead>
        <tbody>${list.map(
          (p) => html`<tr class=${p.name === name ? 'selected' : ''}>
          <td><button type="button" class="link mono" data-property=${p.name} aria-pressed=${p.name === name} onClick=${() => setName(p.name)}>${p.name}</button></td>
          <td>${p.type ?? ''}</td><td class="mono value">${example(p.example)}</td>${source === 'event' ? html`<td>${p.event || 'every event'}</td>` : null}
        </tr>`,
        )}</tbody></table></div>
      ${props && list.length <= 1 ? html`<p class="muted small-text">No ${source} properties seen yet. Type a name below; it is filled in once users or events carry it.</p>` : null}
      <div class="row2">
        <div class="field"><label for="pv-name">Property name</label>
          <input id="pv-name" class="mono" value=${name} autocomplete="off" onInput=${(e) => setName(e.currentTarget.value)} /></div>
        <div class="field"><label for="pv-fallback">Fallback text <span class="hint">(when the user has no value)</span></label>
          <input id="pv-fallback" value=${fallback} autocomplete="off" onInput=${(e) => setFallback(e.currentTarget.value)} /></div>
      </div>
      <p class="muted small-text">Inserts <code>${name ? variableText(source, name, fallback) : '{{ … }}'}</code></p>
      <p class="problem-text" role="alert">${problem}</p>
      <div class="actions"><button type="submit" class="primary" id="pv-insert">Insert</button>
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button></div>
    </form>
  <//>`;
}
