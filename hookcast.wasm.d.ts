// Types of the subpath "hookcast/hookcast.wasm" (the engine's WebAssembly
// module). Runtimes and bundlers that import a .wasm file as a compiled
// module (workerd and wrangler, esbuild's `--loader:.wasm=...` aside) hand
// it to `createEngine({ wasmModule })`.
import type { WasmModule } from './index.js';

/** `hookcast.wasm`, compiled: pass it to `createEngine({ wasmModule })`. */
declare const wasmModule: WasmModule;
export default wasmModule;
