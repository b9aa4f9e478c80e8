#!/usr/bin/env bash
# Builds the native core + tests (build/native), the sanitizer build
# (build/asan) and the WebAssembly module (build/wasm -> dist/, plus the
# console's assets in build/assets/).
# Usage: build.sh [native|asan|wasm|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
jobs="$(nproc 2>/dev/null || echo 2)"
export NODE_PATH=/usr/share/nodejs  # emcc's JS optimizer needs Debian's acorn

native() {
  cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/native -j"$jobs"
}
asan() {
  cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DHOOKCAST_SANITIZE=ON >/dev/null
  cmake --build build/asan -j"$jobs"
}
wasm() {
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
  cmake --build build/wasm -j"$jobs"
  # The wasm as base64 in an ES module: the entries' fallback (scripts/wasm_base64.mjs).
  node scripts/wasm_base64.mjs
  # The HTTP contract as the worker serves it (GET /v1/openapi.json).
  node scripts/openapi_json.mjs
  # The console's static assets (web/ + the engine + its UI libraries) that
  # the worker serves: npm start and `wrangler deploy` (edge/wrangler.jsonc) read them.
  node scripts/assets.mjs
}
case "$what" in
  native) native ;;
  asan) asan ;;
  wasm) wasm ;;
  all) wasm; native; asan ;;
  *) echo "usage: $0 [native|asan|wasm|all]" >&2; exit 2 ;;
esac
