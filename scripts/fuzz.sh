#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/README.md) with clang-15, ASan and UBSan
# in build-fuzz/ and runs them, each for a bounded time; fails on any crash,
# hang, leak or UB, printing the input that caused it.
#   scripts/fuzz.sh [TARGET|all] [SECONDS] [--merge] [--build]
# SECONDS per target (default 600). --merge adds the inputs that found new
# coverage to fuzz/corpus/TARGET (libFuzzer -merge=1: only what adds any).
# --build only builds. FUZZ_TESTS=ON builds the unit tests in the same tree,
# under the same sanitizers (scripts/test.sh runs them from build-fuzz/).
# ccache: set CMAKE_CXX_COMPILER_LAUNCHER=ccache (CMake reads it from the
# environment). FUZZ_JOBS=N runs N targets at once (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

merge=0
build_only=0
args=()
for a in "$@"; do
  case $a in
    --merge) merge=1 ;;
    --build) build_only=1 ;;
    -h | --help) sed -n 2,12p "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
which=${args[0]:-all}
seconds=${args[1]:-600}

all=()
for f in fuzz/*_fuzz.cc; do
  n=$(basename "$f" _fuzz.cc)
  all+=("$n")
done
if [ "$which" = all ]; then
  targets=("${all[@]}")
elif [ -f "fuzz/${which}_fuzz.cc" ]; then
  targets=("$which")
else
  echo "fuzz.sh: no target '$which' (one of: ${all[*]})" >&2
  exit 2
fi

command -v clang++-15 >/dev/null || { echo "fuzz.sh: needs clang-15 and libfuzzer-15-dev (scripts/deps.sh --test)" >&2; exit 2; }
tests=${FUZZ_TESTS:-OFF}
# -O1 with line tables only, as OSS-Fuzz builds: stack traces keep file and
# line, and the tree compiles in far less time than -O2 -g. Debug keeps
# assert() on for the unit tests.
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
  -DCMAKE_C_COMPILER=clang-15 -DCMAKE_CXX_COMPILER=clang++-15 -DVOUCH_FUZZ=ON \
  -DVOUCH_BUILD_TESTS="$tests" -DVOUCH_BUILD_BENCH=OFF >/dev/null
if [ "$tests" = ON ]; then
  ninja -C build-fuzz -j"${FUZZ_BUILD_JOBS:-2}"
else
  ninja -C build-fuzz -j"${FUZZ_BUILD_JOBS:-2}" "${targets[@]/%/_fuzz}"
fi
[ "$build_only" = 0 ] || exit 0

work=$(mktemp -d /tmp/vouch-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
# The API targets' stores go here: a fuzzer that stops on a crash or at its
# time limit leaves them behind.
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Stack traces with names (clang-15 ships none of its own here).
for s in llvm-symbolizer-15 llvm-symbolizer; do
  if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v "$s")}; break; fi
done

# Runs one target; its new inputs go to a scratch dir, not the repo.
run_one() {
  local t=$1 dir="$work/$1"
  mkdir -p "$dir/new"
  local rc=0
  "build-fuzz/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$dir/new" "fuzz/corpus/$t" \
    >"$dir/log" 2>&1 || rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  if [ "$rc" != 0 ]; then
    echo "FAIL $t (exit $rc) after ${execs:-?} executions:"
    # The first report (sanitizer, libFuzzer or a FUZZ_CHECK) with its stack.
    grep -m1 -A30 -E "runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|invariant failed" \
      "$dir/log" | cut -c1-300 || tail -n 40 "$dir/log"
    for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*; do
      [ -f "$a" ] || continue
      echo "--- input $(basename "$a") ($(stat -c %s "$a") bytes), base64:"
      base64 -w 76 "$a"
    done
    return 1
  fi
  echo "ok   $t: ${execs:-?} executions in ${seconds} s, corpus $(ls "fuzz/corpus/$t" | wc -l) + $(ls "$dir/new" | wc -l) new"
  if [ "$merge" = 1 ]; then
    "build-fuzz/fuzz/${t}_fuzz" -merge=1 "fuzz/corpus/$t" "$dir/new" >"$dir/merge.log" 2>&1
    echo "     merged: fuzz/corpus/$t now has $(ls "fuzz/corpus/$t" | wc -l) entries"
  fi
}

failed=0
jobs=${FUZZ_JOBS:-1}
if [ "$jobs" -le 1 ]; then
  for t in "${targets[@]}"; do run_one "$t" || failed=1; done
else
  for t in "${targets[@]}"; do
    (run_one "$t" >"$work/$t.out" 2>&1 && echo 0 >"$work/$t.rc" || echo 1 >"$work/$t.rc") &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  done
  wait
  for t in "${targets[@]}"; do
    cat "$work/$t.out"
    [ "$(cat "$work/$t.rc" 2>/dev/null)" = 0 ] || failed=1
  done
fi
[ "$failed" = 0 ] || { echo "fuzz: a target failed (input above; add it to its corpus with a fix)" >&2; exit 1; }
