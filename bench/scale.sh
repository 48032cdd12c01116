#!/usr/bin/env bash
# How vouch's cost grows with the store (issue 19 item 4): for each N in
# SCALES, in one run,
#   1. N SES domain identities d<i>.bench.test seeded in bulk through
#      IdentityService + SqliteStore (bench/seed_identities: vouch's write
#      path minus HTTP), and a knotd zone holding every one's TXT record
#      (dns/knot.sh);
#   2. the store's size on disk per claim (vouch.db with its WAL);
#   3. start-up time with N stored: from exec to "listening" (test mode, so
#      that no sweep starts), best of 3;
#   4. the ceiling: dnsperf over the same N names on the same knotd;
#   5. vouch's first sweep of the N due claims (dns/sweep.py times it from
#      vouch's start until every claim was checked once), while wrk replays a
#      pre-signed GetIdentityVerificationAttributes (1 identity) at a steady
#      pace: checks/s against dnsperf's queries/s, the API's p99 during the
#      sweep, vouch's peak RSS (VmHWM) at its end, the queries per check
#      knotd answered during it (TXT, SOA), and vouch's CPU per check (user +
#      system from its start to the sweep's end, the paced API's share
#      included; per thread in the log). Instruction counters are not
#      available in this VM (perf: "not supported"), hence CPU time.
# and prints one markdown table, a row per N, so that the growth is visible.
#
# Environment (defaults in brackets):
#   SCALES        the Ns, in order  [100000 1000000]
#   DNSPERF_ARGS  [-c 1 -q 128 -l 20]
#   API_WRK_ARGS  [-t1 -c8 --latency]    API_PACE_MS  [8]
#   SWEEP_LIMIT   seconds a sweep may take  [900]
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/dns/knot.sh"

read -ra SCALES <<<"${SCALES:-100000 1000000}"
DNSPERF_ARGS=${DNSPERF_ARGS:--c 1 -q 128 -l 20}
API_WRK_ARGS=${API_WRK_ARGS:--t1 -c8 --latency}
API_PACE_MS=${API_PACE_MS:-8}
SWEEP_LIMIT=${SWEEP_LIMIT:-900}

build_bench
make_work scale
LOAD_START=$(load)
log "scales ${SCALES[*]}; dnsperf $DNSPERF_ARGS; API wrk $API_WRK_ARGS paced $API_PACE_MS ms; load $LOAD_START"

serve_args() {  # [DATA] [PORT_OF_KNOT]: without DATA, no --data (start_sweep adds it)
  [[ -n ${1:-} ]] && echo --data "$1"
  echo --listen 127.0.0.1:0 --max-identities 0 \
    --rate-limit GetIdentityVerificationAttributes=0 --dns-resolver "127.0.0.1:${2:-9}"
}

# startup DATA: seconds from exec to "listening", test mode (no sweep); best of 3.
startup() {
  local best=, t0 t1 pid i
  for i in 1 2 3; do
    : >"$WORK/startup-$i.log"
    t0=$(now_s)
    # shellcheck disable=SC2046
    "$VOUCH" serve $(serve_args "$1") --test-mode >"$WORK/startup-$i.log" 2>&1 &
    pid=$!
    until grep -q 'listening on' "$WORK/startup-$i.log"; do
      kill -0 "$pid" 2>/dev/null || { cat "$WORK/startup-$i.log" >&2; log "vouch did not start"; exit 1; }
      sleep 0.005
    done
    t1=$(now_s)
    kill "$pid"; wait "$pid" || true
    best=$(awk -v b="$best" -v d="$(awk -v a="$t0" -v c="$t1" 'BEGIN {print c - a}')" \
      'BEGIN {printf "%.3f", (b == "," || d < b) ? d : b}')
  done
  echo "$best"
}

