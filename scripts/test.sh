#!/usr/bin/env bash
# Builds vouch and runs every test: the unit tests under ASan+UBSan, the
# integration suites against the real binary with real AWS clients, and the
# fuzz targets for a few seconds each. Set VOUCH_SKIP_SANITIZE=1 to skip the
# sanitizer tree (the unit tests then run in the GCC tree), VOUCH_SKIP_FUZZ=1
# the fuzzing.
#
# Two trees: build/ (GCC, the Check build type: -O1) holds the vouch binary
# the integration suites drive; build-fuzz/ (clang, scripts/
# fuzz.sh) holds the unit tests and the fuzz targets, compiled once with ASan,
# UBSan and libFuzzer's coverage. The unit tests are not built a second time
# without sanitizers: on two cores that doubled the compile work. The clang
# tree is compile-bound while the integration suites mostly wait on processes
# and sockets, so it (then its unit tests, then the fuzz targets) runs in the
# background from the start; its output is printed once it ends.
# VOUCH_SERIAL=1 runs everything one after the other.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
stage() { echo "== $* (at $((SECONDS - start)) s)"; }

scripts/deps.sh --test

stage "layering: every #include follows ARCHITECTURE.md's arrows"
scripts/check_layers.sh

# Background work: the clang tree under ASan+UBSan (unit tests and fuzz
# targets), its unit tests, then each fuzz target for a few seconds.
background() {
  local sanitize=1 fuzz=1
  [ "${VOUCH_SKIP_SANITIZE:-0}" != 1 ] || sanitize=0
  [ "${VOUCH_SKIP_FUZZ:-0}" != 1 ] || fuzz=0
  # The same FUZZ_TESTS for every fuzz.sh call, or CMake reconfigures.
  if [ "$sanitize" = 1 ]; then export FUZZ_TESTS=ON; else export FUZZ_TESTS=OFF; fi
  if [ "$sanitize" = 1 ] || [ "$fuzz" = 1 ]; then
    echo "== build under ASan+UBSan with clang: unit tests and fuzz targets (at $((SECONDS - start)) s)"
    scripts/fuzz.sh all --build
  fi
  if [ "$sanitize" = 1 ]; then
    echo "== unit tests under ASan+UBSan (at $((SECONDS - start)) s)"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-fuzz -j2 --output-on-failure --timeout 300
  fi
  if [ "$fuzz" = 1 ]; then
    echo "== fuzz: each target for ${VOUCH_FUZZ_SECONDS:-5} s, two at a time (at $((SECONDS - start)) s)"
    FUZZ_JOBS=${FUZZ_JOBS:-2} scripts/fuzz.sh all "${VOUCH_FUZZ_SECONDS:-5}"
  fi
  echo "== background done (at $((SECONDS - start)) s)"
}
bg_log=$(mktemp /tmp/vouch-ci-background-XXXXXX)
bg_pid=
if [ "${VOUCH_SERIAL:-0}" = 1 ]; then
  background
else
  stage "sanitizer build, its unit tests and the fuzz targets in the background (output at the end)"
  background >"$bg_log" 2>&1 &
  bg_pid=$!
fi
kill_tree() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
  kill "$1" 2>/dev/null || true
}
stop_background() {
  if [ -n "$bg_pid" ]; then kill_tree "$bg_pid"; fi
  rm -f "$bg_log"
}
trap stop_background EXIT

stage build
# Check (CMakeLists.txt): -O1 without debug info, half the compile of -O2 -g.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Check -DVOUCH_BUILD_TESTS=ON -DVOUCH_BUILD_BENCH=OFF >/dev/null
if [ "${VOUCH_SKIP_SANITIZE:-0}" != 1 ]; then
  ninja -C build -j2 vouch
else
  ninja -C build -j2
  stage "unit tests"
  ctest --test-dir build -j2 --output-on-failure --timeout 120
fi

stage "integration tests"
# deps.sh installed knot and PostgreSQL: their tests (the DNS files, the fleet
# on PostgreSQL) must run, not be skipped.
VOUCH_REQUIRE_KNOT=1 VOUCH_REQUIRE_PG=1 VOUCH_BIN="$PWD/build/vouch" tests/integration/run.sh

stage "integration tests on PostgreSQL (a named subset of every API)"
VOUCH_REQUIRE_KNOT=1 VOUCH_REQUIRE_PG=1 VOUCH_BIN="$PWD/build/vouch" tests/integration/run_pg.sh

if [ -n "$bg_pid" ]; then
  stage "waiting for the background work"
  bg_rc=0
  wait "$bg_pid" || bg_rc=$?
  bg_pid=
  cat "$bg_log"
  if [ "$bg_rc" != 0 ]; then
    echo "== the sanitizer build, its unit tests or a fuzz target failed (rc=$bg_rc)"
    exit 1
  fi
fi
stage "all tests passed"
