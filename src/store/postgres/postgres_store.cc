#include "store/postgres/postgres_store.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "store/postgres/change_listener.h"
#include "store/postgres/rows.h"
#include "store/postgres/schema.h"

namespace vouch::store::postgres {

using core::Claim;
using core::ClaimStatus;
using core::Result;
using core::Scope;

// Creates waiting at once, inserted in one statement (claim_writes.cc).
constexpr size_t kMaxInsertBatch = 256;
// While creates come together, a batch waits this long for more: each
// batch is 3-4 round trips and 2 commits whatever its size. 300 us, under
// a quota, in four pairs: 10-25% fewer commits per create in each, creates
// one node -7% to +14%, two nodes -2% to +14% (+5% on average; a noisy
// machine, bench/RESULTS.md). A lone create does not wait.
constexpr std::chrono::microseconds kInsertLinger{300};
// Identity reads waiting at once, read in one statement.
constexpr size_t kMaxReadBatch = 64;

#define SELECT_CLAIMS "SELECT " VOUCH_PG_CLAIM_COLUMNS " FROM claims "
// Due claims no live range covers, in due order, with their due time as
// stored (the order's); COND narrows them (SQL over claim_due d).
#define SELECT_DUE(COND, LIMIT)                  \
  VOUCH_PG_DUE_CLAIMS(VOUCH_CLAIM_COLUMNS, "$1", \
                      "AND NOT " VOUCH_PG_IN_SWEEP_LEASE("d", "$1") " " COND, LIMIT)

namespace {

constexpr Query kGetClaim{"get_claim",
                          SELECT_CLAIMS "WHERE id = $1 AND account_id = $2 AND region = $3"};
constexpr Query kGetClaimById{"get_claim_by_id", SELECT_CLAIMS "WHERE id = $1"};
constexpr Query kFindIdentities{"find_identities", SELECT_CLAIMS
                                "WHERE account_id = $1 AND region = $2 AND kind IN (0, 1) "
                                "AND " VOUCH_PG_SUBJECT " = ANY($3::text[])"};
constexpr Query kFindClaims{"find_claims", SELECT_CLAIMS
                            "WHERE account_id = $1 AND region = $2 AND kind = $3 "
                            "AND " VOUCH_PG_SUBJECT " = ANY($4::text[]) ORDER BY seq"};
constexpr Query kFindClaimsOf{"find_claims_of",
                              SELECT_CLAIMS "WHERE account_id = $1 AND region = $2 AND kind = $3 "
                                            "AND " VOUCH_PG_SUBJECT " = $4 ORDER BY seq"};
constexpr Query kListClaims{"list_claims",
                            SELECT_CLAIMS "WHERE account_id = $1 AND region = $2 AND seq > $3 "
                                          "AND kind = ANY($4::smallint[]) ORDER BY seq LIMIT $5"};
// search_claims, one statement per shape so each plans with its index:
// [with a status][with a subject prefix].
#define SEARCH_CLAIMS \
  SELECT_CLAIMS "WHERE account_id = $1 AND region = $2 AND seq > $3 AND kind = ANY($4::smallint[]) "
// The SES kinds' subjects and the others' are in two indexes (schema.cc, 13):
// an arm each, so that both can serve it (a bitmap of the two). The second
// arm's range is written the other way round: the planner takes the range
// common to identical arms out of the OR, and then neither index serves it.
#define BY_PREFIX                                                                       \
  "AND ((kind IN (0, 1) AND " VOUCH_PG_SUBJECT " >= $6 AND " VOUCH_PG_SUBJECT " < $7) " \
  "OR (kind NOT IN (0, 1) AND $6 <= " VOUCH_PG_SUBJECT " AND $7 > " VOUCH_PG_SUBJECT ")) "
constexpr Query kSearchClaims[2][2] = {
    {{"search_claims", SEARCH_CLAIMS "AND $5::smallint IS NULL AND $6::text IS NULL AND "
                                     "$7::text IS NULL ORDER BY seq LIMIT $8"},
     {"search_claims_prefix",
      SEARCH_CLAIMS "AND $5::smallint IS NULL " BY_PREFIX "ORDER BY seq LIMIT $8"}},
    // By claim_due's status index, which holds no Success claims (schema.cc,
    // 11 and 14): "status != 1" lets a generic plan use it; Success reads the
    // scope in seq order.
    {{"search_claims_status",
      SELECT_CLAIMS "WHERE seq = ANY(ARRAY(SELECT d.seq FROM claim_due d WHERE d.account_id = $1 "
                    "AND d.region = $2 AND d.status = $5 AND d.status != 1 AND d.seq > $3 AND "
                    "d.kind = ANY($4::smallint[]) AND $6::text IS NULL AND $7::text IS NULL "
                    "ORDER BY d.seq LIMIT $8)) ORDER BY seq"},
     {"search_claims_status_prefix",
      SEARCH_CLAIMS "AND status = $5 " BY_PREFIX "ORDER BY seq LIMIT $8"}},
};
constexpr Query kSearchSuccess{"search_claims_success",
                               SEARCH_CLAIMS "AND status = $5 AND $5::smallint = 1 AND $6::text "
                                             "IS NULL AND $7::text IS NULL ORDER BY seq LIMIT $8"};
#undef BY_PREFIX
#undef SEARCH_CLAIMS
constexpr Query kCountClaims{"count_claims",
                             "SELECT COALESCE(sum(n), 0) FROM scope_counts WHERE account_id = $1 "
                             "AND region = $2 AND kind = ANY($3::smallint[])"};
constexpr Query kLastEvidence{"last_evidence", "SELECT evidence FROM claims WHERE id = $1"};
constexpr Query kHistory{"history",
                         "SELECT at, from_status, to_status FROM history WHERE claim_seq = "
                         "(SELECT seq FROM claims WHERE id = $1) ORDER BY at, id"};
constexpr Query kDueClaims{"due_claims", SELECT_DUE("", "$2")};
constexpr Query kDueClaimsAfter{"due_claims_after",
                                SELECT_DUE("AND (d.next_check_at, d.seq) > ($2, $3)", "$4")};
}  // namespace

int PostgresStore::schema_version() { return latest_schema_version(); }

PostgresStore::PostgresStore(std::unique_ptr<Pool> pool)
    : pool_(std::move(pool)),
      inserts_(
          kMaxInsertBatch, [this](auto& batch) { insert_batch(batch); },
          [] { std::this_thread::sleep_for(kInsertLinger); }),
      reads_(kMaxReadBatch, [this](std::vector<IdentityRead*>& batch) { read_batch(batch); }) {}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& conninfo,
                                                           size_t pool_size) {
  auto pool = Pool::open(conninfo, pool_size);
  if (!pool.ok()) return pool.error();
  {
    auto lease = (*pool)->acquire();
    if (!lease.ok()) return lease.error();
    if (auto s = migrate(***lease); !s.ok()) return s.error();
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(*pool)));
}

