#!/usr/bin/env bash
# Two vouch binaries, A and B, side by side on copies of the same data: SES
# v2 GetEmailIdentity of a never-checked identity and of a checked one (its
# domain and three DKIM records each with evidence), against the ceiling
# server, in interleaved rounds (the order flips each round); prints each
# round and the medians. For a change on the read path measured on a loaded
# machine, where only the same run compares.
#
#   A=/path/to/vouch-before B=/path/to/vouch-after bench/ab_reads.sh
#
# Environment: A, B (default B: BUILD_DIR's vouch), ROUNDS [7],
# WRK_ARGS [-t1 -c64 -d5s --latency]; the other binaries from BUILD_DIR
# (built as bench/run.sh builds them; NO_BUILD=1 skips that). CALLGRIND=1
# adds instructions per request of each binary, --threads 1 under valgrind's
# callgrind (counts zeroed before a CG_DUR [4s] run with 4 connections):
# unlike req/s, they do not move with the machine's load.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WRK_ARGS=${WRK_ARGS:--t1 -c64 -d5s --latency}
ROUNDS=${ROUNDS:-7}
build_bench
A=${A:?A=/path/to/the vouch to compare}
B=${B:-$VOUCH}
make_work ab-reads
log "A=$A B=$B; wrk $WRK_ARGS; $ROUNDS rounds; load $(load)"

init_data "$WORK/a"
"$SEEDER" --data "$WORK/a" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 1 --prefix r >&2
"$SEEDER" --data "$WORK/a" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 1 --prefix c --checked >&2
cp -a "$WORK/a" "$WORK/b"
serve() {  # NAME BINARY DATA
  start "$1" "$2" serve --listen 127.0.0.1:0 --data "$3" --test-mode \
    --rate-limit GetEmailIdentity=0 --rate-limit GetIdentityVerificationAttributes=0 \
    --max-identities 0 --dns-resolver 127.0.0.1:9
}
start ceiling "$CEILING"; CEIL_PORT=$PORT
serve vouch-a "$A" "$WORK/a"; A_PORT=$PORT
serve vouch-b "$B" "$WORK/b"; B_PORT=$PORT
"$SIGN" --host "127.0.0.1:$CEIL_PORT" --get 1 --prefix r >"$WORK/ceiling.req"
for v in a b; do
  port=$([[ $v == a ]] && echo "$A_PORT" || echo "$B_PORT")
  "$SIGN" --host "127.0.0.1:$port" --sesv2-get r0.example.com >"$WORK/plain-$v.req"
  "$SIGN" --host "127.0.0.1:$port" --sesv2-get c0.example.com >"$WORK/checked-$v.req"
done

# shellcheck disable=SC2086
one() {  # LABEL SCRIPT PORT FILE: appends RPS to $WORK/LABEL.rps
  run_wrk "$1-$round" "$2" "$3" "$4" $WRK_ARGS
  [[ $BAD == 0 ]] || { log "$1: $BAD bad responses"; exit 1; }
  echo "$RPS" >>"$WORK/$1.rps"
}
round=warm
WRK_ARGS=$(sed -E 's/-d *[0-9]+[smh]?/-d2s/' <<<"$WRK_ARGS") one warm-a rest_static.lua "$A_PORT" "$WORK/checked-a.req"
WRK_ARGS=$(sed -E 's/-d *[0-9]+[smh]?/-d2s/' <<<"$WRK_ARGS") one warm-b rest_static.lua "$B_PORT" "$WORK/checked-b.req"
for round in $(seq "$ROUNDS"); do
  one ceiling static.lua "$CEIL_PORT" "$WORK/ceiling.req"
  order="a b"; (( round % 2 == 0 )) && order="b a"
  for v in $order; do
    port=$([[ $v == a ]] && echo "$A_PORT" || echo "$B_PORT")
    one "checked-$v" rest_static.lua "$port" "$WORK/checked-$v.req"
    one "plain-$v" rest_static.lua "$port" "$WORK/plain-$v.req"
  done
done

# Instructions per request: each binary alone under callgrind, both operations.
declare -A IR
if [[ ${CALLGRIND:-0} == 1 ]]; then
  for v in a b; do
    bin=$([[ $v == a ]] && echo "$A" || echo "$B")
    cp -a "$WORK/a" "$WORK/cg-$v"
    start "cg-$v" valgrind --tool=callgrind --dump-instr=no "--callgrind-out-file=$WORK/cg-$v.out" \
      "$bin" serve --listen 127.0.0.1:0 --data "$WORK/cg-$v" --test-mode --threads 1 \
      --rate-limit GetEmailIdentity=0 --max-identities 0 --dns-resolver 127.0.0.1:9
    for k in checked plain; do
      "$SIGN" --host "127.0.0.1:$PORT" --sesv2-get "$([[ $k == checked ]] && echo c0 || echo r0).example.com" \
        >"$WORK/cg-$k-$v.req"
      run_wrk "cg-warm-$k-$v" rest_static.lua "$PORT" "$WORK/cg-$k-$v.req" -t1 -c4 -d1s --timeout 10s >/dev/null 2>&1
      callgrind_control -z "$PID" >/dev/null
      run_wrk "cg-$k-$v" rest_static.lua "$PORT" "$WORK/cg-$k-$v.req" -t1 -c4 "-d${CG_DUR:-4s}" --timeout 10s
      callgrind_control -d "$k" "$PID" >/dev/null
      ir=$(cat "$WORK/cg-$v.out".* | awk -v k="$k" '
        /^desc: Trigger:/ {mine = ($0 == "desc: Trigger: dump " k)} mine && /^totals:/ {t = $2} END {print t + 0}')
      IR[$k-$v]=$(awk -v i="$ir" -v n="$NREQ" 'BEGIN {printf "%.0f", (n > 0) ? i / n : 0}')
      log "cg $k $v: ${IR[$k-$v]} instructions/request"
    done
    stop "$PID"
  done
fi

median() { sort -n "$WORK/$1.rps" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
C=$(median ceiling)
row() {  # LABEL NAME
  local m; m=$(median "$1")
  echo "| $2 | $(paste -sd' ' "$WORK/$1.rps") | $m | $(pct "$m" "$C") |"
}
cat <<TABLE

A: $A
B: $B
wrk $WRK_ARGS, $ROUNDS rounds (order A/B flipped each round); load at the end $(load)

| Run | req/s each round | median | of the ceiling |
|---|---|---|---|
$(row ceiling "ceiling (bench/ceiling_server)")
$(row checked-a "A: GetEmailIdentity, checked (4 evidences)")
$(row checked-b "B: GetEmailIdentity, checked (4 evidences)")
$(row plain-a "A: GetEmailIdentity, never checked")
$(row plain-b "B: GetEmailIdentity, never checked")
TABLE
if [[ ${CALLGRIND:-0} == 1 ]]; then
  cat <<TABLE

| Instructions per request (callgrind, --threads 1) | A | B |
|---|---|---|
| GetEmailIdentity, checked (4 evidences) | ${IR[checked-a]} | ${IR[checked-b]} |
| GetEmailIdentity, never checked | ${IR[plain-a]} | ${IR[plain-b]} |
TABLE
fi
