#!/usr/bin/env bash
# The soak test (opt-in): MINUTES [30] of mixed API load, DNS sweeps and mail
# against one vouch, SIGKILLed and restarted on the same data every minute;
# fails if an acknowledged write is lost, a clientToken replay makes a second
# resource, a claim is left without a next check, or the store or RSS keeps
# growing (see bench/soak.py and bench/README.md).
#
#   bench/soak.sh [MINUTES] [--store postgres] [more bench/soak.py options]
#
# Environment: VOUCH_BIN (a vouch already built; default: build/vouch, built
# here with the tests' build settings when absent), SOAK_OUT (the series as JSON),
# KEEP=1 (keep the work directory with vouch.log after a pass; a failure keeps it).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=30
if [[ ${1:-} =~ ^[0-9]+([.][0-9]+)?$ ]]; then MINUTES=$1; shift; fi

VOUCH_BIN=${VOUCH_BIN:-$ROOT/build/vouch}
if [[ ! -x $VOUCH_BIN ]]; then
  cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  ninja -C "$ROOT/build" -j2 vouch >&2
fi
command -v knotd >/dev/null || { echo "soak: needs knotd (scripts/deps.sh --test)" >&2; exit 2; }

echo "# vouch soak: $MINUTES min, $(git -C "$ROOT" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
exec /usr/bin/python3 "$ROOT/bench/soak.py" --minutes "$MINUTES" --vouch "$VOUCH_BIN" \
  ${SOAK_OUT:+--out "$SOAK_OUT"} "$@"
