// Where a runtime entry finds hookcast.wasm when the caller passed neither
// bytes nor a module. The file beside the code comes first (the smallest
// download, compiled while it streams); when it is not there — a bundler that
// copied the code but not the .wasm, an IIFE bundle without import.meta.url,
// a dev server answering its HTML page — the entries fall back to the same
// bytes inlined as base64 in dist/hookcast.wasm.base64.js, loaded by a
// dynamic import so bundlers that split chunks load it only then.

/** The `\0asm` magic that starts every WebAssembly binary. */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Whether `bytes` (an ArrayBuffer or a view) starts like a WebAssembly binary. */
export function isWasm(bytes) {
  const view = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
  return view.length >= 4 && WASM_MAGIC.every((b, i) => view[i] === b);
}

/** hookcast.wasm's bytes from the inlined base64 copy. */
export async function inlinedWasm() {
  const { default: base64 } = await import('../../dist/hookcast.wasm.base64.js');
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Emscripten never locates the wasm itself: the entries always hand it bytes
 * or an instance. (Its default, `new URL('hookcast.wasm', import.meta.url)`,
 * throws where a bundle has no import.meta.url.)
 */
export const locateFile = (path) => path;
