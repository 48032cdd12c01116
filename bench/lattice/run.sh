#!/usr/bin/env bash
# VPC Lattice benchmarks (issue 3), in one command: builds (Release, -j2,
# build-bench), then with wrk against warm servers on loopback measures
#   - the ceiling: bench/ceiling_server (Beast, fixed 300-byte body), sent the
#     very GetDomainVerification bytes vouch gets;
#   - GetDomainVerification of one existing verification (with tags);
#     ceiling and vouch in ROUNDS interleaved rounds, best of each kept;
#   - StartDomainVerification with tags and a clientToken, every request a new
#     domain and a new token, i.e. a durable create (claim + idempotency row);
#     creates are counted in the store before and after.
# and prints a markdown table. See bench/RESULTS.md.
#
# The quota is 5 verifications per account and Region, so request i is signed
# for Region "r<i/5>" (sign_request --per-region 5), each named to vouch with
# --region (vouch accepts only AWS's Regions and the operator's). Lattice
# allows a 5-minute clock skew, so requests are signed just before each run.
#
# vouch runs with --test-mode so that no background DNS check of the new
# verifications runs during the measurement (checks are measured separately,
# by bench/dns/run.sh); test mode changes nothing else on these paths.
#
# Environment (defaults in brackets):
#   WRK_ARGS  wrk settings, the same for every run  [-t1 -c64 -d10s --latency]
#   ROUNDS    interleaved ceiling/Get rounds  [3]
#   STARTS    StartDomainVerification requests signed for the measured run  [150000]
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s --latency}
WARM_ARGS=$(sed -E 's/-d *[0-9]+[smh]?/-d3s/' <<<"$WRK_ARGS")
ROUNDS=${ROUNDS:-3}
STARTS=${STARTS:-150000}

build_bench
make_work lattice-run
LOAD_START=$(load)
log "wrk $WRK_ARGS; $ROUNDS rounds; load $LOAD_START"

WARM_STARTS=20000
REGION_ARGS=()  # the Regions of the signed starts below: rw<i/5> and r<i/5>
for ((i = 0; i < WARM_STARTS / 5; i++)); do REGION_ARGS+=(--region "rw$i"); done
for ((i = 0; i < (STARTS + 4) / 5; i++)); do REGION_ARGS+=(--region "r$i"); done

start ceiling "$CEILING"; CEIL_PID=$PID; CEIL_PORT=$PORT
start vouch "$VOUCH" serve --listen 127.0.0.1:0 --data "$WORK/data" --test-mode --dns-resolver 127.0.0.1:9 \
  --rate-limit StartDomainVerification=0 --rate-limit GetDomainVerification=0 "${REGION_ARGS[@]}"
VOUCH_PID=$PID; VOUCH_PORT=$PORT

# ---- GetDomainVerification vs the ceiling ------------------------------------------
"$SIGN" --host "127.0.0.1:$VOUCH_PORT" --lattice-start 1 --prefix get --suffix .bench.test >"$WORK/create.req"
CREATED=$(send "$VOUCH_PORT" "$WORK/create.req")
ID=$(grep -oE '"id":"[^"]+"' <<<"$CREATED" | cut -d'"' -f4)
[[ $CREATED == 201* && -n $ID ]] || { log "create failed: $CREATED"; exit 1; }
"$SIGN" --host "127.0.0.1:$VOUCH_PORT" --lattice-get "$ID" >"$WORK/get.req"
"$SIGN" --host "127.0.0.1:$CEIL_PORT" --lattice-get "$ID" >"$WORK/ceiling.req"
GOT=$(send "$VOUCH_PORT" "$WORK/get.req")
[[ $GOT == 200* ]] || { log "get failed: $GOT"; exit 1; }
GET_BYTES=$(( $(wc -c <<<"${GOT#200 }") - 1 ))
log "GetDomainVerification $ID answers $GET_BYTES bytes of JSON"

# shellcheck disable=SC2086
run_wrk warm-ceiling rest_static.lua "$CEIL_PORT" "$WORK/ceiling.req" $WARM_ARGS
# shellcheck disable=SC2086
run_wrk warm-get rest_static.lua "$VOUCH_PORT" "$WORK/get.req" $WARM_ARGS
declare -A BEST_RPS BEST_P99
keep_best() {
  if [[ -z ${BEST_RPS[$1]:-} || $RPS -gt ${BEST_RPS[$1]} ]]; then
    BEST_RPS[$1]=$RPS; BEST_P99[$1]=$P99
  fi
}
GET_BAD=0 ROUND_ROWS=""
for round in $(seq "$ROUNDS"); do
  l0=$(load)
  # shellcheck disable=SC2086
  run_wrk "ceiling-$round" rest_static.lua "$CEIL_PORT" "$WORK/ceiling.req" $WRK_ARGS; keep_best ceiling
  c=$RPS
  # shellcheck disable=SC2086
  run_wrk "get-$round" rest_static.lua "$VOUCH_PORT" "$WORK/get.req" $WRK_ARGS; keep_best get
  GET_BAD=$((GET_BAD + BAD))
  ROUND_ROWS+="| $round | $c | $RPS ($(pct "$RPS" "$c")) | $l0 → $(load) |"$'\n'
