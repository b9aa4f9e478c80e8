// The wasm engine in the page: loaded once, shared by every view. Every
// check and preview the console shows comes from here (or from the worker,
// which runs the same engine), never from a rule written in the page.
let pending = null;
/** code -> the engine's one-sentence summary of it (engine.problemCodes()). */
const summaries = new Map();

/** Resolves to the hookcast engine (../src/js/browser.js + dist/hookcast.wasm). */
export function loadEngine() {
  pending ??= import('../src/js/browser.js').then(({ createEngine }) => createEngine()).then((engine) => {
    for (const { code, summary } of optional(engine, 'problemCodes') ?? []) summaries.set(code, summary);
    return engine;
  });
  return pending;
}

/** What a problem code means, from the engine's registry ('' for a code only the worker uses). */
export function codeSummary(code) {
  return summaries.get(code) ?? '';
}

/**
 * Calls an engine method that a newer engine build adds (campaign status
 * machine, cohort operators); `undefined` when this build lacks it, so the
 * console can leave the decision to the worker instead of guessing.
 */
export function optional(engine, name, ...args) {
  return typeof engine?.[name] === 'function' ? engine[name](...args) : undefined;
}
