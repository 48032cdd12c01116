#!/usr/bin/env bash
# Builds vouch and runs every test: unit tests (ctest), the integration suites
# against the real binary with real AWS clients, the unit tests again under
# ASan+UBSan, and the fuzz targets for a few seconds each. Set
# VOUCH_SKIP_SANITIZE=1 to skip the sanitizer pass, VOUCH_SKIP_FUZZ=1 the fuzzing.
#
# The sanitizer build is compile-bound while the integration suites mostly
# wait on processes and sockets, so it (and then its unit tests) runs in the
# background beside the suites and the fuzz stage; its output is printed once
# it ends. VOUCH_SERIAL=1 runs everything one after the other.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
stage() { echo "== $* (at $((SECONDS - start)) s)"; }

scripts/deps.sh --test

stage "layering: every #include follows ARCHITECTURE.md's arrows"
scripts/check_layers.sh

stage build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOUCH_BUILD_TESTS=ON -DVOUCH_BUILD_BENCH=OFF >/dev/null
ninja -C build -j2

stage "unit tests"
ctest --test-dir build -j2 --output-on-failure --timeout 120

# Background work: the ASan+UBSan build and its unit tests, compile-bound
# while the integration suites mostly wait; the fuzz stage (its own clang
# build) follows the suites in the foreground.
background() {
  if [ "${VOUCH_SKIP_SANITIZE:-0}" != 1 ]; then
    echo "== build under ASan+UBSan (at $((SECONDS - start)) s)"
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVOUCH_SANITIZE=ON -DVOUCH_BUILD_TESTS=ON -DVOUCH_BUILD_BENCH=OFF >/dev/null
    ninja -C build-asan -j2
    echo "== unit tests under ASan+UBSan (at $((SECONDS - start)) s)"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-asan -j2 --output-on-failure --timeout 300
  fi
  echo "== background done (at $((SECONDS - start)) s)"
}
bg_log=$(mktemp /tmp/vouch-ci-background-XXXXXX)
bg_pid=
if [ "${VOUCH_SERIAL:-0}" = 1 ]; then
  background
else
  stage "sanitizer build and unit tests in the background (output at the end)"
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

stage "integration tests"
# deps.sh installed knot and PostgreSQL: their tests (the DNS files, the fleet
# on PostgreSQL) must run, not be skipped.
VOUCH_REQUIRE_KNOT=1 VOUCH_REQUIRE_PG=1 VOUCH_BIN="$PWD/build/vouch" tests/integration/run.sh

stage "integration tests on PostgreSQL (a named subset of every API)"
VOUCH_REQUIRE_KNOT=1 VOUCH_REQUIRE_PG=1 VOUCH_BIN="$PWD/build/vouch" tests/integration/run_pg.sh

if [ "${VOUCH_SKIP_FUZZ:-0}" != 1 ]; then
  # Two targets at a time: the cores are free once the suites are done.
  stage "fuzz: each target for ${VOUCH_FUZZ_SECONDS:-5} s (scripts/fuzz.sh)"
  FUZZ_JOBS=${FUZZ_JOBS:-2} scripts/fuzz.sh all "${VOUCH_FUZZ_SECONDS:-5}"
fi

if [ -n "$bg_pid" ]; then
  stage "waiting for the background work"
  bg_rc=0
  wait "$bg_pid" || bg_rc=$?
  bg_pid=
  cat "$bg_log"
  if [ "$bg_rc" != 0 ]; then
    echo "== the sanitizer build or its unit tests failed (rc=$bg_rc)"
    exit 1
  fi
fi
stage "all tests passed"
