#!/usr/bin/env bash
# The cost of metrics on the API read path (issue 16 item 6): the same
# GetIdentityVerificationAttributes request naming 1 identity (bench/run.sh's
# "get1"), with wrk against two vouch processes of one build on copies of one
# data directory: one with metrics (the default), one with VOUCH_NO_METRICS=1
# (no decorators, no /metrics). Rounds alternate between them; the best of each
# is kept. A scraper reads /metrics once a second from the metered one, as
# Prometheus would. Target: metrics on within 5% of off.
#
# Environment: WRK_ARGS [-t1 -c64 -d10s --latency], ROUNDS [5], and lib.sh's
# BUILD_DIR, NO_BUILD, KEEP.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s --latency}
WARM_ARGS=$(sed -E 's/-d *[0-9]+[smh]?/-d3s/' <<<"$WRK_ARGS")
ROUNDS=${ROUNDS:-5}

build_bench
make_work bench-metrics
LOAD_START=$(load)
log "wrk $WRK_ARGS; $ROUNDS rounds; load $LOAD_START"

init_data "$WORK/on"
"$SEEDER" --data "$WORK/on" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2
cp -a "$WORK/on" "$WORK/off"

serve() {  # NAME DATA_DIR (as bench/run.sh: test mode, rate limits off, checks on loopback)
  start "$1" "$VOUCH" serve --listen 127.0.0.1:0 --data "$2" --test-mode \
    --rate-limit GetIdentityVerificationAttributes=0 --dns-resolver 127.0.0.1:9
}
serve on "$WORK/on"; ON_PORT=$PORT
VOUCH_NO_METRICS=1 serve off "$WORK/off"; OFF_PORT=$PORT
curl -sf "http://127.0.0.1:$ON_PORT/metrics" | grep -q '^# TYPE vouch_http_requests_total counter'
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$OFF_PORT/metrics") == 404 ]]

"$SIGN" --host "127.0.0.1:$ON_PORT" --get 1 --prefix r >"$WORK/on.req"
"$SIGN" --host "127.0.0.1:$OFF_PORT" --get 1 --prefix r >"$WORK/off.req"

( while sleep 1; do curl -sf -o /dev/null "http://127.0.0.1:$ON_PORT/metrics" || true; done ) &
track $!

bench() {  # LABEL PORT FILE [warm]
  local args=$WRK_ARGS
  [[ ${4:-} == warm ]] && args=$WARM_ARGS
  # shellcheck disable=SC2086
  run_wrk "$1" static.lua "$2" "$3" $args
}
bench warm-on "$ON_PORT" "$WORK/on.req" warm
bench warm-off "$OFF_PORT" "$WORK/off.req" warm
BEST_ON=0 BEST_OFF=0 P99_ON=- P99_OFF=- BAD_ALL=0 SUM_ON=0 SUM_OFF=0
for round in $(seq "$ROUNDS"); do
  bench "off-$round" "$OFF_PORT" "$WORK/off.req"
  if (( RPS > BEST_OFF )); then BEST_OFF=$RPS P99_OFF=$P99; fi
  SUM_OFF=$((SUM_OFF + RPS))
  BAD_ALL=$((BAD_ALL + BAD))
  bench "on-$round" "$ON_PORT" "$WORK/on.req"
  if (( RPS > BEST_ON )); then BEST_ON=$RPS P99_ON=$P99; fi
  SUM_ON=$((SUM_ON + RPS))
  BAD_ALL=$((BAD_ALL + BAD))
done
COUNTED=$(curl -sf "http://127.0.0.1:$ON_PORT/metrics" |
  awk '/^vouch_http_requests_total\{api="ses",operation="GetIdentityVerificationAttributes",code="200"\}/ {print $2}')
LOAD_END=$(load)

cat <<REPORT

### Metrics on vs off: GetIdentityVerificationAttributes, 1 identity (built from $BUILT_FROM)

wrk $WRK_ARGS, best of $ROUNDS alternating rounds; load $LOAD_START -> $LOAD_END (a shared machine).

| vouch | req/s | p99 ms |
|---|---:|---:|
| metrics off (VOUCH_NO_METRICS=1) | $BEST_OFF | $P99_OFF |
| metrics on, scraped every second | $BEST_ON | $P99_ON |
| on / off, best round | $(pct "$BEST_ON" "$BEST_OFF") | target ≥ 95%: $(met_ratio "$BEST_ON" "$BEST_OFF" 0.95) |
| on / off, all rounds summed | $(pct "$SUM_ON" "$SUM_OFF") | target ≥ 95%: $(met_ratio "$SUM_ON" "$SUM_OFF" 0.95) |

Non-2xx or socket errors: $BAD_ALL. Requests the metered server counted: $COUNTED.
REPORT
