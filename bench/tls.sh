#!/usr/bin/env bash
# HTTPS against plain HTTP in one run: two vouch servers on copies of the same
# 100 seeded identities, one with --tls-cert/--tls-key (a P-256 certificate
# made here), measured in interleaved rounds with wrk:
#   - GetIdentityVerificationAttributes naming 1 identity over keep-alive
#     connections (the per-request cost of TLS once the handshake is paid);
#   - the same read with "Connection: close", so every request opens a new
#     connection (for HTTPS a handshake each);
#   - openssl s_time -new: full handshakes per second from one client.
# Prints a markdown table; best of ROUNDS kept.
#
# Environment (defaults in brackets):
#   WRK_ARGS   [-t1 -c64 -d10s --latency]   ROUNDS [3]   S_TIME [10] seconds
#   BUILD_DIR, NO_BUILD, KEEP: as for bench/run.sh (lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s --latency}
WARM_ARGS=$(sed -E 's/-d *[0-9]+[smh]?/-d3s/' <<<"$WRK_ARGS")
ROUNDS=${ROUNDS:-3}
S_TIME=${S_TIME:-10}

build_bench
make_work bench-tls

log "seeding 100 identities"
init_data "$WORK/plain"
"$SEEDER" --data "$WORK/plain" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2
cp -a "$WORK/plain" "$WORK/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null

serve() {  # NAME DATA_DIR [ARGS...]
  local name=$1 dir=$2
  shift 2
  start "$name" "$VOUCH" serve --listen 127.0.0.1:0 --data "$dir" --test-mode \
    --rate-limit GetIdentityVerificationAttributes=0 --max-identities 0 \
    --dns-resolver 127.0.0.1:9 "$@"
}
serve plain "$WORK/plain"; PLAIN_PID=$PID; PLAIN_PORT=$PORT
serve tls "$WORK/tls" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
TLS_PID=$PID; TLS_PORT=$PORT
"$SIGN" --host "127.0.0.1:$PLAIN_PORT" --get 1 --prefix r >"$WORK/plain.req"
"$SIGN" --host "127.0.0.1:$TLS_PORT" --get 1 --prefix r >"$WORK/tls.req"

declare -A BEST_RPS BEST_P99
# measure LABEL SCHEME PORT REQFILE [warm|close]
measure() {
  local args=$WRK_ARGS label=$1 close=()
  [[ ${5:-} == warm ]] && args=$WARM_ARGS
  # wrk takes a -H header only as "Name: value", with the space.
  [[ ${5:-} == close ]] && close=(-H "Connection: close")
  # shellcheck disable=SC2086
  WRK_SCHEME=$2 run_wrk "$label" static.lua "$3" "$4" $args "${close[@]}"
  label=${label%-*}
  if [[ -z ${BEST_RPS[$label]:-} || $RPS -gt ${BEST_RPS[$label]} ]]; then
    BEST_RPS[$label]=$RPS BEST_P99[$label]=$P99
  fi
  [[ $BAD == 0 ]] || log "$1: $BAD errors"
}

LOAD_START=$(load)
log "wrk $WRK_ARGS; $ROUNDS rounds; load $LOAD_START"
measure warm-http http "$PLAIN_PORT" "$WORK/plain.req" warm
measure warm-https https "$TLS_PORT" "$WORK/tls.req" warm
for round in $(seq "$ROUNDS"); do
  measure "http-$round" http "$PLAIN_PORT" "$WORK/plain.req"
  measure "https-$round" https "$TLS_PORT" "$WORK/tls.req"
  measure "httpclose-$round" http "$PLAIN_PORT" "$WORK/plain.req" close
  measure "httpsclose-$round" https "$TLS_PORT" "$WORK/tls.req" close
done

log "openssl s_time -new for $S_TIME s"
S_TIME_OUT=$(openssl s_time -connect "127.0.0.1:$TLS_PORT" -new -time "$S_TIME" 2>&1 || true)
HANDSHAKES=$(awk '/connections in .* real seconds/ {printf "%.0f", $1 / $4}' \
  <<<"$S_TIME_OUT" | tail -1)
log "s_time: ${HANDSHAKES:-?} handshakes/s"
stop "$PLAIN_PID"
stop "$TLS_PID"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f%%", 100 * a / b}'; }
cat <<EOF

### HTTPS against HTTP ($(date -u +%Y-%m-%d), built from $BUILT_FROM; wrk $WRK_ARGS; best of $ROUNDS; load at start $LOAD_START, at end $(load))

| GetIdentityVerificationAttributes ×1 | HTTP req/s (p99 ms) | HTTPS req/s (p99 ms) | HTTPS / HTTP |
|---|---|---|---|
| keep-alive | ${BEST_RPS[http]} (${BEST_P99[http]}) | ${BEST_RPS[https]} (${BEST_P99[https]}) | $(ratio "${BEST_RPS[https]}" "${BEST_RPS[http]}") |
| a new connection per request | ${BEST_RPS[httpclose]} (${BEST_P99[httpclose]}) | ${BEST_RPS[httpsclose]} (${BEST_P99[httpsclose]}) | $(ratio "${BEST_RPS[httpsclose]}" "${BEST_RPS[httpclose]}") |

Full TLS handshakes (openssl s_time -new, one client, $S_TIME s): ${HANDSHAKES:-?}/s.
EOF