done
stop "$CEIL_PID"

# ---- StartDomainVerification: distinct durable creates ---------------------------------
count() {
  sqlite3 "file:$WORK/data/vouch.db?mode=ro" \
    "SELECT (SELECT count(*) FROM claims WHERE kind = 2) || ' ' || (SELECT count(*) FROM idempotency)"
}
log "signing $WARM_STARTS + $STARTS StartDomainVerification requests (5 per Region)"
"$SIGN" --host "127.0.0.1:$VOUCH_PORT" --lattice-start "$WARM_STARTS" --per-region 5 --region rw \
  --prefix sw --suffix .bench.test >"$WORK/warm-starts.req"
# shellcheck disable=SC2086
run_wrk warm-starts rest_cycle.lua "$VOUCH_PORT" "$WORK/warm-starts.req" $WARM_ARGS
"$SIGN" --host "127.0.0.1:$VOUCH_PORT" --lattice-start "$STARTS" --per-region 5 --region r \
  --prefix s --suffix .bench.test >"$WORK/starts.req"
read -r BEFORE_C BEFORE_I <<<"$(count)"
l0=$(load)
# shellcheck disable=SC2086
run_wrk starts rest_cycle.lua "$VOUCH_PORT" "$WORK/starts.req" $WRK_ARGS
START_RPS=$RPS START_P99=$P99 START_P50=$P50 START_BAD=$BAD START_N=$NREQ
START_SECS=$(awk '/requests in/ {v=$4; sub(/,$/,"",v); if (v ~ /ms$/) {sub(/ms$/,"",v); v/=1000} else if (v ~ /m$/) {sub(/m$/,"",v); v*=60} else sub(/s$/,"",v); print v}' "$WORK/starts.wrk")
START_LOAD="$l0 → $(load)"
stop "$VOUCH_PID"
read -r AFTER_C AFTER_I <<<"$(count)"
CREATED_N=$((AFTER_C - BEFORE_C)) TOKENS_N=$((AFTER_I - BEFORE_I))
CREATES_PER_S=$(awk -v n="$CREATED_N" -v s="$START_SECS" 'BEGIN {printf "%.0f", n / s}')
START_NOTE="$START_N responses in ${START_SECS} s; the store gained $CREATED_N verifications and $TOKENS_N client tokens"
if (( START_N > STARTS )); then START_NOTE+="; WARNING: requests cycled, some were replays"; fi
log "starts: $START_NOTE"
LOAD_END=$(load)

C=${BEST_RPS[ceiling]}
cat <<EOF

vouch VPC Lattice benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC'), binaries built from $BUILT_FROM, $(nproc) cores
wrk $WRK_ARGS (Get: best of $ROUNDS interleaved rounds); load average start $LOAD_START, end $LOAD_END

| Run | req/s | p99 (ms) | vs ceiling | Target | |
|---|---:|---:|---:|---|---|
| Ceiling (Beast, fixed 300-byte body) | $C | ${BEST_P99[ceiling]} | 100% | | |
| GetDomainVerification ($GET_BYTES-byte JSON) | ${BEST_RPS[get]} | ${BEST_P99[get]} | $(pct "${BEST_RPS[get]}" "$C") | ≥ 50% | $(met_ratio "${BEST_RPS[get]}" "$C" 0.5) |
| StartDomainVerification, tags + clientToken, new domain each (durable) | $START_RPS | $START_P99 | | ≥ 5,000/s | $(met_min "$START_RPS" 5000) |

Durable creates counted in the store: $CREATED_N in ${START_SECS} s = $CREATES_PER_S/s (p50 $START_P50 ms; load $START_LOAD)
Starts: $START_NOTE
Errors (non-2xx or socket errors): Get $GET_BAD, Start $START_BAD

| Round | ceiling req/s | Get req/s (ratio) | load (1/5/15 min) |
|---|---:|---:|---|
$ROUND_ROWS
EOF
