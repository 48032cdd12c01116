# Shared by bench/run.sh, bench/lattice/run.sh and bench/dns/run.sh (sourced):
# the Release build, a work directory, starting/stopping servers with cleanup
# on exit, and wrk runs parsed into RPS / P99 / NREQ / BAD.
#
# Environment: BUILD_DIR [<repo>/build-bench], NO_BUILD=1 (use the binaries
# already there), KEEP=1 (keep the work directory).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD=${BUILD_DIR:-$ROOT/build-bench}

export VOUCH_ROOT_ACCESS_KEY_ID=AKIABENCHROOT0000001
export VOUCH_ROOT_SECRET_ACCESS_KEY=bench/secret/bench/secret/bench/secret/00
export VOUCH_ROOT_ACCOUNT_ID=123456789012

log() { echo "[$(date +%T)] $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
now_s() { date +%s.%N; }

# ---- build ------------------------------------------------------------------
build_bench() {
  "$ROOT/scripts/deps.sh" --bench >&2  # wrk, dnsperf, knot: a no-op once installed
  if [[ ! -f $BUILD/build.ninja ]]; then
    # -Wno-error=restrict: GCC 12 raises a false -Wrestrict at -O3 in src/core/tokens.cc.
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CXX_FLAGS=-g -Wno-error=restrict" -DVOUCH_BUILD_TESTS=OFF -DVOUCH_BUILD_BENCH=ON >&2
  fi
  if [[ -z ${NO_BUILD:-} ]]; then
    log "building in $BUILD"
    ninja -C "$BUILD" -j2 vouch ceiling_server sign_request seed_identities >&2
    echo "$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null \
      || echo "+uncommitted src")" >"$BUILD/bench-built-from"
  fi
  BUILT_FROM=$(cat "$BUILD/bench-built-from" 2>/dev/null || echo "unknown")
  VOUCH=$BUILD/vouch
  CEILING=$BUILD/bench/ceiling_server
  SIGN=$BUILD/bench/sign_request
  # SEEDER_BIN: another build's seeder, for a store an older baseline binary can read
  SEEDER=${SEEDER_BIN:-$BUILD/bench/seed_identities}
}

# ---- processes ----------------------------------------------------------------
WORK=
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -n $WORK ]] || return 0
  if [[ -z ${KEEP:-} ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}

make_work() {  # NAME: creates WORK under BUILD and arranges the cleanup
  WORK=$(mktemp -d "$BUILD/$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

# start NAME CMD...: starts a server that prints "listening on HOST:PORT"; sets PID and PORT.
start() {
  local name=$1; shift
  : >"$WORK/$name.log"  # before the poll below can look for it
  "$@" >"$WORK/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 100); do
    PORT=$(grep -oE 'listening on (https?://)?[0-9.]+:[0-9]+' "$WORK/$name.log" | sed 's/.*://' || true)
    [[ -n $PORT ]] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/$name.log" >&2
  log "$name did not start"
  exit 1
}

track() { PIDS+=("$1"); }  # PID: a background process to stop on exit

# ---- PostgreSQL (--store postgres) ---------------------------------------------
# start_pg: a throwaway PostgreSQL with its defaults (fsync on) and PG_SET's
# settings (NAME=VALUE, space-separated; e.g. shared_buffers=2GB), from the
# integration tests' tests/integration/python/pg_cluster.py (initdb as the
# postgres user, 127.0.0.1), stopped on exit; sets PG_ADMIN_URL and PG_PID.
start_pg() {
  local set=() s
  for s in ${PG_SET:-}; do set+=(--set "$s"); done
  python3 "$ROOT/tests/integration/python/pg_cluster.py" run "${set[@]}" -- \
    bash -c 'echo "$VOUCH_PG_ADMIN_URL" >"$0.tmp" && mv "$0.tmp" "$0" && exec sleep infinity' \
    "$WORK/pg.url" >"$WORK/pg.log" 2>&1 &
  PG_PID=$!
  PIDS+=("$PG_PID")
  for _ in $(seq 600); do
    [[ -s $WORK/pg.url ]] && break
    kill -0 "$PG_PID" 2>/dev/null || { cat "$WORK/pg.log" >&2; log "postgres did not start"; exit 1; }
    sleep 0.1
  done
  PG_ADMIN_URL=$(cat "$WORK/pg.url")
  warm_wal
  log "postgres: $PG_ADMIN_URL ($(psql -XAt -d "$PG_ADMIN_URL" -c 'SHOW fsync') fsync, synchronous_commit $(psql -XAt -d "$PG_ADMIN_URL" -c 'SHOW synchronous_commit'), shared_buffers $(psql -XAt -d "$PG_ADMIN_URL" -c 'SHOW shared_buffers'))"
}
# init_data DIR: a data directory as `vouch serve` leaves it (its secret key,
# the root account), for bench/seed_identities to fill and `vouch store copy`
# to take (it refuses claims without the key their links were made with).
# INIT_BIN: another build's vouch, with SEEDER_BIN, for a baseline's schema.
init_data() {
  start init-data "${INIT_BIN:-$VOUCH}" serve --listen 127.0.0.1:0 --data "$1" --test-mode \
    --dns-resolver 127.0.0.1:9
  stop "$PID"
}
# warm_wal: WAL segments to recycle, as on a server that has been running:
# a fresh cluster zero-fills each new 16 MB segment inside a commit's flush
# (18% of postgres's CPU in a sweep, and every backend waiting on it). 64
# segments switched through, then a checkpoint recycles them.
warm_wal() {
  local sql="CREATE TABLE vouch_bench_wal (x int);"
  for _ in $(seq 64); do sql+="INSERT INTO vouch_bench_wal VALUES (1); SELECT pg_switch_wal();"; done
  psql -XAtq -d "$PG_ADMIN_URL" -c "$sql" -c "DROP TABLE vouch_bench_wal" -c CHECKPOINT >/dev/null
}
pg_db() { python3 "$ROOT/tests/integration/python/pg_cluster.py" createdb "$PG_ADMIN_URL"; }
# pg_drop URL: drops a database measured before, so that its autovacuum
# (its claims' dead versions) does not run beside the next measurement
pg_drop() { psql -XAtq -d "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"${1##*/}\" WITH (FORCE)"; }
# pg_cpu: CPU seconds (user+sys) of this cluster's postgres processes so far
# (the postmaster, its live children, and the children it has reaped).
pg_cpu() {
  local pm t p
  pm=$(pgrep -P "$PG_PID" -x postgres | head -1)
  [[ -n $pm ]] || { echo 0; return; }
  t=$(awk '{print ($14 + $15 + $16 + $17) / 100}' "/proc/$pm/stat")
  for p in $(pgrep -P "$pm"); do
    t=$(awk -v t="$t" '{print t + ($14 + $15) / 100}' "/proc/$p/stat" 2>/dev/null || echo "$t")
  done
  echo "$t"
}
# lookups PORT...: DNS lookups the vouch nodes on these ports have made
# (their /metrics): a sweep's progress without asking the store, whose
# count(*) over the claims would take CPU from the sweep it watches.
lookups() {
  local port
  for port in "$@"; do
    curl -s "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^vouch_dns_lookup_duration_seconds_count/ {s += $2} END {printf "%d\n", s}'
  done | awk '{s += $1} END {print s + 0}'
}
# wait_lookups N LIMIT_S PORT...: until the nodes have made N lookups, or
# LIMIT_S seconds have passed. A scrape counts the due claims (up to 10,000,
# a few ms of the store's time), so it polls every 0.25 s until 90% are
# done, then every 20 ms.
wait_lookups() {
  local n=$1 limit=$2 t0 made
  shift 2
  t0=$(now_s)
  while made=$(lookups "$@"); (( made < n )); do
    awk -v a="$t0" -v b="$(now_s)" -v l="$limit" 'BEGIN {exit !(b - a > l)}' && return 0
    if (( made * 10 < n * 9 )); then sleep 0.25; else sleep 0.02; fi
  done
}
# udp_drops: datagrams this machine dropped so far for a full receive buffer
udp_drops() { awk '$1 == "Udp:" && $6 ~ /^[0-9]+$/ {print $6}' /proc/net/snmp; }
proc_cpu() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # PID
# settle: the page cache's dirty pages (the seeded store, its copies) written
# out now, not by the kernel's flusher inside the next timed run (a quarter
# of a core during a PostgreSQL sweep, measured)
settle() { sync; }
# pg_faults: page faults (minor and major) of this cluster's live postgres
# processes so far
pg_faults() {
  local pm
  pm=$(pgrep -P "$PG_PID" -x postgres | head -1)
  [[ -n $pm ]] || { echo 0; return; }
  # shellcheck disable=SC2046
  cat "/proc/$pm/stat" $(pgrep -P "$pm" | sed 's|.*|/proc/&/stat|') 2>/dev/null \
    | awk '{n += $10 + $12} END {print n + 0}'
}
# machine_busy: CPU seconds every core has spent busy so far (user, nice,
# system, irq, softirq; not idle, iowait or steal)
machine_busy() { awk '$1 == "cpu" {print ($2 + $3 + $4 + $7 + $8) / 100}' /proc/stat; }
# machine_steal: seconds of CPU the hypervisor gave to others so far
machine_steal() { awk '$1 == "cpu" {print $9 / 100}' /proc/stat; }
# machine_irq: CPU seconds so far in interrupts and softirqs (loopback packets
# among them), which no process's time includes
machine_irq() { awk '$1 == "cpu" {print ($7 + $8) / 100}' /proc/stat; }

stop() {  # PID
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  # Not this shell's child (dns/sweep.py starts vouch): wait until it has gone,
  # so that its shutdown does not run beside what is measured next.
  local i
  for i in $(seq 600); do
    kill -0 "$1" 2>/dev/null || break
    (( i < 600 )) || kill -KILL "$1" 2>/dev/null || true
    sleep 0.05
  done
  local keep=() p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

free_port() {  # a loopback port free for both UDP and TCP (for knotd)
  python3 - <<'EOF'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port); break
EOF
}

# send PORT FILE: sends the first restJson1 request of FILE (bench/sign_request
# --lattice-*, --sesv2-get) once; prints "STATUS BODY".
send() {
  python3 - "$1" "$2" <<'EOF'
import http.client, sys
f = open(sys.argv[2]).readline().rstrip("\n").split("\t")
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
c.request(f[0], f[1], body=f[2].encode() or None, headers=dict(zip(f[3::2], f[4::2])))
r = c.getresponse()
print(r.status, r.read().decode())
EOF
}

# ---- wrk ----------------------------------------------------------------------
to_ms() {
  awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); printf "%.2f", v/1000}
        else if (v ~ /ms$/) {sub(/ms$/,"",v); printf "%.2f", v}
        else if (v ~ /m$/) {sub(/m$/,"",v); printf "%.2f", v*60000}
        else if (v ~ /s$/) {sub(/s$/,"",v); printf "%.2f", v*1000}}'
}

# run_wrk LABEL SCRIPT PORT REQFILE WRK_ARGS...: runs wrk with bench/SCRIPT
# (WRK_SCHEME=https: over TLS);
# sets RPS, P99, P50, NREQ, BAD (non-2xx responses + socket error lines).
run_wrk() {
  local label=$1 script=$2 port=$3 file=$4 out
  shift 4
  out=$WORK/$label.wrk
  wrk "$@" -s "$BENCH/$script" "${WRK_SCHEME:-http}://127.0.0.1:$port/" -- "$file" >"$out" 2>&1
  RPS=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$out")
  P99=$(awk '$1 == "99%" {print $2}' "$out" | to_ms)
  P50=$(awk '$1 == "50%" {print $2}' "$out" | to_ms)
  NREQ=$(awk '/requests in/ {print $1}' "$out")
  BAD=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {n += 1} END {print n + 0}' "$out")
  if [[ $BAD != 0 ]]; then
    log "$label: errors in wrk output:"; cat "$out" >&2
  fi
  log "$label: $RPS req/s, p99 $P99 ms ($NREQ requests, load $(load))"
}

# ---- report helpers -----------------------------------------------------------------
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f%%", 100 * a / b}'; }
met_ratio() {  # A B MIN: "met" when A/B >= MIN
  awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN {print (b > 0 && a / b >= m) ? "met" : "**missed**"}'
}
met_min() { awk -v a="$1" -v b="$2" 'BEGIN {print (a + 0 >= b + 0) ? "met" : "**missed**"}'; }
met_max() { awk -v a="$1" -v b="$2" 'BEGIN {print (a + 0 < b + 0) ? "met" : "**missed**"}'; }
# lookup_tails PORT: a node's failed lookups and lookups over 0.5 s, as
# "ERRORS/SLOW", from its /metrics
lookup_tails() {
  curl -s "http://127.0.0.1:$1/metrics" | awk '
    $1 ~ /^vouch_dns_lookup_errors_total/ {e += $2}
    $1 ~ /^vouch_dns_lookup_duration_seconds_bucket/ && /le="0.5"/ {b += $2}
    $1 ~ /^vouch_dns_lookup_duration_seconds_count/ {c += $2}
    END {printf "%d/%d", e, c - b}'
}
