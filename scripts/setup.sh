#!/usr/bin/env bash
# Installs whatever a fresh Debian 12 machine lacks to build, test and run
# hookcast: Debian packages (as root, through apt-get) and the npm packages of
# the lockfile. Quiet and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_file() { [ -e "$1" ]; }
have_cmd em++ || need+=(emscripten)
have_file /usr/include/nlohmann/json.hpp || need+=(nlohmann-json3-dev)
have_cmd cmake || need+=(cmake)
have_cmd g++ || need+=(g++)
have_cmd clang++ || need+=(clang)
have_file /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a || need+=(libclang-rt-14-dev)
have_file /usr/include/gtest/gtest.h || need+=(libgtest-dev)
have_file /usr/include/benchmark/benchmark.h || need+=(libbenchmark-dev)
have_cmd clang-format || need+=(clang-format)
have_cmd curl || need+=(curl)
have_cmd python3 || need+=(python3)  # tests/js/edge_shard_migration.test.mjs rewinds a shard with its sqlite3
have_cmd openssl || need+=(openssl)
[ "${HOOKCAST_SKIP_CHROMIUM:-0}" = 1 ] || have_cmd chromium || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    have_cmd sudo || { echo "setup: need root (or sudo) to apt-get install ${need[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# npm packages exactly as locked; reinstall only when the lockfile changed.
stamp=node_modules/.hookcast-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
