#!/usr/bin/env bash
# What a HOT first check would save (issue 14's next step), priced before it
# is built: on two copies of N seeded due claims, a recorded batch of B first
# checks as the store writes it now (a new version of each claim row, with an
# entry in each index of claims) against the same update on a layout where
# no index of claims holds next_check_at or status (claims_due and
# claims_status dropped, the table rewritten with fillfactor FF) plus the due
# times kept in a narrow claim_due(seq, next_check_at) table of their own.
# Prints each statement's server time (EXPLAIN ANALYZE, TIMING OFF) and WAL
# per claim, and how many of the claims updates were HOT, ROUNDS times.
#
# Environment: N [20000], B [512], ROUNDS [3], FF [25], VOUCH_BIN (the build
# whose schema is copied; default this build's); BUILD_DIR, NO_BUILD=1, KEEP=1:
# see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s}
source "$BENCH/fleet/common.sh"
N=${N:-20000}
B=${B:-512}
ROUNDS=${ROUNDS:-3}
FF=${FF:-25}

build_bench
bin=${VOUCH_BIN:-$VOUCH}
make_work bench-hot-probe
start_pg
"$SEEDER" --data "$WORK/seed" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" --prefix d \
  --suffix .bench.test --threads 64 >&2
cur=$(SERVE_BIN=$bin copy_to "$WORK/seed" cur)
hot=$(SERVE_BIN=$bin copy_to "$WORK/seed" hot)
psql -XAtq -d "$hot" >/dev/null <<SQL
DROP INDEX claims_due;
DROP INDEX claims_status;
ALTER TABLE claims SET (fillfactor = $FF);
VACUUM FULL claims;
CREATE TABLE claim_due (seq BIGINT PRIMARY KEY, next_check_at BIGINT) WITH (fillfactor = 50);
INSERT INTO claim_due SELECT seq, next_check_at FROM claims;
CREATE INDEX claim_due_at ON claim_due (next_check_at, seq) WHERE next_check_at IS NOT NULL;
VACUUM ANALYZE;
CHECKPOINT;
SQL
now=$(date +%s%N)
later=$((now + 60000000000))
evidence="'{\"outcome\":\"found\",\"answers\":[$(printf '"%s",' $(seq 1 40) | head -c 280)\"x\"]}'"

price() { pg_price "$1" "$2" "$B" "$3"; }  # URL LABEL SQL (common.sh)
batch() {  # URL OFFSET: B claims in seq order, as an array
  pg_sql "$1" "SELECT array_agg(seq)::text FROM (SELECT seq FROM claims ORDER BY seq LIMIT $B
    OFFSET $2) d"
}
first_check() {  # SEQS: Pending -> Success, with evidence, as record_checks sets it
  echo "UPDATE claims c SET status = 1, next_check_at = $later, last_verified_at = $now,
    attempts = 0, evidence = $evidence, version = c.version + 1, lease_until = NULL
    FROM unnest('$1'::bigint[]) AS v(seq) WHERE c.seq = v.seq"
}
log "load $(load)"
for round in $(seq "$ROUNDS"); do
  echo "-- round $round (B=$B, fillfactor $FF)"
  seqs=$(batch "$cur" $(( (round - 1) * B )))
  price "$cur" "now: claims (every index)" "$(first_check "$seqs")"
  price "$hot" "HOT: claims" "$(first_check "$seqs")"
  price "$hot" "HOT: claim_due" "UPDATE claim_due d SET next_check_at = $later
    FROM unnest('$seqs'::bigint[]) AS v(seq) WHERE d.seq = v.seq"
  pg_sql "$hot" "SELECT 'HOT updates of claims so far: ' || n_tup_hot_upd || ' of ' || n_tup_upd
    FROM pg_stat_user_tables WHERE relname = 'claims'"
done
log "load $(load)"
