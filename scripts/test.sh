#!/usr/bin/env bash
# Builds vouch and runs every test: unit tests (ctest), the integration suites
# against the real binary with real AWS clients, the unit tests again under
# ASan+UBSan, and the fuzz targets for a few seconds each. Set
# VOUCH_SKIP_SANITIZE=1 to skip the sanitizer pass, VOUCH_SKIP_FUZZ=1 the fuzzing.
#
# The sanitizer and fuzz builds are compile-bound while the integration suites
# mostly wait on processes and sockets, so the builds (and the short fuzz runs)
# go in the background beside the integration suites; their output is printed
# once they end. VOUCH_SERIAL=1 runs everything one after the other.
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

# Background work: the ASan+UBSan build, then the fuzz stage (its own clang
# build; the corpora were already replayed by the unit tests).
background() {
  if [ "${VOUCH_SKIP_SANITIZE:-0}" != 1 ]; then
    echo "== build under ASan+UBSan (at $((SECONDS - start)) s)"
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVOUCH_SANITIZE=ON -DVOUCH_BUILD_TESTS=ON -DVOUCH_BUILD_BENCH=OFF >/dev/null
    ninja -C build-asan -j2
  fi
  if [ "${VOUCH_SKIP_FUZZ:-0}" != 1 ]; then
    echo "== fuzz: each target for ${VOUCH_FUZZ_SECONDS:-5} s, scripts/fuzz.sh (at $((SECONDS - start)) s)"
    scripts/fuzz.sh all "${VOUCH_FUZZ_SECONDS:-5}"
  fi
  echo "== background done (at $((SECONDS - start)) s)"
}
bg_log=$(mktemp /tmp/vouch-ci-background-XXXXXX)
bg_pid=
if [ "${VOUCH_SERIAL:-0}" = 1 ]; then
  background
else
  stage "sanitizer build and fuzzing in the background (output at the end)"
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

if [ -n "$bg_pid" ]; then
  stage "waiting for the background work"
  bg_rc=0
  wait "$bg_pid" || bg_rc=$?
  bg_pid=
  cat "$bg_log"
  if [ "$bg_rc" != 0 ]; then
    echo "== the sanitizer build or the fuzz stage failed (rc=$bg_rc)"
    exit 1
  fi
fi

if [ "${VOUCH_SKIP_SANITIZE:-0}" != 1 ]; then
  stage "unit tests under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan -j2 --output-on-failure --timeout 300
fi
stage "all tests passed"
