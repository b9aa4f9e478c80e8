// Small DOM helpers shared by the dashboard modules. No framework: elements
// are built once and updated in place so typing never loses focus.

/**
 * Creates an element. `attrs` keys: `class`, `text`, `dataset` (object),
 * `on` (object of event listeners), boolean attributes as true/false, and
 * any other attribute as a string. Children may be nodes, strings or null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (name === 'value') el.value = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Looks an element up by id and fails loudly when the page and script disagree. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard markup has no #${id}`);
  return el;
}

/** Replaces all children of `el`. */
export function setChildren(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** Reads and writes localStorage without throwing (storage may be disabled or full). */
export const store = {
  get(key) {
    try { return window.localStorage.getItem(key); } catch { return null; }
  },
  set(key, value) {
    try { window.localStorage.setItem(key, value); return true; } catch { return false; }
  },
  remove(key) {
    try { window.localStorage.removeItem(key); } catch { /* storage disabled: nothing to remove */ }
  },
};

/** Formats milliseconds for the footer and the test-send result. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