Result<Res> PostgresStore::run(const Query& q, const Params& params) {
  auto lease = pool_->acquire();
  if (!lease.ok()) return lease.error();
  return (**lease)->run(q, params);
}

core::Status PostgresStore::in_tx(const std::function<core::Status(Conn&)>& fn, const char* begin) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    auto lease = pool_->acquire();
    if (!lease.ok()) return lease.error();
    Conn& c = ***lease;
    if (auto b = c.exec(begin); !b.ok()) return b.error();
    core::Status s = fn(c);
    if (s.ok()) {
      auto done = c.exec("COMMIT");
      if (done.ok()) return {};
      s = done.error();
    }
    const bool retry = c.retryable_failure() && attempt < kAttempts;
    (void)c.exec("ROLLBACK");
    if (!retry) return s;
  }
}

core::Status PostgresStore::ping() {
  static constexpr Query kPing{"ping", "SELECT 1"};
  auto r = run(kPing);
  if (!r.ok()) return r.error();
  return {};
}

Result<bool> PostgresStore::has_claims() {
  static constexpr Query kAny{"has_claims", "SELECT EXISTS (SELECT 1 FROM claims)::int"};
  auto r = run(kAny);
  if (!r.ok()) return r.error();
  return r->int_at(0, 0) != 0;
}

Result<std::optional<Claim>> PostgresStore::get_claim(const Scope& scope, const std::string& id) {
  auto r = run(kGetClaim, {id, scope.account_id, scope.region});
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<Claim>();
  return std::optional<Claim>(read_claim(*r, 0));
}

Result<std::optional<Claim>> PostgresStore::get_claim_by_id(const std::string& id) {
  auto r = run(kGetClaimById, {id});
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<Claim>();
  return std::optional<Claim>(read_claim(*r, 0));
}

