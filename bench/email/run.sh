#!/usr/bin/env bash
# Email delivery benchmark (issue #5): time from VerifyEmailIdentity to the
# SMTP server's acceptance (p50/p99) and messages per second delivered to a
# local aiosmtpd with 1,000 identities created at once; baseline: the same
# aiosmtpd receiving the same number of messages straight from Python's
# smtplib with vouch's sender concurrency (8), in the same run.
#
# Builds vouch Release in its own directory (-j2), then runs
# bench/email/driver.py with Debian's python3 (python3-aiosmtpd,
# python3-botocore) and prints a markdown table. See bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   IDENTITIES   VerifyEmailIdentity calls sent at once        [1000]
#   CONCURRENCY  client threads sending them                   [64]
#   ROUNDS       rounds (best shown, all listed)               [3]
#   BUILD_DIR    [<repo>/build-bench-email]    NO_BUILD=1 uses the binary there
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench-email}
IDENTITIES=${IDENTITIES:-1000}
CONCURRENCY=${CONCURRENCY:-64}
ROUNDS=${ROUNDS:-3}

log() { echo "[$(date +%T)] $*" >&2; }

"$ROOT/scripts/deps.sh" --bench >&2  # aiosmtpd, botocore: a no-op once installed

if [[ -z "${NO_BUILD:-}" ]]; then
  log "building vouch (Release) in $BUILD"
  # -Wno-error=restrict: GCC 12 at -O3 reports a false -Wrestrict in
  # libstdc++'s operator+(const char*, string&&) (src/core/tokens.cc).
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS="-Wno-error=restrict" \
    -DVOUCH_BUILD_TESTS=OFF -DVOUCH_BUILD_BENCH=OFF >/dev/null
  ninja -C "$BUILD" -j2 vouch >&2
fi
[[ -x "$BUILD/vouch" ]] || { echo "no vouch binary in $BUILD" >&2; exit 2; }

/usr/bin/python3 -c 'import aiosmtpd, botocore' 2>/dev/null || {
  echo "needs Debian's python3-aiosmtpd and python3-botocore" >&2; exit 2; }

log "uptime: $(uptime)"
exec /usr/bin/python3 "$ROOT/bench/email/driver.py" --vouch "$BUILD/vouch" \
  --identities "$IDENTITIES" --concurrency "$CONCURRENCY" --rounds "$ROUNDS" "$@"
