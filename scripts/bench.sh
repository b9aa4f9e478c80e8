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
node bench/campaign_bench.mjs
node bench/memory_bench.mjs
if [ -f bench/cohort_bench.mjs ]; then node bench/cohort_bench.mjs; fi
if [ -x build/native/native_cohort_bench ]; then build/native/native_cohort_bench --benchmark_min_time=0.5; fi
node bench/audience_bench.mjs
if [ -f bench/event_trigger_bench.mjs ]; then node bench/event_trigger_bench.mjs; fi
node bench/fatigue_bench.mjs
if [ -x build/native/native_fatigue_bench ]; then build/native/native_fatigue_bench --benchmark_min_time=0.5; fi
node bench/keystroke_bench.mjs
node bench/experiment_bench.mjs