Result<std::optional<Claim>> PostgresStore::find_identity(const Scope& scope,
                                                          const std::string& subject) {
  auto found = find_identities(scope, {subject});
  if (!found.ok()) return found.error();
  if (found->empty()) return std::optional<Claim>();
  return std::optional<Claim>(std::move(found->front()));
}

Result<std::vector<Claim>> PostgresStore::find_identities(
    const Scope& scope, const std::vector<std::string>& subjects) {
  if (subjects.empty()) return std::vector<Claim>();
  if (subjects.size() > 1) {
    auto r = run(kFindIdentities, {scope.account_id, scope.region, text_array(subjects)});
    if (!r.ok()) return r.error();
    return read_claims(*r);
  }
  auto read = reads_.wait({scope, subjects.front(), {}, {}});
  if (!read.status.ok()) return read.status.error();
  return std::move(read.found);
}

void PostgresStore::with_identities_later(const Scope& scope, std::vector<std::string> subjects,
                                          IdentitiesDone fn) {
  if (subjects.size() != 1) return ClaimStore::with_identities_later(scope, subjects, fn);
  reads_.submit({scope, std::move(subjects.front()), {}, {}},
                [fn = std::move(fn)](IdentityRead& r) {
                  std::vector<const Claim*> claims;
                  claims.reserve(r.found.size());
                  for (const auto& c : r.found) claims.push_back(&c);
                  fn(r.status, claims);
                });
}

void PostgresStore::read_batch(std::vector<IdentityRead*>& batch) {
  auto set_error = [&](const core::Error& e) {
    for (auto* i : batch) i->status = e;
  };
  if (batch.size() == 1) {  // alone: the statement planned for one subject
    IdentityRead& read = *batch.front();
    auto r = run(kFindIdentity, {read.scope.account_id, read.scope.region, read.subject});
    if (!r.ok()) return set_error(r.error());
    read.found = read_claims(*r);
    return;
  }
  std::vector<IdentityOf> callers;
  for (const IdentityRead* read : batch) callers.push_back({read->scope, read->subject});
  auto r = run(kFindIdentitiesOf, identities_of(callers));
  if (!r.ok()) return set_error(r.error());
  auto found = read_identities_of(*r, batch.size());
  if (!found.ok()) return set_error(found.error());
  for (auto& [n, claim] : *found) batch[n]->found.push_back(std::move(claim));
}

Result<std::vector<Claim>> PostgresStore::find_claims(const Scope& scope, core::ClaimKind kind,
                                                      const std::vector<std::string>& subjects) {
  if (subjects.empty()) return std::vector<Claim>();
  const Param k = p(int64_t{kind_code(kind)});
  auto r = subjects.size() == 1
               ? run(kFindClaimsOf, {scope.account_id, scope.region, k, subjects.front()})
               : run(kFindClaims, {scope.account_id, scope.region, k, text_array(subjects)});
  if (!r.ok()) return r.error();
  return read_claims(*r);
}

Result<std::vector<Claim>> PostgresStore::list_claims(const core::ListQuery& q) {
  auto r = run(kListClaims, {q.scope.account_id, q.scope.region, p(q.after_seq),
                             kinds_array(q.kinds), p(static_cast<int64_t>(q.limit))});
  if (!r.ok()) return r.error();
  return read_claims(*r);
}

Result<std::vector<Claim>> PostgresStore::search_claims(const core::ClaimSearch& q) {
  const bool by_status = q.status.has_value(), by_prefix = !q.subject_prefix.empty();
  const bool success = by_status && status_code(*q.status) == status_code(ClaimStatus::kVerified);
  auto r = run(
      success && !by_prefix ? kSearchSuccess : kSearchClaims[by_status][by_prefix],
      {q.list.scope.account_id, q.list.scope.region, p(q.list.after_seq), kinds_array(q.list.kinds),
       by_status ? p(int64_t{status_code(*q.status)}) : std::nullopt,
       by_prefix ? p(q.subject_prefix) : std::nullopt,
       by_prefix ? p(q.subject_end()) : std::nullopt, p(static_cast<int64_t>(q.list.limit))});
  if (!r.ok()) return r.error();
  return read_claims(*r);
}

