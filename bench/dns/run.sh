#!/usr/bin/env bash
# DNS verification benchmarks (issue 4), in one command: builds (Release,
# -j2, build-bench), then
#   1. seeds N SES domain identities d<i>.bench.test through IdentityService +
#      SqliteStore (bench/seed_identities: vouch's write path minus HTTP);
#   2. reads the tokens vouch issued from the store and writes a zone
#      bench.test holding N TXT records _amazonses.d<i>.bench.test = token;
#   3. starts knotd (Debian knot) on a free loopback port serving that zone;
#   4. the ceiling: dnsperf querying the same N TXT names on the same knotd,
#      queries/s (the fastest of DNSPERF_RUNS);
#   5. vouch as in production (no test mode; --dns-resolver 127.0.0.1:PORT),
#      ROUNDS times, each on a fresh copy of the seeded store right after a
#      dnsperf run of its own (the median round is the headline):
#      its background scheduler finds the N due claims and checks them (up to
#      128 lookups in flight (--dns-concurrency), results judged and recorded in batches through the
#      group-commit writer). Timed from vouch's start until every claim has
#      been checked once (next_check_at moved past the start, polled in the store every
#      10 ms over one connection by dns/sweep.py, which starts vouch after its
#      own start-up): checks/s = N / that time;
#      also N / (last - first recorded check), from the status history, which
#      leaves out vouch's start (exec, store, first read). Then, for up to SUCCESS_WAIT s more,
#      until all N are Success (a lookup that timed out is retried after the
#      60 s backoff). Kernel UDP receive drops on vouch's and knotd's sockets
#      are read from /proc/net/udp;
#   6. in each round also, the same sweep on a fresh copy while wrk replays a
#      pre-signed GetIdentityVerificationAttributes (1 identity,
#      API_WRK_ARGS), paced: each connection waits API_PACE_MS after each
#      response (a steady ~900 requests/s). wrk runs from vouch's start until
#      the last first check and is stopped with SIGINT, which makes it print
#      its figures. Then one sweep with wrk as fast as it can go (the API and
#      the checks then split the 2 CPUs), and the same wrk on the swept vouch
#      with nothing due, the API baseline.
# and prints markdown tables. See bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   N             identities / TXT records / names  [100000]
#   DNSPERF_RUNS  dnsperf settings, one run per line  ["-c 1 -q 100 -l 20" (dnsperf's
#                 default window) and "-c 1 -q 128 -l 20" (vouch's 128 in flight)]
#   API_WRK_ARGS  [-t1 -c8 --latency]
#   API_PACE_MS   pause per connection after each response, paced API sweep  [8]
#   SUCCESS_WAIT  seconds to wait after the first pass for all claims Success  [75]
#   ROUNDS        rounds of a dnsperf run (ROUND_DNSPERF) then two sweeps, API idle
#                 and API paced, each on a fresh copy of the store; medians reported  [3]
#   ROUND_DNSPERF  [-c 1 -q 100 -l 10]
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
#
# --store postgres (or STORE=postgres): after the SQLite runs above, the same
# N due claims moved into a throwaway PostgreSQL (fsync on; `vouch store
# copy` from the seeded store) and swept by one node, then (a fresh copy) by
# two nodes sharing the database; timed from the nodes' start until every
# claim's next check moved past it (the nodes' /metrics, then psql), with the
# CPU seconds of vouch and of postgres over the sweep.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$BENCH/dns/knot.sh"

STORE=${STORE:-sqlite}
if [[ ${1:-} == --store ]]; then STORE=${2:?--store sqlite|postgres}; shift 2; fi
[[ $STORE == sqlite || $STORE == postgres ]] || { echo "--store sqlite|postgres" >&2; exit 2; }

N=${N:-100000}
DNSPERF_RUNS=${DNSPERF_RUNS:-$'-c 1 -q 100 -l 20\n-c 1 -q 128 -l 20'}
SUCCESS_WAIT=${SUCCESS_WAIT:-75}
ROUNDS=${ROUNDS:-3}
ROUND_DNSPERF=${ROUND_DNSPERF:--c 1 -q 100 -l 10}
API_WRK_ARGS=${API_WRK_ARGS:--t1 -c8 --latency}
API_PACE_MS=${API_PACE_MS:-8}