TICKS=$(getconf CLK_TCK)
# cpu_us_per_check PID N: the process's user + system CPU so far over N, in µs.
cpu_us_per_check() {
  awk -v t="$TICKS" -v n="$2" '{printf "%.1f", ($14 + $15) * 1e6 / t / n}' "/proc/$1/stat"
}
# cpu_by_thread PID: "name seconds" per thread name (threads of one name
# summed), largest first.
cpu_by_thread() {
  local task
  for task in /proc/"$1"/task/*; do
    echo "$(tr ' ' _ <"$task/comm") $(awk '{print $14 + $15}' "$task/stat")"
  done | awk -v t="$TICKS" '{s[$1] += $2} END {for (k in s) if (s[k]) printf "%s %.2f\n", k, s[k] / t}' |
    sort -k2 -rn | head -5 | paste -sd, | sed 's/,/, /g'
}

ROWS=""
for N in "${SCALES[@]}"; do
  rm -rf "$WORK/data" "$WORK/knot" "$WORK/names.txt"
  l0=$(load)
  log "N=$N: seeding"
  init_data "$WORK/data"
  t0=$(now_s)
  SEED_OUT=$("$SEEDER" --data "$WORK/data" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" \
    --prefix d --suffix .bench.test --threads 256)
  SEED_SECS=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN {printf "%.1f", b - a}')
  log "N=$N: $SEED_OUT"
  sqlite3 "$WORK/data/vouch.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
  BYTES=$(cat "$WORK/data"/vouch.db* | wc -c)
  PER_CLAIM=$(awk -v b="$BYTES" -v n="$N" 'BEGIN {printf "%.0f", b / n}')
  write_zone "$WORK/data/vouch.db"
  start_knotd
  UP=$(startup "$WORK/data")
  log "N=$N: store $BYTES bytes ($PER_CLAIM per claim); start-up ${UP} s"

  dnsperf -s 127.0.0.1 -p "$KNOT_PORT" -d "$WORK/names.txt" $DNSPERF_ARGS >"$WORK/dnsperf-$N.out" 2>&1
  QPS=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$WORK/dnsperf-$N.out")
  log "N=$N: dnsperf $QPS queries/s"

  # The sweep, with the API paced beside it.
  TXT0=$(knot_queries TXT) SOA0=$(knot_queries SOA)
  # shellcheck disable=SC2046
  start_sweep "sweep-$N" "$WORK/data" "$SWEEP_LIMIT" $(serve_args "" "$KNOT_PORT")
  driver=$DRIVER vpid=$VPID vport=$VPORT
  "$SIGN" --host "127.0.0.1:$vport" --get 1 --prefix d --suffix .bench.test --start 4242 \
    >"$WORK/api-$N.req"
  # shellcheck disable=SC2086
  wrk $API_WRK_ARGS -d3600s -s "$BENCH/static.lua" "http://127.0.0.1:$vport/" -- \
    "$WORK/api-$N.req" "$API_PACE_MS" >"$WORK/api-$N.wrk" 2>&1 &
  wrk_pid=$!; track "$wrk_pid"
  wait "$driver" || { cat "$WORK/sweep-$N.log" >&2; log "N=$N: the sweep did not finish"; exit 1; }
  HWM=$(awk '$1 == "VmHWM:" {printf "%.1f", $2 / 1024}' "/proc/$vpid/status")
  CPU_US=$(cpu_us_per_check "$vpid" "$N")
  THREADS=$(cpu_by_thread "$vpid")
  kill -INT "$wrk_pid"; wait "$wrk_pid" || true; stop "$wrk_pid"
  stop "$vpid"
  QPC=$(awk -v t="$(( $(knot_queries TXT) - TXT0 ))" -v s="$(( $(knot_queries SOA) - SOA0 ))" -v n="$N" \
    'BEGIN {printf "%.3f (TXT %.3f, SOA %.3f)", (t + s) / n, t / n, s / n}')
  stop "$KNOT_PID"
  SECS=$(cat "$WORK/sweep-$N.first")
  CPS=$(awk -v n="$N" -v s="$SECS" 'BEGIN {printf "%.0f", n / s}')
  OK=$(sqlite3 "file:$WORK/data/vouch.db?mode=ro" "SELECT count(*) FROM claims WHERE status = 1")
  P99=$(awk '$1 == "99%" {print $2}' "$WORK/api-$N.wrk" | to_ms)
  ARPS=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$WORK/api-$N.wrk")
  BAD=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {n += 1} END {print n + 0}' "$WORK/api-$N.wrk")
  log "N=$N: $CPS checks/s ($N in $SECS s, $OK Success), dnsperf $QPS/s; $QPC queries per check; vouch CPU $CPU_US us per check ($THREADS); API p99 $P99 ms; VmHWM $HWM MB"
  ROWS+="| $N | $QPS | $CPS ($SECS s) | $(pct "$CPS" "$QPS") $(met_ratio "$CPS" "$QPS" 0.5) | $QPC | $CPU_US | $OK | $ARPS | $P99 $(met_max "$P99" 10) | $HWM $(met_max "$HWM" 150) | $PER_CLAIM | $UP | $SEED_SECS | $BAD | $l0 → $(load) |"$'\n'
done
LOAD_END=$(load)

cat <<EOF

vouch at scale — $(date -u '+%Y-%m-%d %H:%M UTC'), binaries built from $BUILT_FROM, $(nproc) cores
knotd $(knotd --version | head -1 | awk '{print $NF}') on loopback; dnsperf $DNSPERF_ARGS; API wrk $API_WRK_ARGS, each connection pausing $API_PACE_MS ms; load average start $LOAD_START, end $LOAD_END

| N claims | dnsperf queries/s | vouch first sweep, checks/s | vs dnsperf (≥ 50%) | queries per check at knotd | vouch CPU µs per check | Success after it | API req/s during it | API p99 during it, ms (< 10) | peak RSS, MB (< 150) | store bytes per claim | start-up with N stored, s | seeding, s | API errors | load |
|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
$ROWS
EOF
