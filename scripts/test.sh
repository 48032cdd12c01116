#!/usr/bin/env bash
# Builds vouch and runs every test: unit tests (ctest), the integration suites
# against the real binary with real AWS clients, and the unit tests again
# under ASan+UBSan, and the fuzz targets for a few minutes. Set
# VOUCH_SKIP_SANITIZE=1 to skip the sanitizer pass, VOUCH_SKIP_FUZZ=1 the fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test

echo "== layering: every #include follows ARCHITECTURE.md's arrows"
scripts/check_layers.sh

echo "== build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOUCH_BUILD_TESTS=ON -DVOUCH_BUILD_BENCH=OFF >/dev/null
ninja -C build -j2

echo "== unit tests"
ctest --test-dir build -j2 --output-on-failure --timeout 120

if [ "${VOUCH_SKIP_FUZZ:-0}" != 1 ]; then
  # Each libFuzzer target for a bounded time (clang-15, ASan+UBSan, in
  # build-fuzz/); their corpora were already replayed by the unit tests.
  echo "== fuzz: each target for ${VOUCH_FUZZ_SECONDS:-5} s (scripts/fuzz.sh)"
  scripts/fuzz.sh all "${VOUCH_FUZZ_SECONDS:-5}"
fi

echo "== integration tests"
# deps.sh installed knot and PostgreSQL: their tests (the DNS files, the fleet
# on PostgreSQL) must run, not be skipped.
VOUCH_REQUIRE_KNOT=1 VOUCH_REQUIRE_PG=1 VOUCH_BIN="$PWD/build/vouch" tests/integration/run.sh

echo "== integration tests on PostgreSQL (a named subset of every API)"
VOUCH_REQUIRE_KNOT=1 VOUCH_REQUIRE_PG=1 VOUCH_BIN="$PWD/build/vouch" tests/integration/run_pg.sh

if [ "${VOUCH_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== unit tests under ASan+UBSan"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVOUCH_SANITIZE=ON -DVOUCH_BUILD_TESTS=ON -DVOUCH_BUILD_BENCH=OFF >/dev/null
  ninja -C build-asan -j2
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan -j2 --output-on-failure --timeout 300
fi
echo "== all tests passed"