build_bench
make_work dns-run
LOAD_START=$(load)
log "N=$N; API wrk $API_WRK_ARGS; load $LOAD_START"

# ---- 1. identities -------------------------------------------------------------------
log "seeding $N identities d<i>.bench.test"
init_data "$WORK/data"  # the secret key vouch wants beside seeded claims
SEED_OUT=$("$SEEDER" --data "$WORK/data" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" \
  --prefix d --suffix .bench.test --threads 256)
log "$SEED_OUT"
DB=$WORK/data/vouch.db
q() { sqlite3 "file:$DB?mode=ro" "$1"; }

# ---- 2./3. zone and knotd (dns/knot.sh) ------------------------------------------------------
write_zone "$DB"
start_knotd

# ---- 4. ceiling: dnsperf ---------------------------------------------------------------------
# Each DNSPERF_RUNS line is one dnsperf run; the fastest is the ceiling.
best_dnsperf "$DNSPERF_RUNS"

# ---- 5./6. vouch: the background scheduler checks N due claims ---------------------------------
# Two copies of the store, both with N pending (due) claims: one swept with
# the API idle, one swept while wrk measures the API.
cp -a "$WORK/data" "$WORK/pristine"

# udp_drops: drops counted by the kernel on vouch's c-ares sockets (connected
# to knotd's port) and on knotd's listening socket(s), from /proc/net/udp.
udp_drops() {
  local kp
  kp=$(printf ':%04X' "$KNOT_PORT")
  awk -v kp="$kp" 'NR > 1 { if (substr($3, length($3) - 4) == kp) v += $NF;
                            else if (substr($2, length($2) - 4) == kp) k += $NF }
                   END { printf "%d %d\n", v, k }' /proc/net/udp
}

count_ok() { sqlite3 "file:$1/vouch.db?mode=ro" "SELECT count(*) FROM claims WHERE kind = 0 AND status = 1" 2>/dev/null || echo 0; }

# sweep NAME DATA [PACE_MS]: starts vouch (background scheduler) on DATA
# (with PACE_MS: and wrk on the API, each connection pausing PACE_MS ms after
# each response, 0 = not at all), waits until every claim has been checked once (its next check moved past the start), then
# (API idle only) up to SUCCESS_WAIT s more until all are Success. Sets FIRST_SECS,
# FIRST_OK (Success when the last first check landed), ALL_SECS (or "-"),
# FINAL_OK, DROPS, SWEEP_LOAD.
sweep() {
  local name=$1 data=$2 api=${3:-} t0 t0_ns t1 ok wrk_pid= l0 d0v d0k dv dk vpid vport driver
  l0=$(load)
  read -r d0v d0k <<<"$(udp_drops)"
  # dns/sweep.py starts vouch itself, after its own start-up, and times the
  # sweep from there: nothing of the harness runs beside vouch but a 10 ms
  # poll of the store (and this shell's wait for the port, for wrk).
  start_sweep "$name" "$data" 600 --listen 127.0.0.1:0 \
    --dns-resolver "127.0.0.1:$KNOT_PORT" --max-identities 0 \
    --rate-limit GetIdentityVerificationAttributes=0 --rate-limit VerifyDomainIdentity=0
  driver=$DRIVER vpid=$VPID vport=$VPORT t0=$T0 t0_ns=$T0_NS
  if [[ -n $api ]]; then
    "$SIGN" --host "127.0.0.1:$vport" --get 1 --prefix d --suffix .bench.test --start 4242 >"$WORK/$name.req"
    # shellcheck disable=SC2086
    wrk $API_WRK_ARGS -d600s -s "$BENCH/static.lua" "http://127.0.0.1:$vport/" -- "$WORK/$name.req" "$api" \
      >"$WORK/$name.wrk" 2>&1 &
    wrk_pid=$!; track "$wrk_pid"
  fi
  ALL_SECS=-
  wait "$driver" || { cat "$WORK/$name.log" >&2; log "$name: not all claims were checked"; exit 1; }
  FIRST_SECS=$(cat "$WORK/$name.first")
  FIRST_OK=$(count_ok "$data")
  # The checking itself, without vouch's start (~0.1 s: exec, opening the
  # store, the first read): from the first recorded check to the last, read
  # off the status history (each first check moved Pending -> Success).
  WINDOW_SECS=-
  if (( FIRST_OK >= N )); then
    WINDOW_SECS=$(sqlite3 "file:$data/vouch.db?mode=ro" \
      "SELECT printf('%.3f', (max(at) - min(at)) / 1e9) FROM history WHERE at >= $t0_ns")
  fi
  if [[ -n $wrk_pid ]]; then kill -INT "$wrk_pid"; wait "$wrk_pid" || true; stop "$wrk_pid"; fi
  read -r dv dk <<<"$(udp_drops)"
  DROPS="vouch $((dv - d0v)), knotd $((dk - d0k))"
  SWEEP_LOAD="$l0 → $(load)"
  log "$name: $N first checks in $FIRST_SECS s, $FIRST_OK Success; UDP receive drops: $DROPS"
  # API idle: then wait (up to SUCCESS_WAIT s) until all are Success.
  while [[ -z $api ]]; do
    t1=$(now_s)
    ok=$(count_ok "$data")
    if (( ok >= N )); then
      ALL_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'); break
    fi
    awk -v a="$t0" -v b="$t1" -v f="$FIRST_SECS" -v w="$SUCCESS_WAIT" 'BEGIN {exit !(b - a > f + w)}' && break
    kill -0 "$vpid" 2>/dev/null || { cat "$WORK/$name.log" >&2; log "$name: vouch exited"; exit 1; }
    sleep 0.5
  done
  [[ -n $FIRST_SECS ]] || { log "$name: not all claims were checked"; exit 1; }
  stop "$vpid"
  FINAL_OK=$(count_ok "$data")
  log "$name: all Success after $ALL_SECS s; $FINAL_OK Success at the end"
}

