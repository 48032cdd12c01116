# The DNS side of the sweep benchmarks (sourced after lib.sh): a zone
# bench.test holding the TXT record of every SES domain claim in a SQLite
# store, served by knotd (Debian knot) on a free loopback port.
KNOTD=$(command -v knotd || echo /usr/sbin/knotd)

# zone_head: the zone's first lines (origin, SOA, NS).
zone_head() {
  echo '$ORIGIN bench.test.'
  echo '$TTL 3600'
  echo '@ SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 60'
  echo '@ NS ns'
  echo 'ns A 127.0.0.1'
}

# write_zone DB: $WORK/knot/zones/bench.test.zone and $WORK/names.txt (the
# names, for dnsperf) from the claims in DB; checks that there are N.
write_zone() {
  local db=$1 records
  zq() { sqlite3 "file:$db?mode=ro" "$1"; }
  mkdir -p "$WORK/knot/zones" "$WORK/knot/db"
  {
    zone_head
    zq "SELECT record_name || '. TXT \"' || token || '\"' FROM claims WHERE kind = 0"
  } >"$WORK/knot/zones/bench.test.zone"
  zq "SELECT record_name || ' TXT' FROM claims WHERE kind = 0" >"$WORK/names.txt"
  records=$(grep -c ' TXT ' "$WORK/knot/zones/bench.test.zone")
  log "zone bench.test: $records TXT records ($(du -h "$WORK/knot/zones/bench.test.zone" | cut -f1))"
  (( records == N )) || { log "expected $N TXT records"; exit 1; }
  SAMPLE=$(head -1 "$WORK/names.txt" | cut -d' ' -f1)
  SAMPLE_TOKEN=$(zq "SELECT token FROM claims WHERE record_name = '$SAMPLE'")
}

# start_knotd: serves the zone; sets KNOT_PORT and KNOT_PID once it answers.
start_knotd() {
  local got=
  KNOT_PORT=$(free_port)
  cat >"$WORK/knot/knot.conf" <<CONF
server:
    rundir: "$WORK/knot"
    pidfile: "$WORK/knot/knot.pid"
    listen: 127.0.0.1@$KNOT_PORT
control:
    listen: "$WORK/knot/knot.sock"
database:
    storage: "$WORK/knot/db"
log:
  - target: stderr
    any: warning
# Queries counted by type (knot_queries), nothing else.
mod-stats:
  - id: count
    request-protocol: off
    server-operation: off
    request-bytes: off
    response-bytes: off
    edns-presence: off
    flag-presence: off
    response-code: off
    reply-nodata: off
    query-type: on
    query-size: off
    reply-size: off
template:
  - id: default
    global-module: mod-stats/count
    storage: "$WORK/knot/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
  - domain: bench.test
CONF
  "$KNOTD" -c "$WORK/knot/knot.conf" >"$WORK/knotd.log" 2>&1 &
  KNOT_PID=$!; track "$KNOT_PID"
  for _ in $(seq 300); do
    got=$(kdig @127.0.0.1 -p "$KNOT_PORT" +short +timeout=1 +retry=0 TXT "$SAMPLE" 2>/dev/null || true)
    [[ $got == "\"$SAMPLE_TOKEN\"" ]] && break
    kill -0 "$KNOT_PID" 2>/dev/null || { cat "$WORK/knotd.log" >&2; log "knotd exited"; exit 1; }
    sleep 0.1
  done
  [[ $got == "\"$SAMPLE_TOKEN\"" ]] || { cat "$WORK/knotd.log" >&2; log "knotd does not serve $SAMPLE"; exit 1; }
  log "knotd $("$KNOTD" --version | head -1 | awk '{print $NF}') serves bench.test on 127.0.0.1:$KNOT_PORT"
}

# knot_queries [TYPE]: the queries knotd has answered so far, of TYPE (TXT,
# SOA, ...) or of every type.
knot_queries() {
  knotc -s "$WORK/knot/knot.sock" stats mod-stats.query-type 2>/dev/null |
    awk -v t="${1:-}" -F' = ' 't == "" || index($1, "[" t "]") {n += $2} END {print n + 0}'
}

# best_dnsperf ARGS_LINES: one dnsperf run per line against knotd; sets QPS
# (the fastest) and QPS_ARGS, and DNSPERF_ROWS (a markdown row per run).
best_dnsperf() {
  local args i=0 out qps lost avg noerr l0
  DNSPERF_ROWS="" QPS=0 QPS_ARGS=
  while IFS= read -r args; do
    [[ -n $args ]] || continue
    i=$((i + 1))
    l0=$(load)
    out=$WORK/dnsperf-$i.out
    # shellcheck disable=SC2086
    dnsperf -s 127.0.0.1 -p "$KNOT_PORT" -d "$WORK/names.txt" $args >"$out" 2>&1
    qps=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$out")
    lost=$(awk '/Queries lost:/ {print $3, $4}' "$out")
    avg=$(awk '/Average Latency/ {printf "%.2f", $4 * 1000}' "$out")
    noerr=$(awk '/Response codes:/ {print $4}' "$out")
    log "dnsperf $args: $qps queries/s, lost $lost, NOERROR $noerr, avg latency $avg ms"
    DNSPERF_ROWS+="| dnsperf $args | $qps | $lost | $noerr | $avg | $l0 → $(load) |"$'\n'
    if (( qps > QPS )); then QPS=$qps QPS_ARGS=$args; fi
  done <<<"$1"
}

# start_sweep NAME DATA LIMIT VOUCH_ARGS...: dns/sweep.py starts `vouch serve
# --data DATA VOUCH_ARGS...` (its output in $WORK/NAME.log) and times its first
# sweep of the N claims into $WORK/NAME.first; returns once vouch listens.
# Sets DRIVER (sweep.py's pid, to wait on), VPID, VPORT, T0 and T0_NS.
start_sweep() {
  local name=$1 data=$2 limit=$3 info=$WORK/$1.info
  shift 3
  rm -f "$info"
  python3 "$BENCH/dns/sweep.py" "$data/vouch.db" "$N" "$info" "$WORK/$name.log" "$limit" -- \
    "$VOUCH" serve --data "$data" "$@" >"$WORK/$name.first" &
  DRIVER=$!
  while [[ ! -s $info ]]; do
    kill -0 "$DRIVER" 2>/dev/null || { cat "$WORK/$name.log" >&2; log "$name: vouch did not start"; exit 1; }
    sleep 0.05
  done
  read -r VPID VPORT T0 T0_NS <"$info"
  track "$VPID"
}
