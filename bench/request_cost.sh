#!/usr/bin/env bash
# Request cost (issue 19): what vouch spends per request beside the ceiling
# server (bench/ceiling_server), in one run:
#   - server CPU µs per request: the process's user+sys time (/proc/PID/stat)
#     over the requests wrk got answered, for each operation below, with
#     --threads 1 (metrics on, and off: VOUCH_NO_METRICS=1) and with the
#     default threads (metrics on); the ceiling the same way, sent the very
#     bytes vouch gets for that operation;
#   - instructions per request: the same servers under valgrind's callgrind
#     (counts zeroed before the measured run, dumped after), Ir over requests.
#     Unlike seconds, these do not move with the machine's load.
# Operations: GetIdentityVerificationAttributes naming 1 and 100 identities,
# ListIdentities (a page of 100), VPC Lattice GetDomainVerification, and
# VerifyDomainIdentity (every request a new domain: a durable write).
#
# Environment (defaults in brackets):
#   CONNS     wrk connections (one wrk thread)  [64]
#   DUR       each measured CPU run  [5s]
#   WRITES    VerifyDomainIdentity requests signed per server  [80000]
#   CPU       0 skips the CPU runs  [1]
#   CALLGRIND 0 skips the instruction counts  [1]
#   VARIANTS  which vouch to run  [t1 t1-nometrics default]
#   OPS       which operations  [get1 get100 list100 lattice verify]
#   BEFORE    another vouch binary (e.g. the build before a change): each
#             variant also runs on it, as "<variant>@before", in the same run
#   CG_DUR    each run under callgrind, with 4 connections  [4s]
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONNS=${CONNS:-64}
DUR=${DUR:-5s}
WRITES=${WRITES:-80000}
CPU=${CPU:-1}
CALLGRIND=${CALLGRIND:-1}
CG_DUR=${CG_DUR:-4s}
read -ra OPS <<<"${OPS:-get1 get100 list100 lattice verify}"
declare -A OP_NAME=(
  [get1]="GetIdentityVerificationAttributes, 1 identity"
  [get100]="GetIdentityVerificationAttributes, 100 identities"
  [list100]="ListIdentities, a page of 100"
  [lattice]="GetDomainVerification"
  [verify]="VerifyDomainIdentity, new domain each (durable)")
declare -A TARGET=([get1]=1.5 [get100]=4 [lattice]=1.5)

build_bench
make_work request-cost
LOAD_START=$(load)
log "wrk -t1 -c$CONNS -d$DUR per run; load $LOAD_START"

init_data "$WORK/data"
"$SEEDER" --data "$WORK/data" --account "$VOUCH_ROOT_ACCOUNT_ID" --count 100 --prefix r >&2

# serve NAME [PREFIX...]: vouch (run by PREFIX, e.g. env or valgrind) with
# SERVE_ARGS (--data and the variant's), rate limits off; sets PID, PORT.
serve() {
  local name=$1; shift
  start "$name" "$@" "${SERVE_BIN:-$VOUCH}" serve --listen 127.0.0.1:0 --test-mode \
    --dns-resolver 127.0.0.1:9 --max-identities 0 \
    --rate-limit GetIdentityVerificationAttributes=0 --rate-limit VerifyDomainIdentity=0 \
    --rate-limit ListIdentities=0 --rate-limit GetDomainVerification=0 \
    --rate-limit StartDomainVerification=0 "${SERVE_ARGS[@]}"
}

# sign_op PORT TAG OP [N]: OP's request(s) for a server on PORT, in
# $WORK/TAG-OP.req (verify: N VerifyDomainIdentity, domains w<TAG>-<i>).
LATTICE_ID=
sign_op() {
  local host=127.0.0.1:$1 out=$WORK/$2-$3.req
  case $3 in
    get1) "$SIGN" --host "$host" --get 1 --prefix r >"$out" ;;
    get100) "$SIGN" --host "$host" --get 100 --prefix r >"$out" ;;
    list100) "$SIGN" --host "$host" --list 100 >"$out" ;;
    lattice) "$SIGN" --host "$host" --lattice-get "$LATTICE_ID" >"$out" ;;
    verify) "$SIGN" --host "$host" --verify-domains "${4:-1}" --prefix "w${2//@/-}-" >"$out" ;;
  esac
}
script_of() {  # OP [ceiling]: the wrk script replaying that operation's requests
  case $1 in
    lattice) echo rest_static.lua ;;
    verify) [[ ${2:-} == ceiling ]] && echo static.lua || echo cycle.lua ;;
    *) echo static.lua ;;
  esac
}

