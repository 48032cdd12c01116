#!/usr/bin/env bash
# VerifyDomainIdentity of new domains on one node against two sharing the
# database, in interleaved pairs, each run on a fresh copy of the same store:
# creates/s and p99, and per create the transactions PostgreSQL committed,
# its WAL fsyncs, and the CPU of PostgreSQL, of the whole machine and of
# each node (µs). Each new domain is checked at once and fails (as in run.sh),
# so a create includes its first check. With BASE_VOUCH each pair is run by
# that build too, right after this one's.
#
# Environment (defaults in brackets): ROUNDS [3], NODESET ["1 2"] (2i: two
#   nodes, wrk against the first only), BASE_VOUCH [none], QUOTA [0]
#   (--max-identities; 10000 is the service's default), EXTRA (more serve
#   flags), STMTS=1 (pg_stat_statements: the statements that took the
#   server's time; preloads it), SHARE_THREADS [1] (two nodes: half the I/O
#   threads each, common.sh threads_of), WRK_ARGS [-t1 -c64 -d8s --latency];
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d8s --latency}
source "$BENCH/fleet/common.sh"
ROUNDS=${ROUNDS:-3}
NODESET=${NODESET:-1 2}
[[ -z ${STMTS:-} ]] || PG_SET="${PG_SET:-} shared_preload_libraries=pg_stat_statements"
SECONDS_RUN=$(sed -E 's/.*-d *([0-9]+)s.*/\1/' <<<"$WRK_ARGS")
build_bench
make_work bench-creates
start_pg
"$SEEDER" --data "$WORK/reads" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2
stats() {
  pg_sql "$1" "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) || ' ' || (SELECT wal_sync FROM pg_stat_wal)"
}
per_create() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {printf "%.3f", (b - a) / n}'; }

# one_run LABEL BIN NODES: one measurement on a fresh database; prints its row.
one_run() {
  local label=$1 bin=$2 nodes=$3 url pids=() ports=() count=${3%i} i share=
  url=$(SERVE_BIN=$bin copy_to "$WORK/reads" "$label")
  # Nodes that share the load share the machine's I/O threads; an idle
  # second node (2i) leaves the first all of them.
  [[ $nodes == "$count" && $count -gt 1 ]] && share=$(threads_of "$count")
  for i in $(seq "$count"); do
    # shellcheck disable=SC2086
    SERVE_BIN=$bin serve "$label-$i" --store "$url" $share ${EXTRA:-}
    pids+=("$PID"); ports+=("$PORT")
    sign_writes "$PORT" 60000 "w$label$i" >"$WORK/w-$label-$i.req"
  done
  if [[ -n ${STMTS:-} ]]; then
    pg_sql "$url" "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
    pg_sql "$url" "SELECT pg_stat_statements_reset()" >/dev/null
  fi
  sleep 1
  local x0 s0 x1 s1 p0 p1 m0 m1 v0=() nodes_cpu="" k=0
  read -r x0 s0 <<<"$(stats "$url")"
  p0=$(pg_cpu); m0=$(machine_busy)
  for i in "${pids[@]}"; do v0+=("$(proc_cpu "$i")"); done
  if [[ $count == 1 || $nodes == 2i ]]; then
    run_wrk "$label" cycle.lua "${ports[0]}" "$WORK/w-$label-1.req" $WRK_ARGS
  else
    wrk2 "$label" cycle.lua "${ports[0]}" "$WORK/w-$label-1.req" "${ports[1]}" "$WORK/w-$label-2.req"
  fi
  p1=$(pg_cpu); m1=$(machine_busy)
  for i in "${pids[@]}"; do nodes_cpu+=" $(pg_us_per_req "${v0[$k]}" "$(proc_cpu "$i")")"; k=$((k + 1)); done
  sleep 1
  read -r x1 s1 <<<"$(stats "$url")"
  local n=$((RPS * SECONDS_RUN))
  echo "| $label | $nodes | $RPS | $BAD | $P99 | $(per_create "$x0" "$x1" "$n") | $(per_create "$s0" "$s1" "$n") | $(pg_us_per_req "$p0" "$p1") | $(pg_us_per_req "$m0" "$m1") |${nodes_cpu} |"
  if [[ -n ${STMTS:-} ]]; then
    psql -XAt -F' | ' -d "$url" -c "SELECT calls, round(calls::numeric / $n, 3), round(total_exec_time::numeric * 1000 / $n, 1), left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 12" >&2
  fi
  for i in "${pids[@]}"; do stop "$i"; done
  pg_drop "$url"
}

echo "| Run | Nodes | creates/s | non-2xx | p99 (ms) | commits per create | fsyncs per create | postgres µs | machine µs | nodes µs |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
for round in $(seq "$ROUNDS"); do
  for nodes in $NODESET; do
    one_run "new-r$round-n$nodes" "$VOUCH" "$nodes"
    [[ -z ${BASE_VOUCH:-} ]] || one_run "base-r$round-n$nodes" "$BASE_VOUCH" "$nodes"
  done
done
