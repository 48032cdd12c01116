#!/usr/bin/env bash
# The web console's budget (issue 17 item 8): with 100,000 claims stored,
# the server time of the claims list's first page (GET /_vouch/claims, 50 to
# a page as the console asks) with and without filters and a search, target
# < 300 ms each; and the console's total bytes, target < 200 KB.
#
# Claims are seeded with bench/seed_identities (the real write path minus
# HTTP); each request is signed by curl (--aws-sigv4) and timed by curl on
# loopback (time_total: connect, server, transfer), best and median of RUNS.
#
# Environment: COUNT [100000], RUNS [21], and lib.sh's BUILD_DIR, NO_BUILD=1,
# KEEP=1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=${COUNT:-100000}
RUNS=${RUNS:-21}

build_bench
make_work bench-console
log "seeding $COUNT SES domain claims"
init_data "$WORK/data"
"$SEEDER" --data "$WORK/data" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$COUNT" --prefix d >&2
start vouch "$VOUCH" serve --listen 127.0.0.1:0 --data "$WORK/data" --test-mode \
  --dns-resolver 127.0.0.1:9
VOUCH_PID=$PID

# time_ms QUERY: best and median of RUNS signed GETs of the list's first page.
time_ms() {
  # Parameters in sorted order: curl 7.88's --aws-sigv4 signs the query as given.
  local query url t=() rows
  query=$(tr '&' '\n' <<<"limit=50${1:+&$1}" | sort | paste -sd '&')
  url="http://127.0.0.1:$PORT/_vouch/claims?$query"
  rows=$(curl -sSf --max-time 30 --aws-sigv4 "aws:amz:us-east-1:ses" \
    --user "$VOUCH_ROOT_ACCESS_KEY_ID:$VOUCH_ROOT_SECRET_ACCESS_KEY" "$url" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["claims"]))')
  for _ in $(seq "$RUNS"); do
    t+=("$(curl -sSf --max-time 30 -o /dev/null -w '%{time_total}' --aws-sigv4 "aws:amz:us-east-1:ses" \
      --user "$VOUCH_ROOT_ACCESS_KEY_ID:$VOUCH_ROOT_SECRET_ACCESS_KEY" "$url")")
  done
  printf '%s\n' "${t[@]}" | sort -n | awk -v rows="$rows" '
    {v[NR] = $1 * 1000} END {printf "%d\t%.1f\t%.1f\n", rows, v[1], v[int((NR + 1) / 2)]}'
}

echo "| first page of GET /_vouch/claims (${COUNT} claims) | rows | best ms | median ms | < 300 ms |"
echo "|---|---|---|---|---|"
for q in "" "status=pending" "status=verified" "kind=ses_domain" "kind=lattice_domain" \
  "q=d" "q=d5" "q=d99999" "q=zz" "status=pending&q=d7" "after=$((COUNT / 2))"; do
  IFS=$'\t' read -r rows best median < <(time_ms "$q")
  echo "| ${q:-no filter} | $rows | $best | $median | $(met_max "$median" 300) |"
done
stop "$VOUCH_PID"

UI_BYTES=$(find "$ROOT/ui" -type f \( -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.svg' \) \
  -printf '%s\n' | awk '{n += $1} END {print n}')
echo
echo "| the console's files (ui/, uncompressed) | bytes | < 200 KB |"
echo "|---|---|---|"
echo "| total | $UI_BYTES | $(met_max "$UI_BYTES" 200000) |"
log "built from $BUILT_FROM; load $(load)"
