// The wasm engine in the page: loaded once, shared by every view. Every
// check and preview the console shows comes from here (or from the worker,
// which runs the same engine), never from a rule written in the page.
let pending = null;
/** code -> the engine's one-sentence summary of it (engine.problemCodes()). */
const summaries = new Map();

/** Resolves to the hookcast engine (../src/js/browser.js + dist/hookcast.wasm). */
export function loadEngine() {
  pending ??= import('../src/js/browser.js')
    .then(({ createEngine }) => createEngine())
    .then((engine) => {
      for (const { code, summary } of engine.problemCodes()) summaries.set(code, summary);
      return engine;
    });
  return pending;
}

let timezone = null;
/** src/js/timezone.js (the one place for time-zone arithmetic), or null when this build does not serve it. */
export function loadTimezone() {
  timezone ??= import('../src/js/timezone.js').catch(() => null);
  return timezone;
}

/** What a problem code means, from the engine's registry ('' for a code only the worker uses). */
export function codeSummary(code) {
  return summaries.get(code) ?? '';
}

const vocabularies = new WeakMap();
/** Lists that are empty while the engine loads (pages render again once it is there). */
const LOADING = Object.freeze({
  units: { delay: [], repeat: [], resend: [], capPeriod: [], within: [], goalWithin: [] },
  suppressionReasons: [],
  candidateChecks: [],
  fatigueReasons: [],
  campaignStatuses: [],
  initialStatus: null,
  campaignActions: [],
  sendTypes: [],
  methods: [],
  operators: { property: [], event: [], count: [] },
  limits: {},
});

/**
 * The engine's vocabulary (units of each setting, statuses, methods,
 * operators, suppression reasons, limits), read once per engine: the console
 * keeps no copy of them. Empty lists while the engine is still loading.
 */
export function vocabulary(engine) {
  if (!engine) return LOADING;
  let v = vocabularies.get(engine);
  if (!v) vocabularies.set(engine, (v = engine.vocabulary()));
  return v;
}

/**
 * What `campaign`'s status allows with its send type
 * (engine.campaignCapabilities: editable, final, resends failed messages,
 * waits for resume, ...). Pages read a status's rules here and never compare
 * status names. null while the engine loads.
 */
export function capabilities(engine, campaign) {
  if (!engine) return null;
  const type = campaign.send?.type;
  const sendType = vocabulary(engine).sendTypes.includes(type) ? type : null;
  return engine.campaignCapabilities(campaign.status, sendType);
}

/** The statuses in which capability `flag` holds, in the engine's order ([] while it loads). */
export function statusesWith(engine, flag) {
  return vocabulary(engine).campaignStatuses.filter(
    (s) => engine.campaignCapabilities(s)[flag] === true,
  );
}
