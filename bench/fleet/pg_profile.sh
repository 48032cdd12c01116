#!/usr/bin/env bash
# Where one PostgreSQL node's time goes, as counts per claim, for
#   WHAT=sweep: the first sweep of N due claims (as sweep_ab.sh runs it), or
#   WHAT=creates: VerifyDomainIdentity of new domains for CREATE_SECONDS [8] (wrk,
#   as store_cache.sh runs them; each new domain is checked at once and
#   fails), N of them signed (more than the run sends);
# the server's statistics are read before and after: transactions, rows
# written, HOT updates (no index entries), WAL records, bytes and fsyncs,
# trigger function calls, and the CPU of vouch and of the postgres backends.
# STATEMENTS=1 lists the statements that took the server's time (pg_stat_statements).
# PERF=1 also samples the backends (`perf record`) for PERF_SECONDS [5] from
# PERF_DELAY [2] seconds after the nodes start, or
# the vouch nodes with PERF_OF=vouch, or every process with PERF_OF=all.
# SYSCALLS=1 counts the nodes' system calls (some by name) and context switches.
#
# Environment: WHAT [sweep], NODES [1] (sweep: nodes sharing the database, CPU
# summed), N [100000 sweep, 60000 creates], CREATE_SECONDS, VOUCH_BIN
# (default this build's vouch), ARGS (more serve flags), PERF, PERF_SECONDS, PERF_TOP [40]; BUILD_DIR,
# NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$BENCH/dns/knot.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s}
source "$BENCH/fleet/common.sh"
WHAT=${WHAT:-sweep}
[[ $WHAT == sweep || $WHAT == creates ]] || { echo "WHAT=sweep|creates" >&2; exit 2; }
if [[ $WHAT == sweep ]]; then N=${N:-100000}; else N=${N:-60000}; fi

build_bench
bin=${VOUCH_BIN:-$VOUCH}
[[ -z ${STATEMENTS:-} ]] || PG_SET="${PG_SET:-} shared_preload_libraries=pg_stat_statements pg_stat_statements.track_planning=on"
make_work bench-pg-profile
start_pg
if [[ $WHAT == sweep ]]; then
  "$SEEDER" --data "$WORK/sweep" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" --prefix d \
    --suffix .bench.test --threads 256 >&2
  write_zone "$WORK/sweep/vouch.db"
  start_knotd
else
  "$SEEDER" --data "$WORK/sweep" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2  # as store_cache.sh
fi
url=$(SERVE_BIN=$bin copy_to "$WORK/sweep" profile)
pg_sql "$PG_ADMIN_URL" "ALTER SYSTEM SET track_functions = 'pl'" >/dev/null
pg_sql "$PG_ADMIN_URL" "SELECT pg_reload_conf()" >/dev/null
pg_sql "$url" "SELECT pg_stat_reset(), pg_stat_reset_shared('wal'), pg_stat_reset_shared('bgwriter')" >/dev/null
if [[ -n ${STATEMENTS:-} ]]; then
  pg_sql "$url" "CREATE EXTENSION pg_stat_statements" >/dev/null
  pg_sql "$url" "SELECT pg_stat_statements_reset()" >/dev/null
fi