# The one Lattice verification GetDomainVerification reads, made once.
SERVE_ARGS=(--data "$WORK/data")
SERVE_BIN=${INIT_BIN:-$VOUCH} serve setup; SETUP_PID=$PID  # INIT_BIN: a baseline schema
"$SIGN" --host "127.0.0.1:$PORT" --lattice-start 1 --prefix get --suffix .bench.test \
  >"$WORK/create.req"
CREATED=$(send "$PORT" "$WORK/create.req")
LATTICE_ID=$(grep -oE '"id":"[^"]+"' <<<"$CREATED" | cut -d'"' -f4)
[[ $CREATED == 201* && -n $LATTICE_ID ]] || { log "create failed: $CREATED"; exit 1; }
stop "$SETUP_PID"

# ---- CPU per request --------------------------------------------------------------
declare -A US RPS_OF NREQ_OF
# cpu_run KEY PID PORT OP REQFILE [ceiling]: a warm-up, then a measured run;
# sets US[KEY] (CPU µs/request) and RPS_OF[KEY].
cpu_run() {
  local key=$1 pid=$2 port=$3 op=$4 file=$5 script c0 c1
  script=$(script_of "$op" "${6:-}")
  run_wrk "warm-$key" "$script" "$port" "$file" -t1 "-c$CONNS" -d1s >/dev/null 2>&1
  c0=$(proc_cpu "$pid")
  run_wrk "$key" "$script" "$port" "$file" -t1 "-c$CONNS" "-d$DUR"
  c1=$(proc_cpu "$pid")
  US[$key]=$(awk -v a="$c0" -v b="$c1" -v n="$NREQ" 'BEGIN {printf "%.1f", (b - a) * 1e6 / n}')
  RPS_OF[$key]=$RPS NREQ_OF[$key]=$NREQ
  log "$key: ${US[$key]} CPU µs/request"
  (( BAD == 0 )) || { log "$key: $BAD errors"; ERRORS=$((ERRORS + BAD)); }
}
ERRORS=0

read -ra VARIANTS <<<"${VARIANTS:-t1 t1-nometrics default}"
declare -A VARIANT_ARGS=([t1]="--threads 1" [t1-nometrics]="--threads 1" [default]="")
declare -A CEIL_OF=([t1]=ceil-t1 [t1-nometrics]=ceil-t1 [default]=ceil-default)
if [[ -n ${BEFORE:-} ]]; then
  for v in "${VARIANTS[@]}"; do
    VARIANTS+=("$v@before") VARIANT_ARGS[$v@before]=${VARIANT_ARGS[$v]} CEIL_OF[$v@before]=${CEIL_OF[$v]}
  done
fi
bin_of() { [[ $1 == *@before ]] && echo "$BEFORE" || echo "$VOUCH"; }

CEILINGS=(); for v in "${VARIANTS[@]}"; do [[ " ${CEILINGS[*]} " == *" ${CEIL_OF[$v]#ceil-} "* ]] || CEILINGS+=("${CEIL_OF[$v]#ceil-}"); done
SERVERS=("${CEILINGS[@]/#/ceil-}" "${VARIANTS[@]}")

