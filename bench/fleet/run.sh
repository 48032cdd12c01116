#!/usr/bin/env bash
# vouch on PostgreSQL (issue 14), in one command, with SQLite measured in the
# same run, in production mode (no test clock: bench/run.sh --store postgres
# runs in test mode, whose shared clock costs a query per request): builds
# (Release, -j2, build-bench), starts a private, durable PostgreSQL (lib.sh's
# start_pg) and
#   1. the SES API as in production (no test mode; checks of new domains go
#      to 127.0.0.1:9 and fail at once, as bench/run.sh's did before test
#      mode): GetIdentityVerificationAttributes naming 1 and 100 identities
#      against the ceiling server, and VerifyDomainIdentity creates/s (each a
#      durable write), on SQLite, on one PostgreSQL node, and on two nodes
#      sharing the database (wrk against each node at once, half the
#      connections each, figures summed; each node half the one node's I/O
#      threads: common.sh threads_of, SHARE_THREADS=0 to give each all);
#   2. the DNS sweep: N due SES domains (seeded in SQLite, moved with
#      `vouch store copy`) checked against knotd, timed from the nodes' start
#      until every claim is Success (polled every 100 ms), on SQLite, one
#      PostgreSQL node and two (each with half the one node's DNS window and
#      I/O threads: common.sh window_of, threads_of); dnsperf on the same names is the ceiling.
# Identities are seeded by bench/seed_identities (SQLite) and copied into a
# fresh database for each PostgreSQL run.
#
# Environment (defaults in brackets):
#   WRK_ARGS [-t1 -c64 -d10s --latency]   ROUNDS of reads, best kept [2]
#   WRITES pre-signed creates per write run [60000]
#   N claims swept [100000]   SWEEP_LIMIT seconds before a sweep is abandoned [300]
#   DNSPERF_RUNS [-c 1 -q 128 -l 10]
#   BASE_VOUCH: a baseline vouch binary, whose copy and one node sweep too [none]
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$BENCH/dns/knot.sh"

WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s --latency}
source "$BENCH/fleet/common.sh"
SHARE2=$(threads_of 2)  # each of two nodes' I/O threads (empty: the default)
ROUNDS=${ROUNDS:-2}
WRITES=${WRITES:-60000}
N=${N:-100000}
SWEEP_LIMIT=${SWEEP_LIMIT:-300}
DNSPERF_RUNS=${DNSPERF_RUNS:--c 1 -q 128 -l 10}

build_bench
make_work bench-fleet
start_pg
LOAD_START=$(load)
log "wrk $WRK_ARGS (two nodes: $HALF_ARGS each); N=$N; load $LOAD_START"

# ---- 1. the API ----------------------------------------------------------------------
log "seeding 100 identities for the reads"
"$SEEDER" --data "$WORK/reads" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2
cp -a "$WORK/reads" "$WORK/reads-sqlite"
PG_READS=$(copy_to "$WORK/reads" reads)
start ceiling "$CEILING"; CEIL_PID=$PID; CEIL_PORT=$PORT
serve sqlite --data "$WORK/reads-sqlite"; SQ_PID=$PID; SQ_PORT=$PORT
serve pg-1 --store "$PG_READS"; P1_PID=$PID; P1_PORT=$PORT
# shellcheck disable=SC2086
serve pg-a --store "$PG_READS" $SHARE2; PA_PID=$PID; PA_PORT=$PORT
# shellcheck disable=SC2086
serve pg-b --store "$PG_READS" $SHARE2; PB_PID=$PID; PB_PORT=$PORT
sign_get "$CEIL_PORT" 1 >"$WORK/ceiling.req"
for n in 1 100; do
  for node in SQ P1 PA PB; do
    port_var=${node}_PORT
    sign_get "${!port_var}" "$n" >"$WORK/get$n-$node.req"
  done
done
# shellcheck disable=SC2086
run_wrk warm-ceiling static.lua "$CEIL_PORT" "$WORK/ceiling.req" $WARM_ARGS
for node in SQ P1 PA PB; do
  port_var=${node}_PORT
  # shellcheck disable=SC2086
  run_wrk "warm-$node" static.lua "${!port_var}" "$WORK/get100-$node.req" $WARM_ARGS
done
for round in $(seq "$ROUNDS"); do
  # shellcheck disable=SC2086
  run_wrk "ceiling-$round" static.lua "$CEIL_PORT" "$WORK/ceiling.req" $WRK_ARGS; keep ceiling
  for n in 1 100; do
    # shellcheck disable=SC2086
    run_wrk "sqlite-get$n-$round" static.lua "$SQ_PORT" "$WORK/get$n-SQ.req" $WRK_ARGS; keep "sqlite-get$n"
    # shellcheck disable=SC2086
    run_wrk "pg1-get$n-$round" static.lua "$P1_PORT" "$WORK/get$n-P1.req" $WRK_ARGS; keep "pg1-get$n"
    wrk2 "pg2-get$n-$round" static.lua "$PA_PORT" "$WORK/get$n-PA.req" "$PB_PORT" "$WORK/get$n-PB.req"
    keep "pg2-get$n"
  done
