#!/usr/bin/env bash
# --store-cache on PostgreSQL, measured against the same build without it and
# (BASE_VOUCH) a baseline build, interleaved in one run: builds as
# bench/lib.sh does, starts a private, durable PostgreSQL, then
#   GetIdentityVerificationAttributes naming 1 and 100 identities against the
#   ceiling server, on one node without the cache (baseline build, this
#   build), one node with --store-cache, and two nodes with it (wrk against
#   each at once, half the connections each, summed), ROUNDS times in turn;
#   with PostgreSQL's CPU per request;
#   VerifyDomainIdentity creates/s (durable; each new domain's check fails
#   at once and is recorded, which NOTIFYs in this build) on one node of each
#   build, each on a fresh copy of the database, in turn.
#
# Environment (defaults in brackets):
#   BASE_VOUCH a baseline vouch binary [none: its rows are left out]
#   WRK_ARGS [-t1 -c64 -d10s --latency]   ROUNDS [2]   WRITES per write run [60000]
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s --latency}
source "$BENCH/fleet/common.sh"
ROUNDS=${ROUNDS:-2}
WRITES=${WRITES:-60000}
BASE_VOUCH=${BASE_VOUCH:-}

build_bench
make_work bench-store-cache
start_pg
LOAD_START=$(load)
log "wrk $WRK_ARGS (two nodes: $HALF_ARGS each); baseline ${BASE_VOUCH:-none}; load $LOAD_START"

# measure LABEL CMD...: runs CMD (a run_wrk or wrk2), keeps its best, and adds
# PostgreSQL's CPU per request (µs) to PGUS[LABEL] for the kept run.
declare -A PGUS
measure() {
  local label=$1 before after best_before=${BEST_RPS[$1]:-0}; shift
  before=$(pg_cpu)
  "$@"
  after=$(pg_cpu)
  keep "$label"
  if [[ ${BEST_RPS[$label]} != "$best_before" || -z ${PGUS[$label]:-} ]]; then
    PGUS[$label]=$(pg_us_per_req "$before" "$after")
  fi
}
one() {  # LABEL SCRIPT PORT FILE: run_wrk with the run's arguments
  # shellcheck disable=SC2086
  run_wrk "$1" "$2" "$3" "$4" $WRK_ARGS
}

log "seeding 100 identities for the reads"
"$SEEDER" --data "$WORK/reads" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2
PG_READS=$(copy_to "$WORK/reads" reads)
start ceiling "$CEILING"; CEIL_PID=$PID; CEIL_PORT=$PORT
NODES=(NEW CA CB)
serve new --store "$PG_READS"; NEW_PORT=$PORT
serve cache-a --store "$PG_READS" --store-cache 16384; CA_PORT=$PORT
serve cache-b --store "$PG_READS" --store-cache 16384; CB_PORT=$PORT
if [[ -n $BASE_VOUCH ]]; then
  SERVE_BIN=$BASE_VOUCH serve base --store "$PG_READS"; BASE_PORT=$PORT
  NODES+=(BASE)
fi
sign_get "$CEIL_PORT" 1 >"$WORK/ceiling.req"
for n in 1 100; do
  for node in "${NODES[@]}"; do
    port_var=${node}_PORT
    sign_get "${!port_var}" "$n" >"$WORK/get$n-$node.req"
  done
done
# shellcheck disable=SC2086
run_wrk warm-ceiling static.lua "$CEIL_PORT" "$WORK/ceiling.req" $WARM_ARGS
for node in "${NODES[@]}"; do
  port_var=${node}_PORT
  # shellcheck disable=SC2086
  run_wrk "warm-$node" static.lua "${!port_var}" "$WORK/get100-$node.req" $WARM_ARGS
