#!/usr/bin/env bash
# One node against two on one database, by I/O threads and build:
# GetIdentityVerificationAttributes ×N against each configuration in turn,
# ROUNDS times, with the CPU each request cost PostgreSQL, the nodes and the
# whole machine (µs). A configuration is BUILD-NODESxTHREADS: "new-2x4" is
# two nodes of this build with --threads 4 each (wrk against each at once,
# half the connections each, summed); "base-1x32" one node of BASE_VOUCH.
#
# Environment (defaults in brackets): CFGS ["new-1x4 new-2x4"], N identities
#   per read [1], ROUNDS [3], BASE_VOUCH (for base-* configurations),
#   EXTRA (more serve flags), WRK_ARGS [-t1 -c64 -d8s --latency];
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d8s --latency}
source "$BENCH/fleet/common.sh"
ROUNDS=${ROUNDS:-3}
N=${N:-1}
CFGS=${CFGS:-new-1x4 new-2x4}
build_bench
make_work bench-nodes
start_pg
"$SEEDER" --data "$WORK/reads" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2
PG_READS=$(copy_to "$WORK/reads" reads)
declare -A PORTS PIDS_OF
for cfg in $CFGS; do
  bin=$VOUCH; [[ ${cfg%%-*} == base ]] && bin=${BASE_VOUCH:?BASE_VOUCH names the base build}
  shape=${cfg#*-}; nodes=${shape%x*}; threads=${shape#*x}
  for i in $(seq "$nodes"); do
    # shellcheck disable=SC2086
    SERVE_BIN=$bin serve "$cfg-$i" --store "$PG_READS" --threads "$threads" ${EXTRA:-}
    PORTS[$cfg]+="$PORT "; PIDS_OF[$cfg]+="$PID "
    sign_get "$PORT" "$N" >"$WORK/get-$cfg-$i.req"
    # shellcheck disable=SC2086
    run_wrk "warm-$cfg-$i" static.lua "$PORT" "$WORK/get-$cfg-$i.req" $WARM_ARGS
  done
done
nodes_cpu() { local p s=0; for p in "$@"; do s=$(awk -v a="$s" -v b="$(proc_cpu "$p")" 'BEGIN {print a + b}'); done; echo "$s"; }
echo "| Round | Configuration | req/s | p99 (ms) | postgres µs/req | nodes µs/req | machine µs/req |"
echo "|---|---|---:|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  for cfg in $CFGS; do
    read -r -a ports <<<"${PORTS[$cfg]}"
    read -r -a pids <<<"${PIDS_OF[$cfg]}"
    pg0=$(pg_cpu); n0=$(nodes_cpu "${pids[@]}"); m0=$(machine_busy)
    if (( ${#ports[@]} == 1 )); then
      # shellcheck disable=SC2086
      run_wrk "$cfg-$round" static.lua "${ports[0]}" "$WORK/get-$cfg-1.req" $WRK_ARGS
    else
      wrk2 "$cfg-$round" static.lua "${ports[0]}" "$WORK/get-$cfg-1.req" "${ports[1]}" "$WORK/get-$cfg-2.req"
    fi
    pg1=$(pg_cpu); n1=$(nodes_cpu "${pids[@]}"); m1=$(machine_busy)
    echo "| $round | $cfg | $RPS | $P99 | $(pg_us_per_req "$pg0" "$pg1") | $(pg_us_per_req "$n0" "$n1") | $(pg_us_per_req "$m0" "$m1") |"
  done
done