done
stop "$CEIL_PID"

stop "$P1_PID"; stop "$PA_PID"; stop "$PB_PID"; pg_drop "$PG_READS"

# Each write run on its own fresh copy, the one before dropped: a run on the
# database the one before had filled met that run's autovacuum and checkpoint.
log "signing VerifyDomainIdentity requests"
sign_writes "$SQ_PORT" "$WRITES" ws >"$WORK/w-sqlite.req"
# shellcheck disable=SC2086
run_wrk sqlite-writes cycle.lua "$SQ_PORT" "$WORK/w-sqlite.req" $WRK_ARGS; keep sqlite-writes
stop "$SQ_PID"
PG_W1=$(copy_to "$WORK/reads" writes1)
serve pg-a --store "$PG_W1"; PA_PID=$PID; PA_PORT=$PORT
sign_writes "$PA_PORT" "$WRITES" wa >"$WORK/w-pg1.req"
# shellcheck disable=SC2086
run_wrk pg1-writes cycle.lua "$PA_PORT" "$WORK/w-pg1.req" $WRK_ARGS; keep pg1-writes
CREATED_PG=$(pg_sql "$PG_W1" "SELECT count(*) FROM claims")
stop "$PA_PID"; pg_drop "$PG_W1"
PG_W2=$(copy_to "$WORK/reads" writes2)
# shellcheck disable=SC2086
serve pg-a --store "$PG_W2" $SHARE2; PA_PID=$PID; PA_PORT=$PORT
# shellcheck disable=SC2086
serve pg-b --store "$PG_W2" $SHARE2; PB_PID=$PID; PB_PORT=$PORT
sign_writes "$PA_PORT" "$WRITES" wb >"$WORK/w-pg2a.req"
sign_writes "$PB_PORT" "$WRITES" wc >"$WORK/w-pg2b.req"
wrk2 pg2-writes cycle.lua "$PA_PORT" "$WORK/w-pg2a.req" "$PB_PORT" "$WORK/w-pg2b.req"; keep pg2-writes
stop "$PA_PID"; stop "$PB_PID"; pg_drop "$PG_W2"
log "PostgreSQL held $CREATED_PG identities after the one-node write run"

