// Cohort preview: the request rendered for every recipient of a list, with
// the engine's fan-out path (compile once, renderBatch). One recipient's bad
// data (say a line break in a header value) refuses that recipient only; the
// table shows who gets what and who is refused, and any row can become the
// sample recipient the cURL view and the test send use.
import { byId, h, setChildren } from './dom.js';

/** Most recipients rendered per keystroke; the rest are counted, not shown. */
export const COHORT_LIMIT = 200;

/**
 * @param {{ onUse: (recipient: object) => void }} hooks  "Use as sample" handler
 */
export function createCohort({ onUse }) {
  const rows = byId('cohort-rows');
  const status = byId('cohort-status');
  const table = byId('cohort-table');

  /**
   * Parses the cohort box (a JSON array of {user, event} recipients).
   * @returns {{ recipients: object[] | null, problems: object[] }}
   */
  function parse(text) {
    const field = 'cohort';
    if (text.trim() === '') return { recipients: [], problems: [] };
    let value;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { recipients: null, problems: [{ field, code: 'invalid_cohort_json', message: `The cohort is not valid JSON (${err.message}).`, severity: 'error' }] };
    }
    if (!Array.isArray(value)) {
      return { recipients: null, problems: [{ field, code: 'invalid_cohort_json', message: 'The cohort must be a JSON array of recipients, like [{"user": {"id": "u1"}}].', severity: 'error' }] };
    }
    const bad = value.findIndex((r) => r === null || typeof r !== 'object' || Array.isArray(r));
    if (bad >= 0) {
      return { recipients: null, problems: [{ field, code: 'invalid_cohort_json', message: `Recipient ${bad + 1} must be an object like {"user": {...}, "event": {...}}.`, severity: 'error' }] };
    }
    return { recipients: value, problems: [] };
  }

  /**
   * Shows renderBatch results, or why there are none.
   * @param {object[]|null} recipients
   * @param {object[]|null} results  one engine render result per shown recipient
   * @param {string} why  shown when results is null
   */
  function show(recipients, results, why) {
    if (!results) {
      table.hidden = true;
      setChildren(rows);
      status.textContent = why;
      return;
    }
    const refused = results.filter((r) => !r.ok).length;
    const extra = recipients.length - results.length;
    status.textContent = `${results.length} recipient${results.length === 1 ? '' : 's'}: ${results.length - refused} rendered, ${refused} refused`
      + (extra > 0 ? ` (the first ${results.length} shown of ${recipients.length}).` : '.');
    table.hidden = results.length === 0;
    setChildren(rows, results.map((r, i) => {
      const who = recipients[i]?.user?.id;
      return h('tr', { dataset: { ok: String(r.ok) } },
        h('td', {}, String(i + 1)),
        h('td', { class: 'mono value' }, who === undefined ? h('span', { class: 'muted' }, '(no id)') : String(who)),
        h('td', { class: 'value' }, r.ok
          ? h('span', { class: 'mono' }, h('span', { class: 'ok-mark' }, 'OK '), `${r.request.method} ${r.request.url}`)
          : h('ul', { class: 'problems' }, r.problems.map((p) => h('li', { class: `problem ${p.severity}`, dataset: { code: p.code } },
            h('span', { class: 'badge' }, 'Refused'), h('span', { class: 'message' }, p.message), h('code', { class: 'code' }, p.code))))),
        h('td', {}, h('button', {
          type: 'button', class: 'secondary small', 'aria-label': `Use recipient ${i + 1} as the sample recipient`,
          on: { click: () => onUse(recipients[i]) },
        }, 'Use')));
    }));
  }

  return { parse, show };
}
