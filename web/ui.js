// The console's UI toolkit: Preact (a 4 kB virtual DOM with React's API) and
// htm (JSX-like tagged templates that run in the browser as written), so the
// console needs no build step. Both are served from their npm packages
// through the import map in index.html, never from a CDN.
import { h, render, Fragment } from 'preact';
import { useState, useEffect, useRef, useMemo, useCallback, useLayoutEffect } from 'preact/hooks';
import htm from 'htm';
import { codeSummary } from './engine.js';

/** `html\`<div class=${x}>…</div>\`` builds Preact elements. */
export const html = htm.bind(h);
export { h, render, Fragment, useState, useEffect, useRef, useMemo, useCallback, useLayoutEffect };

/** Formats milliseconds for durations. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The browser's IANA time zone. */
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

/**
 * The zone a campaign's times are shown in: its schedule's zone (the
 * fallback zone of a "user" schedule), else the browser's.
 */
export function campaignZone(campaign) {
  const s = campaign?.send;
  if (s?.type === 'schedule')
    return s.timeZone === 'user'
      ? s.fallbackTimeZone || browserZone()
      : s.timeZone || browserZone();
  return browserZone();
}

/**
 * An ISO time as a date and time in `timeZone` (default: the browser's),
 * with the zone named ("1 Dec 2026, 09:00 GMT+9 (Asia/Seoul)"); "–" when absent.
 */
export function formatTime(iso, timeZone = browserZone()) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  try {
    return `${d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone })} (${timeZone})`;
  } catch {
    return `${d.toISOString().slice(0, 16).replace('T', ' ')} (UTC)`;
  }
}

/** "1 user", "2 users". */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Copies text; falls back to selecting `node` when the browser refuses. */
export async function copyText(text, node) {
  try {
    await navigator.clipboard.writeText(text);
    return 'Copied.';
  } catch {
    if (node) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    return 'The browser blocked copying: the text is selected, press Ctrl+C.';
  }
}

/** The problems a list of engine/API problems has for `field` (exact or nested). */
export function problemsFor(problems, field) {
  return (problems ?? []).filter(
    (p) =>
      p.field === field || p.field?.startsWith(`${field}.`) || p.field?.startsWith(`${field}[`),
  );
}

/**
 * Machine codes behind a sentence, for whoever asks (support, a developer):
 * folded in a details disclosure, never in the sentence itself.
 */
export function Codes({ codes }) {
  const list = (codes ?? []).filter(Boolean);
  if (list.length === 0) return null;
  return html`<details class="codes"><summary>Details</summary>${list.map((c) => html`<code class="code" title=${codeSummary(c) || 'code'}>${c}</code> `)}</details>`;
}

/** Problems listed next to their field: the sentence first, the code in a Details disclosure. */
export function Problems({ list, id }) {
  if (!list || list.length === 0) return null;
  return html`<ul class="problems" id=${id}>
    ${list.map(
      (
        p,
      ) => html`<li class=${`problem ${p.severity === 'warning' ? 'warning' : 'error'}`} data-code=${p.code} data-field=${p.field ?? ''}>
      <span class="badge">${p.severity === 'warning' ? 'Warning' : 'Problem'}</span>
      <span class="message">${p.message}</span>
      <${Codes} codes=${[p.code]} />
    </li>`,
    )}
  </ul>`;
}

/**
 * A modal dialog on <dialog>: focus moves into it, Escape closes it, focus
 * returns to what opened it — or to the element `returnFocus()` gives (it
 * may place the caret), when it gives one.
 */
export function Modal({ title, onClose, children, wide, returnFocus }) {
  const ref = useRef(null);
  useEffect(() => {
    const dlg = ref.current;
    const opener = document.activeElement;
    if (!dlg.open) dlg.showModal();
    const cancel = (e) => {
      e.preventDefault();
      onClose();
    };
    dlg.addEventListener('cancel', cancel);
    return () => {
      dlg.removeEventListener('cancel', cancel);
      if (dlg.open) dlg.close();
      const target = returnFocus?.() || opener;
      if (target && target.isConnected) target.focus();
    };
  }, []);
  return html`<dialog ref=${ref} class=${`modal ${wide ? 'wide' : ''}`} aria-labelledby="modal-title">
    <div class="modal-head"><h2 id="modal-title">${title}</h2>
      <button type="button" class="icon-button" aria-label="Close" onClick=${onClose}>×</button></div>
    <div class="modal-body">${children}</div>
  </dialog>`;
}

/** A button that copies `text` and says so. */
export function CopyButton({ text, label = 'Copy', target }) {
  const [said, setSaid] = useState('');
  return html`<span class="copy"><button type="button" class="secondary small" disabled=${!text}
      onClick=${async () => setSaid(await copyText(text, target?.current))}>${label}</button>
    <span class="muted small-text" role="status">${said}</span></span>`;
}
