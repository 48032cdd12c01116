#!/usr/bin/env bash
# The sweep's statements one at a time, on a database of N seeded due claims
# (`vouch store copy`, as the sweep benchmarks make it), nothing else running:
# each statement's server time and WAL per claim for a batch of B claims
# (EXPLAIN ANALYZE with TIMING OFF; triggers included), ROUNDS times, so that
# a change to what the store sends can be priced without a sweep's noise.
#
# The statements are spelled out as src/store/postgres (claim_writes.cc,
# sweep_leases.cc, rows.h) sends them at schema 14 (claim_due beside claims);
# follow those files when they change.
#
# Environment: N [20000], B [512], ROUNDS [3], VOUCH_BIN (the build whose
# schema is tried, 14 or later; default this build's); BUILD_DIR, NO_BUILD=1,
# KEEP=1: see bench/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
WRK_ARGS=${WRK_ARGS:--t1 -c64 -d10s}
source "$BENCH/fleet/common.sh"
N=${N:-20000}
B=${B:-512}
ROUNDS=${ROUNDS:-3}

build_bench
bin=${VOUCH_BIN:-$VOUCH}
make_work bench-pg-statements
start_pg
"$SEEDER" --data "$WORK/seed" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" --prefix d \
  --suffix .bench.test --threads 256 >&2
url=$(SERVE_BIN=$bin copy_to "$WORK/seed" statements)
pg_sql "$url" "VACUUM ANALYZE" >/dev/null
now=$(date +%s%N)
later=$((now + 60000000000))
evidence="'{\"outcome\":\"found\",\"answers\":[$(printf '"%s",' $(seq 1 40) | head -c 280)\"x\"]}'"
cols="c.seq, c.id, c.account_id, c.region, c.kind, c.subject, c.record_name, c.token, c.status,
  c.created_at, c.deadline, c.next_check_at, c.last_verified_at, c.absent_since, c.attempts,
  c.dkim_tokens, c.tags, c.version, c.reject_on_mx_failure"
notify="pg_notify('vouch_claims', c.account_id || chr(31) || c.region || chr(31) || c.subject)"

price() { pg_price "$url" "$1" "$B" "$2"; }  # LABEL SQL (common.sh)
# A batch of B claims from the head of the due index, as arrays for unnest.
batch() {
  pg_sql "$url" "SELECT array_agg(seq)::text || ' ' || array_agg(version)::text FROM (SELECT seq,
    version FROM claims WHERE seq = ANY(ARRAY(SELECT seq FROM claim_due WHERE next_check_at <= $now
    ORDER BY next_check_at, seq LIMIT $B))) d"
}
record() {  # SEQS VERSIONS STATUS [RETURNING]: claims alone
  echo "UPDATE claims c SET status = v.status, deadline = c.deadline, next_check_at = $later,
    last_verified_at = $now, absent_since = NULL, attempts = 0, evidence = $evidence,
    version = c.version + 1, lease_until = NULL
    FROM unnest('$1'::bigint[], '$2'::bigint[]) AS v0(seq, version)
    CROSS JOIN LATERAL (SELECT $3::smallint AS status) v
    WHERE c.seq = v0.seq AND c.version = v0.version ${4:-}"
}
# A lease (sweep_leases.h): the due claims past the live ranges, read, and
# one row for the batch (its price is per batch, so per claim ~1/B of a row).
lease() {  # COLUMNS
  echo "SELECT $1 FROM claims c WHERE seq = ANY(ARRAY(SELECT d.seq FROM claim_due d
    WHERE d.next_check_at <= $now AND (d.next_check_at, d.seq) > (0, 0)
    ORDER BY d.next_check_at, d.seq LIMIT $B)) ORDER BY next_check_at, seq"
}
# claim_due's rows of the claims a CTE X wrote (rows.h, VOUCH_PG_DUE_UPDATE).
due_update() {  # X
  echo "UPDATE claim_due d SET next_check_at = x.next_check_at, status = x.status,
    account_id = x.account_id, region = x.region FROM $1 x WHERE d.seq = x.seq"
}
# record_checks' one statement (src/store/postgres/claim_writes.cc): the
# claims' new versions, their claim_due rows, history rows and events.
record_checks() {  # SEQS VERSIONS
  echo "WITH u AS ($(record "$1" "$2" 1 "RETURNING c.seq, c.account_id, c.region, c.id, c.kind,
    c.subject, c.evidence, c.next_check_at, c.status, $notify AS notified")),
    d AS ($(due_update u)),
    h AS (SELECT u.*, $now::bigint AS at, 0::smallint AS from_status, 1::smallint AS to_status, x.n
      FROM unnest('$1'::bigint[]) WITH ORDINALITY AS x(seq, n) JOIN u ON u.seq = x.seq),
    w AS (INSERT INTO history (claim_seq, at, from_status, to_status)
      SELECT seq, at, from_status, to_status FROM h ORDER BY n),
    e AS (INSERT INTO events (account_id, region, claim_id, kind, subject, from_status, to_status,
      at, evidence) SELECT h.account_id, h.region, h.id, h.kind, h.subject, h.from_status,
      h.to_status, h.at, CASE WHEN length(h.evidence) <= 1024 THEN h.evidence END FROM h ORDER BY n)
    SELECT seq, notified FROM u"
}
# As the nodes' connections (conn.cc): the store writes events and claim_due
# itself, so the triggers for older nodes do not.
export PGOPTIONS="${PGOPTIONS:-} -c vouch.events=store -c vouch.due=store"
log "load $(load)"
for round in $(seq "$ROUNDS"); do
  echo "-- round $round (B=$B)"
  price "lease, 19 columns and notify" "$(lease "$cols, $notify")"
  read -r seqs versions < <(batch)
  price "record_checks: all of it" "$(record_checks "$seqs" "$versions")"
  price "lease's range row (one per batch)" "INSERT INTO sweep_leases (lo_at, lo_seq, hi_at,
    hi_seq, until) VALUES ($now, 1, $now, $B, $later)"
  read -r seqs versions < <(batch)
  price "record, claims, status changed" "$(record "$seqs" "$versions" 1 "RETURNING c.seq")"
  price "record, claim_due, status changed" "WITH u AS (SELECT seq, $later::bigint AS
    next_check_at, 1::smallint AS status, account_id, region FROM claims
    WHERE seq = ANY('$seqs'::bigint[])) $(due_update u)"
  read -r seqs versions < <(batch)
  price "record, claims, status unchanged" "$(record "$seqs" "$versions" 0 "RETURNING c.seq")"
done
log "load $(load)"
