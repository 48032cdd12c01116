#!/usr/bin/env bash
# The sweep with every kind of DNS claim an SES domain can have (issue 15,
# item 9): builds (Release, -j2, build-bench), then
#   1. seeds N SES domains d<i>.bench.test, each with its _amazonses TXT
#      token, Easy DKIM (three CNAME claims) and the MAIL FROM domain
#      mail.d<i>.bench.test (an MX and an SPF claim): 6 N due claims
#      (bench/seed_identities --mail-from);
#   2. publishes every one of their records in a zone bench.test served by
#      knotd: the TXT tokens, the CNAMEs, MX 10 feedback-smtp.<region>.amazonses.com
#      and TXT "v=spf1 include:amazonses.com ~all";
#   3. ROUNDS times: dnsperf over the same 6 N names and types (the
#      ceiling, measured in the same run), then vouch as in production on a
#      fresh copy of the store, timed from its start until every claim has
#      been checked once (dns/sweep.py): checks/s = 6 N / that time, and how
#      many claims were Success then.
# Prints a markdown table (medians and each round). See bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   N              domains (6 claims each; seeding them takes a while)  [10000]
#   ROUNDS         [3]
#   ROUND_DNSPERF  [-c 1 -q 128 -l 10] (vouch keeps 128 lookups in flight)
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$BENCH/dns/knot.sh"

N=${N:-10000}
ROUNDS=${ROUNDS:-3}
ROUND_DNSPERF=${ROUND_DNSPERF:--c 1 -q 128 -l 10}
CLAIMS=$((6 * N))

build_bench
make_work dns-mixed
LOAD_START=$(load)
log "N=$N domains, $CLAIMS claims; load $LOAD_START"

init_data "$WORK/data"
SEED_OUT=$("$SEEDER" --data "$WORK/data" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" \
  --prefix d --suffix .bench.test --threads 256 --mail-from mail)
log "$SEED_OUT"
DB=$WORK/data/vouch.db
q() { sqlite3 "file:$DB?mode=ro" "$1"; }
have=$(q "SELECT count(*) FROM claims WHERE kind IN (0, 3, 5, 6)")
(( have == CLAIMS )) || { log "seeded $have claims, expected $CLAIMS"; exit 1; }

# Every claim's record, as a user would publish it (kinds: 0 SES TXT, 3 DKIM
# CNAME, 5 MAIL FROM MX, 6 MAIL FROM SPF), and its name and type for dnsperf.
mkdir -p "$WORK/knot/zones" "$WORK/knot/db"
{
  zone_head
  q "SELECT record_name || '. ' || CASE kind
       WHEN 0 THEN 'TXT \"' || token || '\"'
       WHEN 3 THEN 'CNAME ' || token || '.'
       WHEN 5 THEN 'MX 10 ' || token || '.'
       ELSE 'TXT \"v=spf1 ' || token || ' ~all\"' END
     FROM claims WHERE kind IN (0, 3, 5, 6) ORDER BY seq"
} >"$WORK/knot/zones/bench.test.zone"
q "SELECT record_name || ' ' || CASE kind WHEN 3 THEN 'CNAME' WHEN 5 THEN 'MX' ELSE 'TXT' END
   FROM claims WHERE kind IN (0, 3, 5, 6) ORDER BY seq" >"$WORK/names.txt"
log "zone bench.test: $(($(wc -l <"$WORK/knot/zones/bench.test.zone") - 5)) records"
SAMPLE=$(q "SELECT record_name FROM claims WHERE kind = 0 ORDER BY seq LIMIT 1")
SAMPLE_TOKEN=$(q "SELECT token FROM claims WHERE record_name = '$SAMPLE'")
start_knotd
cp -a "$WORK/data" "$WORK/pristine"

count_ok() { sqlite3 "file:$1/vouch.db?mode=ro" "SELECT count(*) FROM claims WHERE status = 1" 2>/dev/null || echo 0; }

ROWS="" RATES=() RATIOS=()
for r in $(seq "$ROUNDS"); do
  l0=$(load)
  # shellcheck disable=SC2086
  dnsperf -s 127.0.0.1 -p "$KNOT_PORT" -d "$WORK/names.txt" $ROUND_DNSPERF >"$WORK/round-$r.dnsperf" 2>&1
  rq=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$WORK/round-$r.dnsperf")
  noerr=$(awk '/Response codes:/ {print $4}' "$WORK/round-$r.dnsperf")
  rm -rf "$WORK/data"; cp -a "$WORK/pristine" "$WORK/data"
  python3 "$BENCH/dns/sweep.py" "$WORK/data/vouch.db" "$CLAIMS" "$WORK/sweep-$r.info" \
    "$WORK/sweep-$r.log" 600 -- \
    "$VOUCH" serve --listen 127.0.0.1:0 --data "$WORK/data" \
    --dns-resolver "127.0.0.1:$KNOT_PORT" --max-identities 0 >"$WORK/sweep-$r.first" \
    || { cat "$WORK/sweep-$r.log" >&2; log "round $r: not all claims were checked"; exit 1; }
  read -r vpid _ <"$WORK/sweep-$r.info"
  secs=$(cat "$WORK/sweep-$r.first")
  ok=$(count_ok "$WORK/data")
  kill "$vpid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$vpid" 2>/dev/null || break; sleep 0.1; done
  rc=$(awk -v n="$CLAIMS" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
  RATES+=("$rc $r") RATIOS+=("$(awk -v a="$rc" -v b="$rq" 'BEGIN {printf "%.1f", 100 * a / b}') $r")
  ROWS+="| $r | $rq ($noerr NOERROR) | $rc ($CLAIMS in $secs s) | $(pct "$rc" "$rq") | $ok | $l0 → $(load) |"$'\n'
  log "round $r: dnsperf $rq queries/s, vouch $rc checks/s ($(pct "$rc" "$rq")), $ok of $CLAIMS Success"
done
median_of() {
  printf '%s\n' "$@" | sort -n | awk '{p[NR] = $1; r[NR] = $2} END {m = int((NR + 1) / 2); print r[m], p[m]}'
}
read -r MEDIAN_ROUND MEDIAN_CPS <<<"$(median_of "${RATES[@]}")"
read -r _ MEDIAN_PCT <<<"$(median_of "${RATIOS[@]}")"
stop "$KNOT_PID"

cat <<EOF

vouch sweep with SES TXT, DKIM and MAIL FROM claims — $(date -u '+%Y-%m-%d %H:%M UTC'), binaries built from $BUILT_FROM, $(nproc) cores
knotd $(knotd --version | head -1 | awk '{print $NF}') on loopback; $N domains × 6 claims (1 TXT token, 3 DKIM CNAMEs, MAIL FROM MX and SPF) = $CLAIMS due claims, every record published; load average start $LOAD_START, end $(load)

| | rate | vs that round's dnsperf |
|---|---:|---:|
| vouch, first checks of $CLAIMS due claims from its start, median of $ROUNDS rounds (round $MEDIAN_ROUND) | $MEDIAN_CPS checks/s | $MEDIAN_PCT% (median ratio) |

| Round | dnsperf $ROUND_DNSPERF, the same names and types (queries/s) | vouch first checks, from its start | vs that dnsperf | Success when the last first check landed | load (1/5/15 min) |
|---|---:|---:|---:|---:|---|
$ROWS
Seeding: $SEED_OUT
EOF
