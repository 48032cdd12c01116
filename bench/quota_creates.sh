#!/usr/bin/env bash
# SQLite: VerifyDomainIdentity of new domains (durable) without a quota and
# under one that never refuses (QUOTAS, --max-identities; the service's
# default is 10000), this build against BASE_VOUCH interleaved, a fresh data
# directory each run: what the quota costs a create.
#
# Environment (defaults in brackets): ROUNDS [3], QUOTAS ["0 1000000"],
#   BASE_VOUCH [none], WRK_ARGS [-t1 -c64 -d8s --latency];
#   BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d8s --latency}
ROUNDS=${ROUNDS:-3}
QUOTAS=${QUOTAS:-0 1000000}
build_bench
make_work bench-quota-creates

echo "| Round | Build | --max-identities | creates/s | non-2xx | p99 (ms) |"
echo "|---|---|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  for quota in $QUOTAS; do
    for bin in "$VOUCH" ${BASE_VOUCH:-}; do
      rm -rf "$WORK/data" && mkdir -p "$WORK/data"
      start creates "$bin" serve --listen 127.0.0.1:0 --data "$WORK/data" \
        --rate-limit VerifyDomainIdentity=0 --max-identities "$quota" --dns-resolver 127.0.0.1:9
      "$SIGN" --host "127.0.0.1:$PORT" --verify-domains 150000 --prefix w >"$WORK/writes.req"
      # shellcheck disable=SC2086
      run_wrk "r$round-q$quota" cycle.lua "$PORT" "$WORK/writes.req" $WRK_ARGS
      label=this; [[ $bin == "$VOUCH" ]] || label=base
      echo "| $round | $label | $quota | $RPS | $BAD | $P99 |"
      stop "$PID"
    done
  done
done
