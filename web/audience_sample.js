// The composer's audience sample: up to AUDIENCE_SAMPLE users of the
// campaign's target cohort (ids from POST /v1/cohorts/:id/estimate, profiles
// from GET /v1/users/:id), rendered with the draft on every change through
// the engine's fan-out path (compile once, renderBatch) — after the keystroke's
// frame, not in it, so typing stays at frame rate.
import { html, useEffect, useRef, useState, Codes, plural } from './ui.js';
import { codeSummary } from './engine.js';
import { client } from './client.js';

/** The estimate route's largest sample. */
export const AUDIENCE_SAMPLE = 100;
const PARALLEL = 6;

/** Loads the sample's profiles as engine contexts (null while loading or without a cohort). */
export function useAudienceSample(campaign, eventContext) {
  const [contexts, setContexts] = useState(null);
  const cohort = campaign.target?.cohort;
  useEffect(() => {
    let live = true;
    setContexts(null);
    if (!cohort) return undefined;
    (async () => {
      const est = await client.estimate(cohort, AUDIENCE_SAMPLE);
      const ids = est.ok ? (est.data?.sample ?? []) : [];
      const out = new Array(ids.length);
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const i = next++;
          const r = await client.user(ids[i]);
          out[i] = {
            user: { id: ids[i], properties: r.ok ? (r.data.properties ?? {}) : {} },
            event: eventContext,
          };
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      if (live) setContexts(out);
    })();
    return () => {
      live = false;
    };
  }, [cohort]);
  return { contexts, cohort };
}

/**
 * Renders the sample after the frame that showed the keystroke (a newer
 * keystroke cancels a pending run), and shows who would be refused.
 */
export function AudiencePreview({ engine, spec, options, contexts, cohort }) {
  const [result, setResult] = useState(null);
  const timer = useRef(0);
  useEffect(() => {
    if (!engine || !contexts || contexts.length === 0) return undefined;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const t0 = performance.now();
      const compiled = engine.compile(spec, options);
      if (!compiled.ok) {
        setResult({ invalid: true });
        return;
      }
      let results;
      try {
        results = compiled.webhook.renderBatch(contexts);
      } finally {
        compiled.webhook.dispose?.();
      }
      const refused = new Map();
      results.forEach((r, i) => {
        if (r.ok) return;
        const code = r.problems[0]?.code ?? 'refused';
        refused.set(code, [...(refused.get(code) ?? []), contexts[i].user.id]);
      });
      setResult({
        total: results.length,
        ok: results.filter((r) => r.ok).length,
        refused: [...refused],
        ms: performance.now() - t0,
      });
    }, 0);
    return () => clearTimeout(timer.current);
  }, [engine, spec, options, contexts]);
  if (!cohort)
    return html`<p class="muted small-text" id="audience-sample">Target a cohort to check the request against its users while you type.</p>`;
  if (!contexts)
    return html`<p class="muted small-text" id="audience-sample">Loading a sample of the target's users…</p>`;
  if (contexts.length === 0)
    return html`<p class="muted small-text" id="audience-sample">The target cohort has no users yet.</p>`;
  if (!result) return null;
  if (result.invalid)
    return html`<p class="muted small-text" id="audience-sample">Fix the problems to check the ${plural(contexts.length, 'sample user')}.</p>`;
  return html`<div id="audience-sample" data-total=${result.total} data-ok=${result.ok}>
    <p class="small-text"><strong>${result.ok} of ${plural(result.total, 'sample user')}</strong> of the target get this request${result.refused.length ? '; refused:' : '.'}</p>
    ${result.refused.length ? html`<ul class="small-text">${result.refused.map(([code, ids]) => html`<li>${codeSummary(code) || 'Refused'}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''} <${Codes} codes=${[code]} /></li>`)}</ul>` : null}
  </div>`;
}