# api_sweep NAME PACE_MS: a sweep of a fresh copy of the store while wrk
# replays the API; sets CPS (checks/s) and API_RPS, API_P50, API_P99, API_N
# (requests), API_SECS, API_BAD (errors).
api_sweep() {
  local name=$1 out=$WORK/$1.wrk
  rm -rf "$WORK/$name.data"; cp -a "$WORK/pristine" "$WORK/$name.data"
  sweep "$name" "$WORK/$name.data" "$2"
  rm -rf "$WORK/$name.data"
  CPS=$(awk -v n="$N" -v s="$FIRST_SECS" 'BEGIN {printf "%.0f", n / s}')
  API_RPS=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$out")
  API_P99=$(awk '$1 == "99%" {print $2}' "$out" | to_ms)
  API_P50=$(awk '$1 == "50%" {print $2}' "$out" | to_ms)
  API_N=$(awk '/requests in/ {print $1}' "$out")
  API_SECS=$(awk '/requests in/ {v=$4; sub(/,$/,"",v); if (v ~ /ms$/) {sub(/ms$/,"",v); v/=1000} else if (v ~ /m$/) {sub(/m$/,"",v); v*=60} else sub(/s$/,"",v); print v}' "$out")
  API_BAD=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {n += 1} END {print n + 0}' "$out")
  [[ $API_BAD == 0 ]] || { log "$name: API errors"; cat "$out" >&2; }
  log "$name: API $API_RPS req/s, p50 $API_P50 ms, p99 $API_P99 ms over $API_SECS s; $CPS checks/s"
}

# median_of "PCT ROUND"...: prints "ROUND PCT" of the median.
median_of() {
  printf '%s\n' "$@" | sort -n | awk '{p[NR] = $1; r[NR] = $2} END {m = int((NR + 1) / 2); print r[m], p[m]}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", 100 * a / b}'; }

