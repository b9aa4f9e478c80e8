// The engine: the object every runtime entry (node.js, browser.js,
// workerd.js) resolves to. Every rule lives in the C++ core; the files this
// one assembles only move values across the wasm boundary:
//
//   loader.js        instantiate the module once per (glue, module|binary)
//   marshal.js       JSON text, wasm memory, the packed formats (all of it)
//   webhook.js       validate, variables, render, compile, curl/table, preview
//   retry.js         retryDecision
//   campaign.js      status machine, campaign checks, fatigue
//   cohort.js        cohort rules, compiled cohorts
//   vocabularies.js  word lists read from the core (methods, problem codes,
//                    the vocabulary) and what each campaign status allows
//   audience.js      user and event input checks
//   experiment.js    control groups, the conversion window, group comparison
//
// A new group of engine methods is one file like those and one line in
// assembleEngine below.

import { audienceMethods } from './audience.js';
import { campaignMethods } from './campaign.js';
import { cohortMethods } from './cohort.js';
import { experimentMethods } from './experiment.js';
import { loadEngine, moduleArgs } from './loader.js';
import { retryMethods } from './retry.js';
import { vocabularyMethods } from './vocabularies.js';
import { webhookMethods } from './webhook.js';

export { HookcastError } from './errors.js';

// engine -> its Emscripten module, for the diagnostics exports below.
const modules = new WeakMap();

/** The engine object over an instantiated Emscripten module: every method, frozen. */
function assembleEngine(Module) {
  const engine = Object.freeze({
    ...webhookMethods(Module),
    ...retryMethods(Module),
    ...vocabularyMethods(Module),
    ...campaignMethods(Module),
    ...cohortMethods(Module),
    ...audienceMethods(Module),
    ...experimentMethods(Module),
  });
  modules.set(engine, Module);
  return engine;
}

/**
 * Returns the engine for `factory` (the Emscripten module factory) and the
 * caller's load options, instantiating the module at most once per
 * (factory, wasmModule|wasmBinary). See loader.js for `defaultArgs` and
 * `keyedArgs`.
 */
export function engineFor(factory, opts, defaultArgs, keyedArgs = moduleArgs) {
  return loadEngine(factory, opts, defaultArgs, keyedArgs, assembleEngine);
}

function moduleOf(engine, name) {
  const Module = modules.get(engine);
  if (!Module) throw new TypeError(`${name}(engine): not an engine made by createEngine()`);
  return Module;
}

/**
 * Number of compiled webhooks the engine's module still holds. Diagnostics
 * for tests of the finalizer; not part of the stable API.
 */
export function liveHandles(engine) {
  return moduleOf(engine, 'liveHandles').live_handles();
}

/**
 * Number of compiled cohorts the engine's module still holds. Diagnostics
 * for tests of the finalizer; not part of the package's exports.
 */
export function liveCohorts(engine) {
  return moduleOf(engine, 'liveCohorts').live_cohorts();
}
