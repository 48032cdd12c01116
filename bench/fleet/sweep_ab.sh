#!/usr/bin/env bash
# The PostgreSQL sweep of N due claims, interleaved: a baseline build
# (BASE_VOUCH) against this one, and/or one node against two. Each run
# copies the seeded SQLite store with that build's `vouch store copy` into a
# fresh database, starts the nodes, and times them until every claim is
# Success, with PostgreSQL's, the nodes' and knotd's CPU per check (knotd
# does the same work in every run: its figure tells a slower machine from a
# costlier vouch), the hypervisor's steal, when the nodes had made N lookups,
# and what would make a tail: datagrams the machine dropped, lookup errors,
# lookups over 0.5 s.
#
# Environment: BASE_VOUCH [none: this build only], N [100000], ROUNDS [2],
# NODESET [$NODES, or 1] (the node counts each round runs, e.g. "1 2"; two or
# more share the one node's DNS window and I/O threads: common.sh window_of,
# threads_of), WAITS=1 (count what the backends wait on, sampled at each
# poll); BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$BENCH/dns/knot.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s}
source "$BENCH/fleet/common.sh"
N=${N:-100000}
ROUNDS=${ROUNDS:-2}
NODESET=${NODESET:-${NODES:-1}}
RUNS=()  # WHO:NODES, in each round's order
for who in ${BASE_VOUCH:+base} new; do
  for nodes in $NODESET; do RUNS+=("$who:$nodes"); done
done

build_bench
make_work bench-sweep-ab
start_pg
"$SEEDER" --data "$WORK/sweep" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" --prefix d \
  --suffix .bench.test --threads 256 >&2
write_zone "$WORK/sweep/vouch.db"
start_knotd
for round in $(seq "$ROUNDS"); do
  for run in "${RUNS[@]}"; do
    who=${run%:*} NODES=${run#*:} bin=$VOUCH
    [[ $who == base ]] && bin=$BASE_VOUCH
    url=$(SERVE_BIN=$bin copy_to "$WORK/sweep" "$who$round-$NODES")
    share=()
    (( NODES == 1 )) || read -ra share <<<"$(window_of "$NODES") $(threads_of "$NODES")"
    settle
    cpu0=$(pg_cpu) drops0=$(udp_drops) knot0=$(proc_cpu "$KNOT_PID") steal0=$(machine_steal)
    t0=$(now_s) tl=
    pids=() ports=()
    for node in $(seq "$NODES"); do
      start "$who$round-$NODES-$node" "$bin" serve --listen 127.0.0.1:0 --store "$url" \
        --dns-resolver "127.0.0.1:$KNOT_PORT" --max-identities 0 "${share[@]}"
      pids+=("$PID") ports+=("$PORT")
    done
    [[ -n ${WAITS:-} ]] || { wait_lookups "$N" 600 "${ports[@]}"; tl=$(now_s); }
    : >"$WORK/waits"
    while (( $(pg_sql "$url" "SELECT count(*) FROM claims WHERE status = 1") < N )); do
      # WAITS=1: what the database's active backends wait on, a sample per poll
      [[ -n ${WAITS:-} ]] && pg_sql "$url" "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
        FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
        AND pid != pg_backend_pid()" >>"$WORK/waits"
      sleep 0.02
    done
    t1=$(now_s)
    cpu1=$(pg_cpu) knot1=$(proc_cpu "$KNOT_PID") steal1=$(machine_steal)
    [[ -s $WORK/waits ]] && sort "$WORK/waits" | uniq -c | sort -rn | head -8 | sed 's/^/  waits: /'
    vcpu=0 tails=""
    for pid in "${pids[@]}"; do vcpu=$(awk -v a="$vcpu" -v b="$(proc_cpu "$pid")" 'BEGIN {print a + b}'); done
    for port in "${ports[@]}"; do tails+=" $(lookup_tails "$port")"; done
    for pid in "${pids[@]}"; do stop "$pid"; done
    pg_drop "$url"
    echo "$who round $round ($NODES node(s)): $(awk -v n="$N" -v a="$t0" -v b="$t1" \
      'BEGIN {printf "%.0f checks/s (%.2f s)", n / (b - a), b - a}')${tl:+, lookups done at $(awk \
      -v a="$t0" -v b="$tl" 'BEGIN {printf "%.2f s", b - a}')}, postgres CPU $(awk \
      -v a="$cpu0" -v b="$cpu1" -v n="$N" 'BEGIN {printf "%.0f", 1e6 * (b - a) / n}') µs/check, vouch CPU $(awk \
      -v v="$vcpu" -v n="$N" 'BEGIN {printf "%.0f", 1e6 * v / n}') µs/check, knotd CPU $(awk -v a="$knot0" \
      -v b="$knot1" -v n="$N" 'BEGIN {printf "%.1f", 1e6 * (b - a) / n}') µs/check, steal $(awk -v a="$steal0" \
      -v b="$steal1" 'BEGIN {printf "%.2f", b - a}') s; datagrams dropped \
$(( $(udp_drops) - drops0 )); per node lookup errors / lookups over 0.5 s:$tails; load $(load)"
  done
done
