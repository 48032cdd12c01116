#!/usr/bin/env bash
# Instructions per check of a first sweep (issue 19): N SES domain claims
# seeded as bench/scale.sh seeds them, their TXT records in knotd, and vouch
# serving them under valgrind's callgrind (--separate-threads=yes) until each
# was checked once (dns/sweep.py). Prints the instructions per check of the
# whole process and of each thread, and keeps the callgrind files (one per
# thread) in OUT for callgrind_annotate. Instruction counts do not depend on
# the machine's load, unlike CPU time, so before/after runs compare directly.
# --history-keep 0: the retention pass at start-up, slowed by callgrind, would
# otherwise land in the sweep at random (~4.5k per check at N=10,000).
#
# Environment (defaults in brackets):
#   N        claims  [10000]
#   OUT      where the callgrind files go  [$BUILD/sweep-cost]
#   SWEEP_LIMIT  seconds the sweep may take under callgrind  [900]
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/dns/knot.sh"

N=${N:-10000}
SWEEP_LIMIT=${SWEEP_LIMIT:-900}
build_bench
OUT=${OUT:-$BUILD/sweep-cost}
make_work sweep-cost
rm -rf "$OUT" && mkdir -p "$OUT"

init_data "$WORK/data"
"$SEEDER" --data "$WORK/data" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" \
  --prefix d --suffix .bench.test --threads 64 >&2
write_zone "$WORK/data/vouch.db"
start_knotd

python3 "$BENCH/dns/sweep.py" "$WORK/data/vouch.db" "$N" "$WORK/sweep.info" "$WORK/sweep.log" \
  "$SWEEP_LIMIT" -- valgrind --tool=callgrind --separate-threads=yes --dump-instr=no \
  "--callgrind-out-file=$OUT/cg.out" \
  "$VOUCH" serve --data "$WORK/data" --listen 127.0.0.1:0 --max-identities 0 \
  --dns-resolver "127.0.0.1:$KNOT_PORT" --history-keep 0 >"$WORK/sweep.first" ||
  { cat "$WORK/sweep.log" >&2; log "the sweep did not finish"; exit 1; }
read -r vpid _ <"$WORK/sweep.info"
track "$vpid"
ok=$(sqlite3 "file:$WORK/data/vouch.db?mode=ro" "SELECT count(*) FROM claims WHERE status = 1")
stop "$vpid"
log "built from $BUILT_FROM; $N claims, $ok Success; first sweep $(cat "$WORK/sweep.first") s under callgrind"

# Per thread (those that ran at least 100 instructions per check): its
# instructions per check and its entry function, for callgrind_annotate.
total=0
for f in "$OUT"/cg.out-*; do
  ir=$(awk '/^totals:/ {print $2; exit}' "$f")
  total=$((total + ${ir:-0}))
  (( ${ir:-0} >= 100 * N )) || continue
  top=$( (callgrind_annotate --inclusive=yes "$f" 2>/dev/null || true) |
    grep -m1 -oE 'vouch::[A-Za-z_:]+::(loop|[a-z_]+_loop)\(\)|main\.cc:main' || true)
  printf '%-12s %8.1fk per check  %s\n' "$(basename "$f")" \
    "$(awk -v a="$ir" -v n="$N" 'BEGIN {print a / n / 1000}')" "${top:-?}"
done
printf '%-12s %8.1fk per check\n' process "$(awk -v a="$total" -v n="$N" 'BEGIN {print a / n / 1000}')"
