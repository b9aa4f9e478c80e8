#!/usr/bin/env bash
# The whole check: set up, build (wasm, native, sanitizers), format check
# (clang-format, Prettier),
# native tests, sanitizer tests + fuzz corpus replay, type check, ESLint, JS suites
# (Node, workerd through miniflare, Chromium through playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh all

echo "== format"
mapfile -t cxx < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'fuzz/*.cpp' 'bench/*.cpp' 2>/dev/null || true)
if [ ${#cxx[@]} -gt 0 ]; then clang-format --dry-run --Werror "${cxx[@]}"; fi
# JavaScript and TypeScript: Prettier (.prettierrc.json; .prettierignore says what it leaves).
npx prettier --check --log-level warn "**/*.{js,mjs,ts}"

echo "== native tests"
ctest --test-dir build/native --output-on-failure -j2
echo "== sanitizer tests (ASan + UBSan)"
ctest --test-dir build/asan --output-on-failure -j2

echo "== types"
npx tsc -p tsconfig.json

echo "== lint"
npx eslint .

echo "== JS suites"
node --test --test-concurrency=1 tests/js/*.test.mjs

echo "== package (packed tarball in throwaway projects: Node, bundlers, Chromium, workerd)"
npm run test:package