Result<size_t> PostgresStore::count_claims(const Scope& scope,
                                           const std::vector<core::ClaimKind>& kinds) {
  auto r = run(kCountClaims, {scope.account_id, scope.region, kinds_array(kinds)});
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->int_at(0, 0));
}

Result<std::optional<std::string>> PostgresStore::last_evidence(const std::string& claim_id) {
  auto r = run(kLastEvidence, {claim_id});
  if (!r.ok()) return r.error();
  if (r->rows() == 0 || r->null_at(0, 0)) return std::optional<std::string>();
  return std::optional<std::string>(r->text_at(0, 0));
}

Result<std::vector<core::StatusChange>> PostgresStore::history(const std::string& claim_id) {
  auto r = run(kHistory, {claim_id});
  if (!r.ok()) return r.error();
  std::vector<core::StatusChange> out;
  for (int i = 0; i < r->rows(); ++i) {
    out.push_back({from_nanos(r->int_at(i, 0)), status_from_code(r->int_at(i, 1)),
                   status_from_code(r->int_at(i, 2))});
  }
  return out;
}

Result<std::vector<Claim>> PostgresStore::due_claims(core::TimePoint now, size_t limit) {
  auto r = run(kDueClaims, {p(to_nanos(now)), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return read_claims(*r);
}

Result<std::vector<Claim>> PostgresStore::due_claims_after(core::TimePoint now,
                                                           const DueCursor& after, size_t limit) {
  auto r = run(kDueClaimsAfter, {p(to_nanos(now)), p(to_nanos(after.next_check_at)), p(after.seq),
                                 p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return read_claims(*r);
}

Result<core::Store::DueCount> PostgresStore::count_due_claims(core::TimePoint now, size_t cap) {
  static constexpr Query kCountDue{
      "count_due",
      "SELECT count(*), min(next_check_at) FROM (" VOUCH_PG_DUE_ROWS(
          "d.next_check_at", "$1", "AND NOT " VOUCH_PG_IN_SWEEP_LEASE("d", "$1"), "$2") ") x"};
  auto r = run(kCountDue, {p(to_nanos(now)), p(static_cast<int64_t>(cap))});
  if (!r.ok()) return r.error();
  DueCount out;
  out.count = static_cast<size_t>(r->int_at(0, 0));
  if (!r->null_at(0, 1)) out.oldest = from_nanos(r->int_at(0, 1));
  return out;
}

Result<std::vector<Claim>> PostgresStore::lease_due_claims(core::TimePoint now,
                                                           core::TimePoint lease_until,
                                                           size_t limit) {
  SweepLeases::Leased leased;
  // Not flushed before it returns (the turn's lock is held until the
  // commit, and other nodes wait for it): a lease lost with the server's
  // crash only lets its claims be leased again, and their records are
  // compared-and-set.
  auto st = in_tx(
      [&](Conn& c) -> core::Status {
        auto r = SweepLeases::lease(c, now, lease_until, limit);
        if (!r.ok()) return r.error();
        leased = std::move(*r);
        return {};
      },
      "BEGIN; SET LOCAL synchronous_commit TO off");
  if (!st.ok()) return st.error();
  sweeps_.taken(leased, now, lease_until);
  return std::move(leased.claims);
}

void PostgresStore::end_sweep_leases(const std::vector<int64_t>& seqs) {
  static constexpr Query kEnd{"sweep_end", "DELETE FROM sweep_leases WHERE id = ANY($1::bigint[])"};
  const auto ended = sweeps_.recorded(seqs);
  if (ended.empty()) return;
  // Best effort: a range left behind ends when it expires.
  (void)run(kEnd, {int_array(std::vector<std::optional<int64_t>>(ended.begin(), ended.end()))});
}

core::Status PostgresStore::clear_claims() {
  return in_tx([](Conn& c) -> core::Status {
    auto r = c.exec(
        "DELETE FROM claims; DELETE FROM claim_due; DELETE FROM scope_counts; DELETE FROM idempotency; DELETE FROM history; "
        "DELETE FROM outbox; DELETE FROM templates; DELETE FROM events; DELETE FROM webhook_deliveries; "
        "DELETE FROM webhooks; DELETE FROM sweep_leases; NOTIFY " VOUCH_CLAIMS_CHANNEL ", '*';");
    if (!r.ok()) return r.error();
    return {};
  });
}

}  // namespace vouch::store::postgres
