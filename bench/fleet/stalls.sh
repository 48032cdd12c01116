#!/usr/bin/env bash
# Stalled requests in two nodes' reads: the read section of fleet/run.sh
# (GetIdentityVerificationAttributes ×1 and ×100, wrk on two nodes at once)
# with --access-log on both nodes, and what the machine and the server showed
# meanwhile: every request slower than STALL_MS (its start and end), the
# server's statements slower than STALL_MS and its lock waits (its own log),
# the backends busy longer than STALL_MS (pg_stat_activity, every 50 ms), the
# kernel's TCP retransmission and drop counters, and with TRACE=1 (perf trace)
# the nodes' and the backends' system calls that took longer than STALL_MS: a
# node's thread in poll() on its connection while the backend at the other
# end sleeps in epoll_wait() over the same interval is a wait neither made.
#
# Environment: ROUNDS [4], STALL_MS [300], UNIX=1 (the nodes reach
# PostgreSQL through its Unix socket instead of TCP), WRK_ARGS, PG_SET,
# BUILD_DIR, NO_BUILD=1, KEEP=1: see fleet/run.sh and bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s --latency}
source "$BENCH/fleet/common.sh"
ROUNDS=${ROUNDS:-4}
STALL_MS=${STALL_MS:-300}

build_bench
make_work bench-stalls
# The server writes its log here (pg_cluster.py removes its own directory at
# the end); it runs as another user, who may pass through WORK.
chmod o+x "$WORK" && mkdir -m 777 "$WORK/pglog"
PG_SET="${PG_SET:-} logging_collector=on log_directory=$WORK/pglog log_lock_waits=on \
deadlock_timeout=${STALL_MS}ms log_min_duration_statement=$STALL_MS" start_pg
"$SEEDER" --data "$WORK/reads" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2
URL=$(copy_to "$WORK/reads" reads)
if [[ -n ${UNIX:-} ]]; then
  URL="$URL?host=$(pg_sql "$PG_ADMIN_URL" 'SHOW unix_socket_directories')"
fi
serve pg-a --store "$URL" --access-log; PA_PORT=$PORT
serve pg-b --store "$URL" --access-log; PB_PORT=$PORT
for n in 1 100; do
  sign_get "$PA_PORT" "$n" >"$WORK/get$n-a.req"
  sign_get "$PB_PORT" "$n" >"$WORK/get$n-b.req"
done

( while :; do
    pg_sql "$PG_ADMIN_URL" "SELECT clock_timestamp()::time, pid, application_name, wait_event_type,
      wait_event, round(extract(epoch FROM clock_timestamp() - query_start) * 1000) AS ms,
      left(regexp_replace(query, '\s+', ' ', 'g'), 80) FROM pg_stat_activity
      WHERE state <> 'idle' AND pid <> pg_backend_pid()
      AND clock_timestamp() - query_start > interval '$STALL_MS ms'" 2>/dev/null || true
    sleep 0.05
  done >"$WORK/activity" ) &
track $!
if [[ -n ${TRACE:-} ]]; then  # every system call longer than STALL_MS, machine-wide
  perf trace -a --duration "$STALL_MS" -o "$WORK/trace" >/dev/null 2>&1 &
  TRACE_PID=$!
  track "$TRACE_PID"
fi

tcp() { nstat -az 2>/dev/null | awk '$1 ~ /^(TcpRetransSegs|TcpExtTCPTimeouts|TcpExtTCPLossProbes|TcpExtTCPBacklogDrop)$/ {printf "%s=%s ", $1, $2}'; }
TCP0=$(tcp)
for round in $(seq "$ROUNDS"); do
  for n in 1 100; do
    wrk2 "get$n-$round" static.lua "$PA_PORT" "$WORK/get$n-a.req" "$PB_PORT" "$WORK/get$n-b.req"
    grep -h "Socket errors" "$WORK/get$n-$round-"*.wrk || true
  done
done

echo "TCP counters before: $TCP0"
echo "TCP counters after:  $(tcp)"
echo "== requests slower than $STALL_MS ms (node, start, end, ms)"
for node in pg-a pg-b; do
  grep '"event":"request"' "$WORK/$node.log" | python3 -c '
import datetime, json, sys
node, limit = sys.argv[1], float(sys.argv[2])
n = 0
for line in sys.stdin:
    r = json.loads(line); n += 1
    if r["latency_ms"] > limit:
        end = datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00"))
        start = end - datetime.timedelta(milliseconds=r["latency_ms"])
        print(node, start.time(), end.time(), round(r["latency_ms"], 1))
print(node, n, "requests", file=sys.stderr)' "$node" "$STALL_MS"
done
echo "== the server's log (slow statements, lock waits)"
cat "$WORK"/pglog/*.log | grep -E "duration:|waiting for|acquired" | grep -v vouch_bench_wal \
  | cut -c1-200 || true
echo "== backends busy longer than $STALL_MS ms"
cut -c1-200 "$WORK/activity"
if [[ -n ${TRACE:-} ]]; then
  kill -INT "$TRACE_PID"; wait "$TRACE_PID" 2>/dev/null || true
  echo "== the nodes' polls and the backends' waits longer than $STALL_MS ms (start ms, duration ms, thread)"
  # perf prints an unmatched exit as a huge duration: left out
  awk '$4 ~ /^(vouch|postgres)\// && ($5 ~ /^poll/ || $5 ~ /^epoll_wait/) && $2 !~ /^\(18446/' "$WORK/trace" \
    | sed -E 's/^ *([0-9.]+) \( *([0-9.]+) ms\): ([^ ]+) ([a-z_]+).*/\1 \2 \3 \4/'
fi
