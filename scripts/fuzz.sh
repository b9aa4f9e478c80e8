#!/usr/bin/env bash
# Builds every fuzz/*_fuzz.cpp with clang's libFuzzer (+ASan/UBSan) and runs
# each for a bounded time, seeded from fuzz/corpus/<name>/. New interesting
# inputs go to build/fuzz/corpus/<name>/ (copy the good ones into fuzz/corpus
# by hand). Usage: fuzz.sh [seconds-per-target]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-${HOOKCAST_FUZZ_SECONDS:-30}}"
bash scripts/setup.sh
CC=clang CXX=clang++ cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOOKCAST_FUZZ=ON >/dev/null
cmake --build build/fuzz -j"$(nproc 2>/dev/null || echo 2)"
status=0
for src in fuzz/*_fuzz.cpp; do
  name="$(basename "$src" .cpp)"
  work="build/fuzz/corpus/$name"
  mkdir -p "$work"
  echo "== $name for ${secs}s"
  if ! "build/fuzz/$name" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="build/fuzz/$name-" "$work" "fuzz/corpus/$name" 2>"build/fuzz/$name.log"; then
    echo "!! $name found a crash; see build/fuzz/$name.log and the crash-* file" >&2
    tail -30 "build/fuzz/$name.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "build/fuzz/$name.log" || true
  fi
done
exit $status