# One line of counters: commits, rows inserted, updated, HOT-updated, WAL
# records, WAL bytes, WAL fsyncs, WAL full-page images, trigger function calls, entries of the due
# index read (by the leases' scans), shared buffers written (by backends,
# the background writer and checkpoints) and allocated (read in), claims
# rows read by sequential scans and those scans (a plan that lost its index;
# in a sweep, the final count of Success below).
counters() {
  pg_sql "$url" "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())
    || ' ' || (SELECT sum(n_tup_ins) FROM pg_stat_user_tables)
    || ' ' || (SELECT sum(n_tup_upd) FROM pg_stat_user_tables)
    || ' ' || (SELECT sum(n_tup_hot_upd) FROM pg_stat_user_tables)
    || ' ' || (SELECT wal_records || ' ' || wal_bytes || ' ' || wal_sync || ' ' || wal_fpi FROM pg_stat_wal)
    || ' ' || (SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions)
    || ' ' || (SELECT sum(idx_tup_read) FROM pg_stat_user_indexes
               WHERE indexrelname IN ('claims_due', 'claim_due_at'))
    || ' ' || (SELECT buffers_backend + buffers_clean + buffers_checkpoint || ' ' || buffers_alloc
               FROM pg_stat_bgwriter)
    || ' ' || (SELECT seq_tup_read || ' ' || seq_scan FROM pg_stat_user_tables WHERE relname = 'claims')"
}
sleep 1  # the statistics collector's last flush
settle
c0=$(counters)
cpu0=$(pg_cpu)
knot0=$(proc_cpu "${KNOT_PID:-0}")
busy0=$(machine_busy)
irq0=$(machine_irq)
faults0=$(pg_faults)
drops0=$(udp_drops)
t0=$(now_s)
pids=() ports=()
if [[ $WHAT == sweep ]]; then
  for node in $(seq "${NODES:-1}"); do
    # shellcheck disable=SC2046,SC2086  # ARGS, window_of: flags, split
    start "profile-$node" "$bin" serve --listen 127.0.0.1:0 --store "$url" \
      --dns-resolver "127.0.0.1:$KNOT_PORT" --max-identities 0 $(window_of "${NODES:-1}") ${ARGS:-}
    pids+=("$PID") ports+=("$PORT")
  done
else
  # shellcheck disable=SC2086  # ARGS: extra serve flags, split
  SERVE_BIN=$bin serve profile --store "$url" ${ARGS:-}
  sign_writes "$PORT" "$N" w >"$WORK/writes.req"
  c0=$(counters)  # after the signing, which wrote nothing
  cpu0=$(pg_cpu)
  t0=$(now_s)
  # shellcheck disable=SC2086
  wrk -t1 -c64 -d"${CREATE_SECONDS:-8}s" -s "$BENCH/cycle.lua" "http://127.0.0.1:$PORT/" -- "$WORK/writes.req" \
    >"$WORK/writes.wrk" 2>&1 &
  WRK_PID=$!; track "$WRK_PID"
fi
(( ${#pids[@]} )) || pids=("$PID")
if [[ -n ${SYSCALLS:-} ]]; then  # the nodes' syscalls and context switches, until the end
  perf stat -x, -o "$WORK/syscalls.txt" -e raw_syscalls:sys_enter,context-switches,cpu-migrations \
    -e "$(printf 'syscalls:sys_enter_%s,' epoll_wait futex sendto recvfrom sendmsg recvmsg write read \
      writev poll | sed 's/,$//')" -p "$(IFS=,; echo "${pids[*]}")" &
  STAT_PID=$!
fi
if [[ -n ${PERF:-} ]]; then
  sleep "${PERF_DELAY:-2}"
  case ${PERF_OF:-postgres} in
    vouch) of=(-p "$(IFS=,; echo "${pids[*]}")") ;;
    all) of=(-a) ;;
    *) of=(-p "$(pgrep -d, -x postgres)") ;;
  esac
  perf record -q -g -o "$WORK/perf.data" "${of[@]}" -- sleep "${PERF_SECONDS:-5}" \
    >/dev/null 2>&1 || log "perf record failed"
fi
if [[ $WHAT == sweep ]]; then
  wait_lookups "$N" 600 "${ports[@]}"  # the nodes' /metrics: a count(*) poll would cost the server
  while (( $(pg_sql "$url" "SELECT count(*) FROM claims WHERE status = 1") < N )); do sleep 0.02; done
else
  wait "$WRK_PID"
  grep -E 'Non-2xx|Socket errors' "$WORK/writes.wrk" >&2 || true
  N=$(( $(pg_sql "$url" "SELECT count(*) FROM claims") - 100 ))  # the claims made
  (( N > 0 )) || { log "no claim made"; exit 1; }