# The machine's speed drifts by ±15% over minutes (dnsperf alone has measured
# 117k-174k), so each round pairs a dnsperf run with two sweeps of fresh
# copies of the store (API idle, API paced), and the headlines are the
# median rounds.
ROUND_ROWS="" RATES=() RATIOS=() PACED_ROWS="" PACED_RATES=() PACED_RATIOS=() PACED_P99_MAX=0 PACED_BAD=0
for r in $(seq "$ROUNDS"); do
  # shellcheck disable=SC2086
  dnsperf -s 127.0.0.1 -p "$KNOT_PORT" -d "$WORK/names.txt" $ROUND_DNSPERF >"$WORK/round-$r.dnsperf" 2>&1
  rq=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$WORK/round-$r.dnsperf")
  rm -rf "$WORK/data"; cp -a "$WORK/pristine" "$WORK/data"
  sweep "sweep-$r" "$WORK/data"
  rc=$(awk -v n="$N" -v s="$FIRST_SECS" 'BEGIN {printf "%.0f", n / s}')
  rw=-
  [[ $WINDOW_SECS == - ]] || rw=$(awk -v n="$N" -v s="$WINDOW_SECS" 'BEGIN {printf "%.0f", n / s}')
  RATES+=("$rc $r") RATIOS+=("$(ratio "$rc" "$rq") $r")
  ROUND_ROWS+="| $r | $rq | $rc ($N in $FIRST_SECS s) | $(pct "$rc" "$rq") | $rw ($WINDOW_SECS s) | $([[ $rw == - ]] && echo - || pct "$rw" "$rq") | $FIRST_OK | $ALL_SECS | $DROPS | $SWEEP_LOAD |"$'\n'
  log "round $r: dnsperf $rq queries/s, vouch $rc checks/s ($(pct "$rc" "$rq"))"
  api_sweep "paced-$r" "$API_PACE_MS"
  PACED_RATES+=("$CPS $r") PACED_RATIOS+=("$(ratio "$CPS" "$rq") $r")
  PACED_ROWS+="| $r | $rq | $CPS ($N in $FIRST_SECS s) | $(pct "$CPS" "$rq") | $FIRST_OK | $DROPS | $API_RPS ($API_N in $API_SECS s) | $API_P50 | $API_P99 |"$'\n'
  PACED_P99_MAX=$(awk -v a="$PACED_P99_MAX" -v b="$API_P99" 'BEGIN {print (b + 0 > a + 0) ? b : a}')
  PACED_BAD=$((PACED_BAD + API_BAD))
done
# Against the ceiling: the median of vouch's rates. Against each round's own
# dnsperf: the median of those ratios (maybe another round).
read -r MEDIAN_ROUND CPS1 <<<"$(median_of "${RATES[@]}")"
read -r PAIRED_ROUND MEDIAN_PCT <<<"$(median_of "${RATIOS[@]}")"
S1_ROW=$(printf '%s' "$ROUND_ROWS" | sed -n "${MEDIAN_ROUND}p")
S1_FIRST=$(awk -F'|' '{print $4}' <<<"$S1_ROW" | sed 's/.* in \([0-9.]*\) s.*/\1/')
MEDIAN_QPS=$(printf '%s' "$ROUND_ROWS" | sed -n "${PAIRED_ROUND}p" | awk -F'|' '{print $3 + 0}')
CPSW1=$(awk -F'|' '{print $6}' <<<"$S1_ROW" | awk '{print $1}')
read -r PACED_ROUND P_CPS <<<"$(median_of "${PACED_RATES[@]}")"
read -r PACED_PAIRED_ROUND PACED_PCT <<<"$(median_of "${PACED_RATIOS[@]}")"
P_FIRST=$(printf '%s' "$PACED_ROWS" | sed -n "${PACED_ROUND}p" | awk -F'|' '{print $4}' | sed 's/.* in \([0-9.]*\) s.*/\1/')
P_QPS=$(printf '%s' "$PACED_ROWS" | sed -n "${PACED_PAIRED_ROUND}p" | awk -F'|' '{print $3 + 0}')

# The API baseline: the same wrk on the swept store, nothing due.
start vouch-idle "$VOUCH" serve --listen 127.0.0.1:0 --data "$WORK/data" \
  --dns-resolver "127.0.0.1:$KNOT_PORT" --max-identities 0 \
  --rate-limit GetIdentityVerificationAttributes=0 --rate-limit VerifyDomainIdentity=0
IDLE_PID=$PID
"$SIGN" --host "127.0.0.1:$PORT" --get 1 --prefix d --suffix .bench.test --start 4242 >"$WORK/get1-idle.req"
# shellcheck disable=SC2086
run_wrk api-warm static.lua "$PORT" "$WORK/get1-idle.req" $API_WRK_ARGS -d3s
# shellcheck disable=SC2086
run_wrk api-idle static.lua "$PORT" "$WORK/get1-idle.req" $API_WRK_ARGS -d10s
IDLE_RPS=$RPS IDLE_P99=$P99 IDLE_P50=$P50 IDLE_BAD=$BAD
stop "$IDLE_PID"