# ---- 2. the sweep ----------------------------------------------------------------------
log "seeding $N identities d<i>.bench.test"
SEED_OUT=$("$SEEDER" --data "$WORK/sweep" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" \
  --prefix d --suffix .bench.test --threads 256)
log "$SEED_OUT"
write_zone "$WORK/sweep/vouch.db"
start_knotd
best_dnsperf "$DNSPERF_RUNS"

# sweep LABEL COUNT_CMD NODE_ARGS...: starts one node per NODE_ARGS entry
# (each a quoted argument string), waits until COUNT_CMD says N are Success;
# sets SWEEP_SECS and CPS.
sweep() {
  local label=$1 count_cmd=$2 t0 t1 ok pids=() ports=() i=0 args
  shift 2
  settle
  t0=$(now_s)
  for args in "$@"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    start "$label-$i" "${SERVE_BIN:-$VOUCH}" serve --listen 127.0.0.1:0 $args --dns-resolver "127.0.0.1:$KNOT_PORT" \
      --max-identities 0
    pids+=("$PID") ports+=("$PORT")
  done
  wait_lookups "$N" "$SWEEP_LIMIT" "${ports[@]}"
  while :; do
    ok=$($count_cmd 2>/dev/null || echo 0)
    t1=$(now_s)
    (( ok >= N )) && break
    awk -v a="$t0" -v b="$t1" -v l="$SWEEP_LIMIT" 'BEGIN {exit !(b - a > l)}' \
      && { log "$label: only $ok of $N Success after $SWEEP_LIMIT s"; break; }
    sleep 0.02
  done
  SWEEP_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  CPS=$(awk -v n="$ok" -v s="$SWEEP_SECS" 'BEGIN {printf "%.0f", n / s}')
  for p in "${pids[@]}"; do stop "$p"; done
  log "$label: $ok Success in $SWEEP_SECS s: $CPS checks/s (load $(load))"
}
cp -a "$WORK/sweep" "$WORK/sweep-sqlite"
count_sqlite() { sqlite3 "file:$WORK/sweep-sqlite/vouch.db?mode=ro" "SELECT count(*) FROM claims WHERE status = 1"; }
sweep sweep-sqlite count_sqlite "--data $WORK/sweep-sqlite"
SQ_SECS=$SWEEP_SECS SQ_CPS=$CPS
URL1=$(copy_to "$WORK/sweep" sweep1)
count_pg1() { pg_sql "$URL1" "SELECT count(*) FROM claims WHERE status = 1"; }
sweep sweep-pg1 count_pg1 "--store $URL1"
P1_SECS=$SWEEP_SECS P1_CPS=$CPS
pg_drop "$URL1"
URL2=$(copy_to "$WORK/sweep" sweep2)
count_pg2() { pg_sql "$URL2" "SELECT count(*) FROM claims WHERE status = 1"; }
sweep sweep-pg2 count_pg2 "--store $URL2 $(window_of 2) $SHARE2" \
  "--store $URL2 $(window_of 2) $SHARE2"
P2_SECS=$SWEEP_SECS P2_CPS=$CPS
pg_drop "$URL2"
B1_SECS='' B1_CPS=''
if [[ -n ${BASE_VOUCH:-} ]]; then  # the baseline build's copy and one node, last
  URLB=$(SERVE_BIN=$BASE_VOUCH copy_to "$WORK/sweep" sweepb)
  count_pgb() { pg_sql "$URLB" "SELECT count(*) FROM claims WHERE status = 1"; }
  SERVE_BIN=$BASE_VOUCH sweep sweep-pg1-base count_pgb "--store $URLB"
  B1_SECS=$SWEEP_SECS B1_CPS=$CPS
fi
LOAD_END=$(load)

# ---- report ----------------------------------------------------------------------------
C=${BEST_RPS[ceiling]}
row() {  # LABEL TEXT [TARGET_RATIO]
  local r=${BEST_RPS[$1]} ratio=
  [[ $C -gt 0 ]] && ratio=$(pct "$r" "$C")
  echo "| $2 | $r | ${BEST_P99[$1]} | $ratio | ${ROW_BAD[$1]} |"
}
cat <<REPORT

vouch on PostgreSQL — $(date -u '+%Y-%m-%d %H:%M UTC'), binaries built from $BUILT_FROM, $(nproc) cores
PostgreSQL $(pg_sql "$PG_ADMIN_URL" 'SHOW server_version') on loopback (fsync $(pg_sql "$PG_ADMIN_URL" 'SHOW fsync'), synchronous_commit $(pg_sql "$PG_ADMIN_URL" 'SHOW synchronous_commit')); wrk $WRK_ARGS (two nodes: $HALF_ARGS on each, summed; ${SHARE2:-default --threads} each); reads best of $ROUNDS rounds; load average start $LOAD_START, end $LOAD_END

| Run | req/s | p99 (ms) | vs ceiling | errors |
|---|---:|---:|---:|---:|
| Ceiling (Beast, fixed 300-byte body) | $C | ${BEST_P99[ceiling]} | 100% | ${ROW_BAD[ceiling]} |
$(row sqlite-get1 "GetIdentityVerificationAttributes ×1, SQLite")
$(row pg1-get1 "GetIdentityVerificationAttributes ×1, PostgreSQL, one node")
$(row pg2-get1 "GetIdentityVerificationAttributes ×1, PostgreSQL, two nodes")
$(row sqlite-get100 "GetIdentityVerificationAttributes ×100, SQLite")
$(row pg1-get100 "GetIdentityVerificationAttributes ×100, PostgreSQL, one node")
$(row pg2-get100 "GetIdentityVerificationAttributes ×100, PostgreSQL, two nodes")
$(row sqlite-writes "VerifyDomainIdentity (durable create), SQLite")
$(row pg1-writes "VerifyDomainIdentity (durable create), PostgreSQL, one node")
$(row pg2-writes "VerifyDomainIdentity (durable create), PostgreSQL, two nodes")

| Sweep of $N due claims against knotd | seconds to all Success | checks/s | vs dnsperf ($QPS_ARGS: $QPS q/s) |
|---|---:|---:|---:|
| SQLite | $SQ_SECS | $SQ_CPS | $(pct "$SQ_CPS" "$QPS") |
| PostgreSQL, one node | $P1_SECS | $P1_CPS | $(pct "$P1_CPS" "$QPS") |
| PostgreSQL, two nodes | $P2_SECS | $P2_CPS | $(pct "$P2_CPS" "$QPS") |
$([[ -n $B1_CPS ]] && echo "| PostgreSQL, one node, baseline build ($BASE_VOUCH) | $B1_SECS | $B1_CPS | $(pct "$B1_CPS" "$QPS") |")

PostgreSQL identities after the one-node write run: $CREATED_PG. Seeding: $SEED_OUT
REPORT