fi
t1=$(now_s)
if [[ -n ${STAT_PID:-} ]]; then kill -INT "$STAT_PID"; wait "$STAT_PID" || true; fi
cpu1=$(pg_cpu)
knot1=$(proc_cpu "${KNOT_PID:-0}")
busy1=$(machine_busy)
irq1=$(machine_irq)
faults1=$(pg_faults)
drops1=$(udp_drops)
vcpu=0
for pid in "${pids[@]}"; do
  vcpu=$(awk -v a="$vcpu" -v b="$(proc_cpu "$pid")" 'BEGIN {print a + b}')
  stop "$pid"
done
pg_sql "$url" "SELECT 'bytes per claim row ' || avg(pg_column_size(c.*))::int || ', of its evidence '
  || avg(length(evidence))::int || '; per event row ' || (SELECT avg(pg_column_size(e.*))::int
  FROM events e) FROM claims c" >&2
sleep 1
c1=$(counters)
log "load $(load)"
awk -v n="$N" -v a="$t0" -v b="$t1" -v p0="$cpu0" -v p1="$cpu1" -v v="$vcpu" \
  -v c0="$c0" -v c1="$c1" -v k0="$knot0" -v k1="$knot1" -v m0="$busy0" -v m1="$busy1" -v i0="$irq0" -v i1="$irq1" \
  -v f0="$faults0" -v f1="$faults1" -v d="$(( drops1 - drops0 ))" -v cores="$(nproc)" 'BEGIN {
  split(c0, x, " "); split(c1, y, " ")
  split("commits,rows inserted,rows updated,HOT updates,WAL records,WAL bytes,WAL fsyncs,WAL full-page images,trigger calls,due index entries read,buffers written,buffers allocated,claims rows scanned,claims sequential scans", name, ",")
  printf "%d claims in %.2f s: %.0f/s; CPU per claim: postgres %.1f us, vouch %.1f us, knotd %.1f us, the whole machine %.1f us (%.2f of %d cores busy)\n",
    n, b - a, n / (b - a), 1e6 * (p1 - p0) / n, 1e6 * v / n, 1e6 * (k1 - k0) / n, 1e6 * (m1 - m0) / n,
    (m1 - m0) / (b - a), cores
  printf "  interrupts and softirqs per claim (in the whole machine, no process): %.1f us\n", 1e6 * (i1 - i0) / n
  printf "  page faults of the postgres processes per claim: %.2f\n", (f1 - f0) / n
  printf "  UDP datagrams dropped for a full receive buffer (DNS queries or answers): %d\n", d
  for (i = 1; i <= 14; ++i) printf "  %s per claim: %.3f\n", name[i], (y[i] - x[i]) / n
}'
if [[ -n ${STAT_PID:-} ]]; then
  awk -F, -v n="$N" '$1 ~ /^[0-9]+$/ {printf "  %s per claim: %.3f\n", $3, $1 / n}' "$WORK/syscalls.txt"
fi
if [[ -n ${STATEMENTS:-} ]]; then
  pg_sql "$url" "SELECT rpad(round(total_exec_time::numeric * 1000 / $N, 2)::text, 7) || ' us/claim '
    || rpad(calls::text, 6) || ' calls ' || rpad(round(total_plan_time::numeric * 1000 / greatest(plans, 1))::text, 5)
    || ' us/plan ' || rpad(plans::text, 5) || ' plans ' || rpad(round(rows::numeric / greatest(calls, 1), 1)::text, 6)
    || ' rows/call  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 90)
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC LIMIT 14"
fi
if [[ -n ${PERF:-} && -s $WORK/perf.data ]]; then
  perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null \
    | grep -E '^ +[0-9]' | head -"${PERF_TOP:-40}"
fi
