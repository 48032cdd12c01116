#!/usr/bin/env bash
# GetIdentityVerificationAttributes ×N on one PostgreSQL node by its number of
# I/O threads (--threads), against the ceiling server, ROUNDS times in turn,
# with PostgreSQL's CPU per request. A read of one identity on --store is
# queued for a batched statement without holding its I/O thread; a read of
# more waits for the database on it; the default there is 2 × cores
# (src/cli/main.cc).
#
# Environment (defaults in brackets): THREADS ["2 4 8 16 32"], N identities
#   per read [1], ROUNDS [3], EXTRA (more serve flags, e.g. --store-connections 16),
#   WRK_ARGS [-t1 -c64 -d8s --latency]; BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d8s --latency}
source "$BENCH/fleet/common.sh"
ROUNDS=${ROUNDS:-3}
build_bench
make_work bench-io-threads
start_pg
"$SEEDER" --data "$WORK/reads" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2
PG_READS=$(copy_to "$WORK/reads" reads)
start ceiling "$CEILING"; CEIL_PORT=$PORT
sign_get "$CEIL_PORT" 1 >"$WORK/ceiling.req"
declare -A P
for t in ${THREADS:-2 4 8 16 32}; do
  # shellcheck disable=SC2086
  serve "t$t" --store "$PG_READS" --threads "$t" ${EXTRA:-}; P[$t]=$PORT
  sign_get "$PORT" "${N:-1}" >"$WORK/get-$t.req"
  # shellcheck disable=SC2086
  run_wrk "warm-$t" static.lua "$PORT" "$WORK/get-$t.req" $WARM_ARGS
done
for round in $(seq "$ROUNDS"); do
  # shellcheck disable=SC2086
  run_wrk "ceiling-$round" static.lua "$CEIL_PORT" "$WORK/ceiling.req" $WRK_ARGS
  echo "round $round ceiling $RPS"
  for t in ${THREADS:-2 4 8 16 32}; do
    before=$(pg_cpu)
    # shellcheck disable=SC2086
    run_wrk "t$t-$round" static.lua "${P[$t]}" "$WORK/get-$t.req" $WRK_ARGS
    after=$(pg_cpu)
    echo "round $round threads $t $RPS req/s, postgres $(pg_us_per_req "$before" "$after") us/req"
  done
done
