# The fleet benchmarks' helpers (sourced after bench/lib.sh, with WRK_ARGS
# set): nodes as in production, fresh databases, signed requests, wrk on two
# nodes at once, and the best of the rounds.
# shellcheck shell=bash disable=SC2034  # WARM_ARGS, BEST_P99: for the scripts that source it

HALF_ARGS=$WRK_ARGS  # two nodes: half the connections each
if [[ $WRK_ARGS =~ -c\ *([0-9]+) ]]; then
  HALF_ARGS=${WRK_ARGS/"${BASH_REMATCH[0]}"/-c$((BASH_REMATCH[1] / 2))}
fi
WARM_ARGS=$(sed -E 's/-d *[0-9]+[smh]?/-d3s/' <<<"$WRK_ARGS")

# QUOTA: --max-identities (default 0, no quota; the service's default is
# 10000, under which each create counts its scope).
API=(--max-identities "${QUOTA:-0}" --rate-limit GetIdentityVerificationAttributes=0
  --rate-limit VerifyDomainIdentity=0)
# serve NAME STORE_ARGS...: a node as in production, checks failing fast;
# SERVE_BIN (default $VOUCH) names the binary, for a baseline build.
serve() {
  local name=$1; shift
  start "$name" "${SERVE_BIN:-$VOUCH}" serve --listen 127.0.0.1:0 "$@" "${API[@]}" --dns-resolver 127.0.0.1:9
}
# copy_to DIR LABEL: a fresh database holding DIR's store (SERVE_BIN's copy);
# prints its URL. It copies from a scratch copy of DIR: opening a store
# migrates it, and a baseline binary could not read DIR after a newer one.
copy_to() {
  local url src=$WORK/copy-src-$2
  url=$(pg_db)
  rm -rf "$src" && cp -a "$1" "$src"
  "${SERVE_BIN:-$VOUCH}" store copy --from "$src" --to "$url" >"$WORK/copy-$2.log" 2>&1 \
    || { cat "$WORK/copy-$2.log" >&2; exit 1; }
  rm -rf "$src"
  # As a store that has been running a while: the copy's autovacuum and
  # checkpoint, due soon after so many inserts, would otherwise fall into
  # whatever is measured next, a round at random.
  psql -XAtq -d "$url" -c 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null
  echo "$url"
}
pg_sql() { psql -XAt -d "$1" -c "$2"; }  # URL SQL: one value
# pg_us_per_req BEFORE AFTER: PostgreSQL's CPU (two pg_cpu readings) per
# request of the wrk run between them, in µs ($RPS over WRK_ARGS' -d).
pg_us_per_req() {
  awk -v a="$1" -v b="$2" -v r="$RPS" -v d="$(sed -E 's/.*-d *([0-9]+)s.*/\1/' <<<"$WRK_ARGS")" \
    'BEGIN {printf "%.0f", (r > 0 ? 1e6 * (b - a) / (r * d) : 0)}'
}
# window_of NODES: each sweeping node's --dns-concurrency, so that the nodes
# together keep the one node's 128 lookups at knotd. --dns-concurrency is per
# node; at 128 each, two nodes' 256 overflowed knotd's receive buffer (8 to
# 50 queries dropped a sweep, each a 2 s retry that held the sweep's end).
window_of() { echo "--dns-concurrency $(( 128 / $1 ))"; }
# threads_of NODES: each of NODES nodes sharing this machine gets its share of
# the one node's I/O threads (--threads, 2 x cores on --store), as an
# operator running several nodes on one host would set them (README). Two
# nodes at the default each ran 8 I/O threads on 2 cores, whose wake-ups cost
# 7-19% of the creates (bench/RESULTS.md). SHARE_THREADS=0: the default each.
threads_of() {
  [[ ${SHARE_THREADS:-1} == 0 ]] || echo "--threads $(( (2 * $(nproc) + $1 - 1) / $1 ))"
}
# pg_price URL LABEL B SQL: one statement's server time (ms, triggers
# included; EXPLAIN ANALYZE with TIMING OFF), buffers touched and WAL, per
# claim of a batch of B (the triggers' statements are in the time only).
pg_price() {
  pg_sql "$1" "EXPLAIN (ANALYZE, TIMING OFF, WAL, BUFFERS, FORMAT JSON) $4" | python3 -c '
import json, sys
label, b = sys.argv[1], int(sys.argv[2])
p = json.load(sys.stdin)[0]
ms = p["Execution Time"] + p.get("Planning Time", 0)
n = p["Plan"]
recs, wal = n.get("WAL Records", 0), n.get("WAL Bytes", 0)
bufs = n.get("Shared Hit Blocks", 0) + n.get("Shared Read Blocks", 0)
print(f"{label:36s} {1e3 * ms / b:6.1f} us {bufs / b:6.1f} buffers {recs / b:5.2f} WAL records "
      f"{wal / b:5.0f} WAL bytes per claim")' "$2" "$3"
}
sign_get() { "$SIGN" --host "127.0.0.1:$1" --get "$2" --prefix r; }  # PORT N
sign_writes() { "$SIGN" --host "127.0.0.1:$1" --verify-domains "$2" --prefix "$3"; }

# wrk2 LABEL SCRIPT PORT1 FILE1 PORT2 FILE2: the same wrk against two nodes at
# once, each with half the connections; sets RPS (sum), P99 (the larger), BAD.
wrk2() {
  local label=$1 script=$2 a b
  # shellcheck disable=SC2086
  wrk $HALF_ARGS -s "$BENCH/$script" "http://127.0.0.1:$3/" -- "$4" >"$WORK/$label-a.wrk" 2>&1 &
  a=$!
  # shellcheck disable=SC2086
  wrk $HALF_ARGS -s "$BENCH/$script" "http://127.0.0.1:$5/" -- "$6" >"$WORK/$label-b.wrk" 2>&1 &
  b=$!
  wait "$a" "$b"
  RPS=$(cat "$WORK/$label-a.wrk" "$WORK/$label-b.wrk" | awk '/^Requests\/sec/ {s += $2} END {printf "%.0f", s}')
  P99=$( (awk '$1 == "99%" {print $2}' "$WORK/$label-a.wrk" | to_ms; echo;
          awk '$1 == "99%" {print $2}' "$WORK/$label-b.wrk" | to_ms) | sort -g | tail -1)
  BAD=$(cat "$WORK/$label-a.wrk" "$WORK/$label-b.wrk" \
    | awk '/Non-2xx/ {n += $NF} /Socket errors/ {n += 1} END {print n + 0}')
  log "$label: $RPS req/s, p99 $P99 ms (two nodes; load $(load))"
}

declare -A BEST_RPS BEST_P99 ROW_BAD
keep() {  # LABEL: the best of the rounds
  if [[ -z ${BEST_RPS[$1]:-} || $RPS -gt ${BEST_RPS[$1]} ]]; then BEST_RPS[$1]=$RPS BEST_P99[$1]=$P99; fi
  ROW_BAD[$1]=$(( ${ROW_BAD[$1]:-0} + BAD ))
}