api_sweep sweep-api 0
SAT_CPS=$CPS SAT_FIRST=$FIRST_SECS SAT_OK="$FIRST_OK | $FINAL_OK | $DROPS | $SWEEP_LOAD"
SAT_API="$API_N requests over $API_SECS s) | $API_RPS | $API_P50 | $API_P99 | p99 < 10 ms | $(met_max "$API_P99" 10) |"
SAT_BAD=$API_BAD

# ---- 7. PostgreSQL: one node, then two nodes sharing the database --------------------------
PG_ROWS=""
if [[ $STORE == postgres ]]; then
  start_pg
  for nodes in 1 2; do
    db=$(pg_db)
    c0=$(now_s)
    "$VOUCH" store copy --from "$WORK/pristine" --to "$db" >"$WORK/copy-$nodes.log" 2>&1 \
      || { cat "$WORK/copy-$nodes.log" >&2; exit 1; }
    psql -XAtq -d "$db" -c 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null  # as fleet/common.sh copy_to
    log "store copy of $N claims into postgres: $(awk -v a="$(now_s)" -v b="$c0" 'BEGIN {printf "%.1f", a - b}') s"
    l0=$(load)
    p0=$(pg_cpu)
    t0_ns=$(date +%s%N)
    t0=$(now_s)
    vpids=() vports=()
    for i in $(seq "$nodes"); do
      start "pg-node$nodes-$i" "$VOUCH" serve --listen 127.0.0.1:0 --store "$db" --node-id "n$i" \
        --dns-resolver "127.0.0.1:$KNOT_PORT" --max-identities 0
      vpids+=("$PID") vports+=("$PORT")
    done
    wait_lookups "$N" 600 "${vports[@]}"  # the nodes' /metrics: no query beside the sweep
    t1=
    for _ in $(seq 6000); do  # 600 s at most
      left=$(psql -XAt -d "$db" -c "SELECT count(*) FROM claims WHERE kind = 0 AND (next_check_at IS NULL OR next_check_at <= $t0_ns)" 2>/dev/null || echo x)
      if [[ $left == 0 ]]; then t1=$(now_s); break; fi
      sleep 0.02
    done
    [[ -n $t1 ]] || { log "postgres sweep with $nodes node(s) did not finish"; exit 1; }
    secs=$(awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.2f", a - b}')
    cps=$(awk -v n="$N" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
    vcpu=0
    for p in "${vpids[@]}"; do vcpu=$(awk -v t="$vcpu" -v c="$(proc_cpu "$p")" 'BEGIN {print t + c}'); done
    pcpu=$(awk -v a="$(pg_cpu)" -v b="$p0" 'BEGIN {printf "%.1f", a - b}')
    ok=$(psql -XAt -d "$db" -c "SELECT count(*) FROM claims WHERE kind = 0 AND status = 1")
    log "postgres, $nodes node(s): $N first checks in $secs s ($cps checks/s), vouch CPU $vcpu s, postgres CPU $pcpu s, $ok Success"
    PG_ROWS+="| $nodes | $cps checks/s ($N in $secs s) | $(pct "$cps" "$QPS") | $(met_ratio "$cps" "$QPS" 0.25) | $ok | $(printf '%.1f' "$vcpu") | $pcpu | $l0 → $(load) |"$'\n'
    for p in "${vpids[@]}"; do stop "$p"; done
    pg_drop "$db"
  done
  PG_ROWS="
| vouch on PostgreSQL (fsync on), nodes sharing the database | first checks of $N due claims, from the nodes' start | vs ceiling ($QPS queries/s) | ≥ 25% | Success when the last first check landed | vouch CPU (s) | postgres CPU (s) | load (1/5/15 min) |
|---|---:|---:|---|---:|---:|---:|---|
$PG_ROWS"
fi
stop "$KNOT_PID"
LOAD_END=$(load)

cat <<EOF

vouch DNS verification benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC'), binaries built from $BUILT_FROM, $(nproc) cores
knotd $(knotd --version | head -1 | awk '{print $NF}') on loopback, zone of $N TXT records; load average start $LOAD_START, end $LOAD_END

| Run | rate | vs ceiling | Target | | load (1/5/15 min) |
|---|---:|---:|---|---|---|
| Ceiling: dnsperf $QPS_ARGS, the same $N TXT names on the same knotd | $QPS queries/s | 100% | | | |
| vouch, background scheduler: $N due claims, first checks, API idle (median of $ROUNDS rounds, round $MEDIAN_ROUND) | $CPS1 checks/s ($N in $S1_FIRST s) | $(pct "$CPS1" "$QPS") | ≥ 50% | $(met_ratio "$CPS1" "$QPS" 0.5) | |
| vouch against each round's own dnsperf run, median round ($PAIRED_ROUND: $ROUND_DNSPERF, $MEDIAN_QPS queries/s) | | $MEDIAN_PCT% | ≥ 50% | $(awk -v p="$MEDIAN_PCT" 'BEGIN {print (p >= 50) ? "met" : "**missed**"}') | |
| the median round (by rate) from its first check to its last (vouch's start left out) | $CPSW1 checks/s | $([[ $CPSW1 == - ]] && echo - || pct "$CPSW1" "$QPS") | | | |
| vouch, the same while the API answers a steady load (wrk, each connection pausing $API_PACE_MS ms after each response; median of $ROUNDS rounds, round $PACED_ROUND) | $P_CPS checks/s ($N in $P_FIRST s) | $(pct "$P_CPS" "$QPS") | ≥ 50% | $(met_ratio "$P_CPS" "$QPS" 0.5) | |
| the same against each round's own dnsperf run, median round ($PACED_PAIRED_ROUND: $P_QPS queries/s) | | $PACED_PCT% | ≥ 50% | $(awk -v p="$PACED_PCT" 'BEGIN {print (p >= 50) ? "met" : "**missed**"}') | |
| vouch, the same while wrk sends API requests as fast as it can (one sweep; the two share the 2 CPUs) | $SAT_CPS checks/s ($N in $SAT_FIRST s) | $(pct "$SAT_CPS" "$QPS") | | | |

| Round (API idle) | dnsperf $ROUND_DNSPERF (queries/s) | vouch first checks, from its start | vs that dnsperf | vouch checks/s from its first check to its last | vs that dnsperf | Success when the last first check landed | all $N Success after (s) | UDP receive drops (kernel) | load (1/5/15 min) |
|---|---:|---:|---:|---:|---:|---:|---:|---|---|
$ROUND_ROWS
| Round (API paced) | dnsperf $ROUND_DNSPERF (queries/s) | vouch first checks, from its start | vs that dnsperf | Success when the last first check landed | UDP receive drops (kernel) | API req/s | API p50 (ms) | API p99 (ms) |
|---|---:|---:|---:|---:|---|---:|---:|---:|
$PACED_ROWS
| vouch sweep with the API as fast as wrk can go | Success when the last first check landed | Success at the end | UDP receive drops (kernel) | load (1/5/15 min) |
|---|---:|---:|---|---|
| | $SAT_OK |

| API: GetIdentityVerificationAttributes, 1 identity, wrk $API_WRK_ARGS | req/s | p50 (ms) | p99 (ms) | Target | |
|---|---:|---:|---:|---|---|
| nothing due (10 s) | $IDLE_RPS | $IDLE_P50 | $IDLE_P99 | | |
| during the paced sweeps (the worst p99 of $ROUNDS rounds; each round above) | | | $PACED_P99_MAX | p99 < 10 ms | $(met_max "$PACED_P99_MAX" 10) |
| during the sweep, as fast as wrk can go ($SAT_API

| dnsperf run | queries/s | lost | NOERROR | avg latency (ms) | load (1/5/15 min) |
|---|---:|---|---:|---:|---|
$DNSPERF_ROWS$PG_ROWS
Seeding: $SEED_OUT
Errors (non-2xx or socket errors): API idle $IDLE_BAD, API during the sweeps $PACED_BAD (paced), $SAT_BAD (as fast as wrk can go)
EOF