declare -A IR
# cg NAME: valgrind's command line for callgrind (counts zeroed before each run).
cg() {
  echo valgrind --tool=callgrind --dump-instr=no \
    "--callgrind-out-file=$WORK/$1.cg.%p"
}
# cg_run KEY PID PORT OP REQFILE [ceiling]: Ir of the process over wrk's run
# (zeroed before it, dumped after); sets IR[KEY] (instructions per request).
cg_run() {
  local key=$1 pid=$2 port=$3 op=$4 file=$5 script ir
  script=$(script_of "$op" "${6:-}")
  run_wrk "cg-warm-$key" "$script" "$port" "$file" -t1 -c4 -d1s --timeout 10s >/dev/null 2>&1
  callgrind_control -z "$pid" >/dev/null
  run_wrk "cg-$key" "$script" "$port" "$file" -t1 -c4 "-d$CG_DUR" --timeout 10s
  callgrind_control -d "$key" "$pid" >/dev/null
  ir=$(cat "$WORK"/*.cg."$pid".* 2>/dev/null | awk -v k="$key" '
    /^desc: Trigger:/ {mine = ($0 == "desc: Trigger: dump " k)} mine && /^totals:/ {t = $2} END {print t + 0}')
  IR[$key]=$(awk -v i="$ir" -v n="$NREQ" 'BEGIN {printf "%.0f", (n > 0) ? i / n : 0}')
  log "$key: ${IR[$key]} instructions/request ($NREQ requests)"
  (( BAD == 0 )) || { log "$key: $BAD errors"; ERRORS=$((ERRORS + BAD)); }
}

# pass MODE (cpu or cg): starts every ceiling and every vouch (each on its own
# copy of the store; under callgrind for cg), then runs each operation on each
# server in turn, so that a ceiling and the vouch set beside it are measured
# moments apart, under the same load.
declare -A PID_OF PORT_OF WRITES_OF
pass() {
  local mode=$1 s name op pre writes
  for s in "${SERVERS[@]}"; do
    name=$mode-$s
    pre=()
    # shellcheck disable=SC2046
    [[ $mode == cg ]] && read -ra pre <<<"$(cg "$name")"
    if [[ $s == ceil-* ]]; then
      args=(); [[ $s == ceil-t1 ]] && args=(--threads 1)
      start "$name" "${pre[@]}" "$CEILING" --listen 127.0.0.1:0 "${args[@]}"
      writes=1
    else
      # shellcheck disable=SC2206
      SERVE_ARGS=(--data "$WORK/data-$name" ${VARIANT_ARGS[$s]})
      cp -a "$WORK/data" "$WORK/data-$name"
      env=(env); [[ $s == *nometrics* ]] && env+=(VOUCH_NO_METRICS=1)
      SERVE_BIN=$(bin_of "$s") serve "$name" "${env[@]}" "${pre[@]}"
      writes=$WRITES; [[ $mode == cg ]] && writes=20000
    fi
    PID_OF[$s]=$PID PORT_OF[$s]=$PORT WRITES_OF[$s]=$writes
  done
  for op in "${OPS[@]}"; do
    for s in "${SERVERS[@]}"; do
      # Signed just before the run: Lattice allows 5 minutes of skew.
      sign_op "${PORT_OF[$s]}" "$mode-$s" "$op" "${WRITES_OF[$s]}"
      "${mode}_run" "$s.$op" "${PID_OF[$s]}" "${PORT_OF[$s]}" "$op" "$WORK/$mode-$s-$op.req" \
        "$([[ $s == ceil-* ]] && echo ceiling)"
    done
  done
  for s in "${VARIANTS[@]}"; do
    [[ $mode == cg ]] || (( NREQ_OF[$s.verify] <= WRITES )) ||
      log "WARNING: $s: writes cycled, some were replays"
  done
  for s in "${SERVERS[@]}"; do stop "${PID_OF[$s]}"; done
}

[[ $CPU == 1 ]] && pass cpu
[[ $CALLGRIND == 1 ]] && pass cg
LOAD_END=$(load)

# ---- report ---------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f×", a / b}'; }
verdict() {  # VOUCH CEILING MAX
  [[ -n ${3:-} ]] || { echo ""; return; }
  awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN {print (b > 0 && a / b <= m) ? "met" : "**missed**"}'
}
cat <<EOF

vouch request cost — $(date -u '+%Y-%m-%d %H:%M UTC'), binaries built from $BUILT_FROM, $(nproc) cores
wrk -t1 -c$CONNS -d$DUR per CPU run; callgrind runs wrk -t1 -c4 -d$CG_DUR; load average start $LOAD_START, end $LOAD_END

| Operation | vouch | ceiling µs/req | vouch µs/req | ratio | target | ceiling Ir/req | vouch Ir/req | Ir ratio | vouch req/s |
|---|---|---:|---:|---:|---|---:|---:|---:|---:|
EOF
for op in "${OPS[@]}"; do
  for v in "${VARIANTS[@]}"; do
    c=${CEIL_OF[$v]}
    t=${TARGET[$op]:-}
    tcell=""; [[ -n $t && $CPU == 1 ]] && tcell="≤ ${t}× $(verdict "${US[$v.$op]}" "${US[$c.$op]}" "$t")"
    [[ $op == verify && $CPU == 1 ]] && tcell="≥ 10,000/s $(awk -v r="${RPS_OF[$v.$op]}" 'BEGIN {print (r >= 10000) ? "met" : "**missed**"}')"
    echo "| ${OP_NAME[$op]} | $v | ${US[$c.$op]:--} | ${US[$v.$op]:--} | $(ratio "${US[$v.$op]:-}" "${US[$c.$op]:-}") | $tcell | ${IR[$c.$op]:--} | ${IR[$v.$op]:--} | $(ratio "${IR[$v.$op]:-}" "${IR[$c.$op]:-}") | ${RPS_OF[$v.$op]:--} |"
  done
done
echo
echo "Errors (non-2xx or socket errors): $ERRORS"