done
for round in $(seq "$ROUNDS"); do
  measure ceiling one "ceiling-$round" static.lua "$CEIL_PORT" "$WORK/ceiling.req"
  for n in 1 100; do
    if [[ -n $BASE_VOUCH ]]; then
      measure "base-get$n" one "base-get$n-$round" static.lua "$BASE_PORT" "$WORK/get$n-BASE.req"
    fi
    measure "new-get$n" one "new-get$n-$round" static.lua "$NEW_PORT" "$WORK/get$n-NEW.req"
    measure "cache1-get$n" one "cache1-get$n-$round" static.lua "$CA_PORT" "$WORK/get$n-CA.req"
    measure "cache2-get$n" wrk2 "cache2-get$n-$round" static.lua "$CA_PORT" "$WORK/get$n-CA.req" \
      "$CB_PORT" "$WORK/get$n-CB.req"
  done
done
stop "$CEIL_PID"

# writes BIN LABEL [ARGS...]: creates on one node of BIN on a fresh database.
writes() {
  local bin=$1 label=$2 url pid; shift 2
  url=$(SERVE_BIN=$bin copy_to "$WORK/reads" "$label")
  SERVE_BIN=$bin serve "$label" --store "$url" "$@"; pid=$PID
  sign_writes "$PORT" "$WRITES" "w$label" >"$WORK/w-$label.req"
  measure "$label" one "$label" cycle.lua "$PORT" "$WORK/w-$label.req"
  stop "$pid"
}
for round in $(seq "$ROUNDS"); do
  [[ -n $BASE_VOUCH ]] && writes "$BASE_VOUCH" "base-writes$round"
  writes "$VOUCH" "new-writes$round"
  writes "$VOUCH" "cache-writes$round" --store-cache 16384
done
LOAD_END=$(load)

C=${BEST_RPS[ceiling]}
row() {  # LABEL TEXT
  [[ -n ${BEST_RPS[$1]:-} ]] || return 0
  echo "| $2 | ${BEST_RPS[$1]} | ${BEST_P99[$1]} | $(pct "${BEST_RPS[$1]}" "$C") | ${PGUS[$1]} | ${ROW_BAD[$1]} |"
}
write_rows() {  # LABEL TEXT: one row per round
  local r
  for r in $(seq "$ROUNDS"); do row "$1$r" "$2, round $r"; done
}
cat <<REPORT

--store-cache on PostgreSQL — $(date -u '+%Y-%m-%d %H:%M UTC'), built from $BUILT_FROM (baseline: ${BASE_VOUCH:-none}), $(nproc) cores
PostgreSQL $(pg_sql "$PG_ADMIN_URL" 'SHOW server_version') on loopback (fsync $(pg_sql "$PG_ADMIN_URL" 'SHOW fsync'), synchronous_commit $(pg_sql "$PG_ADMIN_URL" 'SHOW synchronous_commit')); wrk $WRK_ARGS (two nodes: $HALF_ARGS each, summed); reads best of $ROUNDS rounds; load average start $LOAD_START, end $LOAD_END

| Run | req/s | p99 (ms) | vs ceiling | postgres CPU µs/req | errors |
|---|---:|---:|---:|---:|---:|
| Ceiling (Beast, fixed 300-byte body) | $C | ${BEST_P99[ceiling]} | 100% | ${PGUS[ceiling]} | ${ROW_BAD[ceiling]} |
$(row base-get1 "GetIdentityVerificationAttributes ×1, baseline build, one node")
$(row new-get1 "GetIdentityVerificationAttributes ×1, one node, no cache")
$(row cache1-get1 "GetIdentityVerificationAttributes ×1, one node, --store-cache")
$(row cache2-get1 "GetIdentityVerificationAttributes ×1, two nodes, --store-cache")
$(row base-get100 "GetIdentityVerificationAttributes ×100, baseline build, one node")
$(row new-get100 "GetIdentityVerificationAttributes ×100, one node, no cache")
$(row cache1-get100 "GetIdentityVerificationAttributes ×100, one node, --store-cache")
$(row cache2-get100 "GetIdentityVerificationAttributes ×100, two nodes, --store-cache")
$(write_rows base-writes "VerifyDomainIdentity, baseline build")
$(write_rows new-writes "VerifyDomainIdentity, this build")
$(write_rows cache-writes "VerifyDomainIdentity, this build, --store-cache")
REPORT
