// Test worker run by miniflare: loads the engine through the package's
// workerd entry, runs the shared suite inside workerd, answers with JSON.
import { createEngine, liveHandles } from '../../../src/js/workerd.js';
import { runSuite } from '../suites/harness.mjs';
import { engineSuite } from '../suites/engine_suite.mjs';

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const engine = await createEngine();
    if (path === '/memo') {
      const again = await createEngine();
      const explicit = await createEngine({
        wasmModule: (await import('../../../dist/hookcast.wasm')).default,
      });
      return Response.json({
        same: again === engine,
        explicitSame: explicit === engine,
        live: liveHandles(engine),
        finalizationRegistry: typeof FinalizationRegistry,
      });
    }
    const results = await runSuite(engineSuite, engine, env.FIXTURES);
    return Response.json(results);
  },
};
