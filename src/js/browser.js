// Browser (and default) entry: the glue fetches hookcast.wasm beside itself
// (serve it as application/wasm); callers may pass the bytes or a compiled
// module instead.
import createHookcastModule from '../../dist/hookcast.mjs';
import { engineFor } from './engine.js';

export { HookcastError, liveHandles } from './engine.js';

/** Resolves to the engine; memoised per module/binary. See index.d.ts. */
export function createEngine(opts) {
  return engineFor(createHookcastModule, opts, () => ({}));
}
