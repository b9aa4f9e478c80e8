#!/usr/bin/env bash
# npm run bench: builds what the benchmarks need, then runs each; every
# figure is printed beside a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh wasm
bash scripts/build.sh native
node bench/render_bench.mjs
node bench/destination_bench.mjs
if [ -f bench/delivery_bench.mjs ]; then node bench/delivery_bench.mjs; fi
