#!/usr/bin/env bash
# The PostgreSQL sweep of N due claims, a baseline build (BASE_VOUCH) against
# this one, interleaved (base, new, base, new): each round copies the seeded
# SQLite store with that build's `vouch store copy` into a fresh database,
# starts one node of that build, and times it until every claim is Success,
# with PostgreSQL's CPU per check.
#
# Environment: BASE_VOUCH (required), N [100000], ROUNDS [2], NODES [1] (nodes
# of the build sharing each database, CPU summed), WAITS=1 (count what the
# backends wait on, sampled at each poll); BUILD_DIR,
# NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$BENCH/dns/knot.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s}
source "$BENCH/fleet/common.sh"
N=${N:-100000}
ROUNDS=${ROUNDS:-2}
NODES=${NODES:-1}
: "${BASE_VOUCH:?a baseline vouch binary}"

build_bench
make_work bench-sweep-ab
start_pg
"$SEEDER" --data "$WORK/sweep" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" --prefix d \
  --suffix .bench.test --threads 256 >&2
write_zone "$WORK/sweep/vouch.db"
start_knotd
for round in $(seq "$ROUNDS"); do
  for who in base new; do
    bin=$VOUCH
    [[ $who == base ]] && bin=$BASE_VOUCH
    url=$(SERVE_BIN=$bin copy_to "$WORK/sweep" "$who$round")
    settle
    cpu0=$(pg_cpu)
    t0=$(now_s)
    pids=() ports=()
    for node in $(seq "$NODES"); do
      # shellcheck disable=SC2046  # window_of: two words
      start "$who$round-$node" "$bin" serve --listen 127.0.0.1:0 --store "$url" \
        --dns-resolver "127.0.0.1:$KNOT_PORT" --max-identities 0 $(window_of "$NODES")
      pids+=("$PID") ports+=("$PORT")
    done
    [[ -n ${WAITS:-} ]] || wait_lookups "$N" 600 "${ports[@]}"
    : >"$WORK/waits"
    while (( $(pg_sql "$url" "SELECT count(*) FROM claims WHERE status = 1") < N )); do
      # WAITS=1: what the database's active backends wait on, a sample per poll
      [[ -n ${WAITS:-} ]] && pg_sql "$url" "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
        FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
        AND pid != pg_backend_pid()" >>"$WORK/waits"
      sleep 0.02
    done
    t1=$(now_s)
    cpu1=$(pg_cpu)
    [[ -s $WORK/waits ]] && sort "$WORK/waits" | uniq -c | sort -rn | head -8 | sed 's/^/  waits: /'
    vcpu=0
    for pid in "${pids[@]}"; do vcpu=$(awk -v a="$vcpu" -v b="$(proc_cpu "$pid")" 'BEGIN {print a + b}'); done
    for pid in "${pids[@]}"; do stop "$pid"; done
    pg_drop "$url"
    echo "$who round $round ($NODES node(s)): $(awk -v n="$N" -v a="$t0" -v b="$t1" \
      'BEGIN {printf "%.0f checks/s (%.2f s)", n / (b - a), b - a}'), postgres CPU $(awk \
      -v a="$cpu0" -v b="$cpu1" -v n="$N" 'BEGIN {printf "%.0f", 1e6 * (b - a) / n}') µs/check, vouch CPU $(awk \
      -v v="$vcpu" -v n="$N" 'BEGIN {printf "%.0f", 1e6 * v / n}') µs/check, load $(load)"
  done
done
