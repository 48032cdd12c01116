#include "store/postgres/postgres_store.h"

#include <algorithm>

#include "store/postgres/rows.h"
#include "store/postgres/schema.h"

namespace vouch::store::postgres {

using core::Claim;
using core::Error;
using core::ErrorCode;
using core::Result;
using core::Scope;

#define SELECT_CLAIMS "SELECT " VOUCH_PG_CLAIM_COLUMNS " FROM claims "

namespace {

constexpr Query kGetClaim{"get_claim",
                          SELECT_CLAIMS "WHERE id = $1 AND account_id = $2 AND region = $3"};
constexpr Query kGetClaimById{"get_claim_by_id", SELECT_CLAIMS "WHERE id = $1"};
constexpr Query kFindIdentities{"find_identities", SELECT_CLAIMS
                                "WHERE account_id = $1 AND region = $2 AND kind IN (0, 1) "
                                "AND subject = ANY($3::text[])"};
constexpr Query kFindClaims{"find_claims",
                            SELECT_CLAIMS "WHERE account_id = $1 AND region = $2 AND kind = $3 "
                                          "AND subject = ANY($4::text[]) ORDER BY seq"};
constexpr Query kListClaims{"list_claims",
                            SELECT_CLAIMS "WHERE account_id = $1 AND region = $2 AND seq > $3 "
                                          "AND kind = ANY($4::smallint[]) ORDER BY seq LIMIT $5"};
constexpr Query kCountClaims{"count_claims",
                             "SELECT count(*) FROM claims WHERE account_id = $1 AND region = $2 "
                             "AND kind = ANY($3::smallint[])"};
// Any unique index (id, an SES subject, a DKIM record) turns the insert into
// no row, instead of an error that would abort the transaction.
constexpr Query kInsertClaim{
    "insert_claim",
    "INSERT INTO claims (id, account_id, region, kind, subject, record_name, token, status, "
    "created_at, deadline, next_check_at, last_verified_at, absent_since, attempts, dkim_tokens, "
    "tags, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
    "$16, 1) ON CONFLICT DO NOTHING RETURNING seq"};
constexpr Query kClaimInTheWay{
    "claim_in_the_way",
    "SELECT id FROM claims WHERE id = $1 OR (account_id = $2 AND region = $3 AND "
    "((kind IN (0, 1) AND $4 IN (0, 1) AND subject = $5) OR (kind = 3 AND $4 = 3 AND "
    "record_name = $6))) ORDER BY (id = $1), seq LIMIT 1"};
// Serialises the creates of one (account, region): the quota and duplicate
// checks then see every create committed before them.
constexpr Query kLockScope{"lock_scope", "SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))"};
constexpr Query kFindToken{"find_token",
                           "SELECT request_hash, response, created_at FROM idempotency "
                           "WHERE account_id = $1 AND region = $2 AND client_token = $3"};
constexpr Query kLiveDuplicate{"live_duplicate",
                               "SELECT id FROM claims WHERE account_id = $1 AND region = $2 AND "
                               "subject = $3 AND kind = $4 AND status != 3 ORDER BY seq LIMIT 1"};
constexpr Query kCountKind{
    "count_kind",
    "SELECT count(*) FROM claims WHERE account_id = $1 AND region = $2 AND kind = $3"};
constexpr Query kPruneTokens{
    "prune_tokens",
    "DELETE FROM idempotency WHERE account_id = $1 AND region = $2 AND created_at <= $3"};
constexpr Query kPutToken{
    "put_token",
    "INSERT INTO idempotency (account_id, region, client_token, request_hash, response, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, region, client_token) "
    "DO UPDATE SET request_hash = EXCLUDED.request_hash, response = EXCLUDED.response, "
    "created_at = EXCLUDED.created_at"};
constexpr Query kUpdateClaim{
    "update_claim",
    "UPDATE claims SET id = $1, account_id = $2, region = $3, kind = $4, subject = $5, "
    "record_name = $6, token = $7, status = $8, created_at = $9, deadline = $10, "
    "next_check_at = $11, last_verified_at = $12, absent_since = $13, attempts = $14, "
    "dkim_tokens = $15, tags = $16, version = version + 1 WHERE seq = $17 AND version = $18"};
constexpr Query kUpdateClaimEvidence{
    "update_claim_evidence",
    "UPDATE claims SET id = $1, account_id = $2, region = $3, kind = $4, subject = $5, "
    "record_name = $6, token = $7, status = $8, created_at = $9, deadline = $10, "
    "next_check_at = $11, last_verified_at = $12, absent_since = $13, attempts = $14, "
    "dkim_tokens = $15, tags = $16, version = version + 1, evidence = $19 "
    "WHERE seq = $17 AND version = $18"};
constexpr Query kUpdateCheckFields{
    "update_check_fields",
    "UPDATE claims SET status = $1, deadline = $2, next_check_at = $3, last_verified_at = $4, "
    "absent_since = $5, attempts = $6, evidence = $9, version = version + 1 "
    "WHERE seq = $7 AND version = $8"};
constexpr Query kClaimExists{"claim_exists", "SELECT 1 FROM claims WHERE seq = $1"};
constexpr Query kInsertHistory{
    "insert_history",
    "INSERT INTO history (claim_seq, at, from_status, to_status) VALUES ($1, $2, $3, $4)"};
constexpr Query kLastEvidence{"last_evidence", "SELECT evidence FROM claims WHERE id = $1"};
constexpr Query kHistory{"history",
                         "SELECT at, from_status, to_status FROM history WHERE claim_seq = "
                         "(SELECT seq FROM claims WHERE id = $1) ORDER BY at, id"};
constexpr Query kDeleteClaim{
    "delete_claim",
    "DELETE FROM claims WHERE id = $1 AND account_id = $2 AND region = $3 RETURNING seq"};
constexpr Query kDeleteHistory{"delete_history", "DELETE FROM history WHERE claim_seq = $1"};
constexpr Query kFailClaimMail{"fail_claim_mail",
                               "UPDATE outbox SET state = 2, last_error = 'identity deleted "
                               "before delivery' WHERE claim_id = $1 AND state = 0"};
constexpr Query kDueClaims{
    "due_claims", SELECT_CLAIMS "WHERE next_check_at <= $1 ORDER BY next_check_at, seq LIMIT $2"};
constexpr Query kDueClaimsAfter{"due_claims_after", SELECT_CLAIMS
                                "WHERE next_check_at <= $1 AND (next_check_at, seq) > ($2, $3) "
                                "ORDER BY next_check_at, seq LIMIT $4"};
// The claims as they were (d.next_check_at is the due time before the lease).
constexpr Query kLeaseDueClaims{
    "lease_due_claims",
    "WITH d AS (SELECT seq, next_check_at FROM claims WHERE next_check_at <= $1 "
    "ORDER BY next_check_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED) "
    "UPDATE claims c SET next_check_at = $2 FROM d WHERE c.seq = d.seq RETURNING c.seq, c.id, "
    "c.account_id, c.region, c.kind, c.subject, c.record_name, c.token, c.status, c.created_at, "
    "c.deadline, d.next_check_at, c.last_verified_at, c.absent_since, c.attempts, "
    "c.dkim_tokens, c.tags, c.version"};

bool by_due(const Claim& a, const Claim& b) {
  if (a.next_check_at != b.next_check_at) return a.next_check_at < b.next_check_at;
  return a.seq < b.seq;
}

}  // namespace

int PostgresStore::schema_version() { return latest_schema_version(); }

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
  auto r = run(kFindIdentities, {scope.account_id, scope.region, text_array(subjects)});
  if (!r.ok()) return r.error();
  return read_claims(*r);
}

Result<std::vector<Claim>> PostgresStore::find_claims(const Scope& scope, core::ClaimKind kind,
                                                      const std::vector<std::string>& subjects) {
  if (subjects.empty()) return std::vector<Claim>();
  auto r = run(kFindClaims,
               {scope.account_id, scope.region, p(int64_t{kind_code(kind)}), text_array(subjects)});
  if (!r.ok()) return r.error();
  return read_claims(*r);
}

Result<std::vector<Claim>> PostgresStore::list_claims(const core::ListQuery& q) {
  auto r = run(kListClaims, {q.scope.account_id, q.scope.region, p(q.after_seq),
                             kinds_array(q.kinds), p(static_cast<int64_t>(q.limit))});
  if (!r.ok()) return r.error();
  return read_claims(*r);
}

Result<size_t> PostgresStore::count_claims(const Scope& scope,
                                           const std::vector<core::ClaimKind>& kinds) {
  auto r = run(kCountClaims, {scope.account_id, scope.region, kinds_array(kinds)});
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->int_at(0, 0));
}

namespace {

// Inserts `claim` (setting seq and version), or kConflict naming the claim
// in the way.
core::Status insert_row(Conn& c, Claim& claim) {
  Params params;
  claim_params(claim, params);
  auto r = c.run(kInsertClaim, params);
  if (!r.ok()) return r.error();
  if (r->rows() == 1) {
    claim.seq = r->int_at(0, 0);
    claim.version = 1;
    return {};
  }
  std::string existing = claim.id;
  auto e = c.run(kClaimInTheWay,
                 {claim.id, claim.scope.account_id, claim.scope.region,
                  p(int64_t{kind_code(claim.kind)}), claim.subject, claim.record_name});
  if (!e.ok()) return e.error();
  if (e->rows() == 1) existing = e->text_at(0, 0);
  return Error{ErrorCode::kConflict, "claim exists: " + claim.subject, existing, {}};
}

core::Status check_create(Conn& c, const Claim& claim,
                          const std::optional<core::IdempotencyKey>& key,
                          const core::CreateRules& rules, core::CreateResult& out) {
  const Scope& scope = claim.scope;
  if (key) {
    auto r = c.run(kFindToken, {scope.account_id, scope.region, key->client_token});
    if (!r.ok()) return r.error();
    if (r->rows() == 1 && from_nanos(r->int_at(0, 2)) + rules.token_window > rules.now) {
      out.outcome = r->text_at(0, 0) == key->request_hash ? core::CreateOutcome::kReplayed
                                                          : core::CreateOutcome::kTokenMismatch;
      out.response = r->text_at(0, 1);
      return {};
    }
  }
  if (rules.one_live_per_subject) {
    auto r = c.run(kLiveDuplicate, {scope.account_id, scope.region, claim.subject,
                                    p(int64_t{kind_code(claim.kind)})});
    if (!r.ok()) return r.error();
    if (r->rows() == 1) {
      out.outcome = core::CreateOutcome::kLiveDuplicate;
      out.existing_id = r->text_at(0, 0);
      return {};
    }
  }
  if (rules.quota > 0) {
    auto r = c.run(kCountKind, {scope.account_id, scope.region, p(int64_t{kind_code(claim.kind)})});
    if (!r.ok()) return r.error();
    if (static_cast<size_t>(r->int_at(0, 0)) >= rules.quota) {
      out.outcome = core::CreateOutcome::kQuotaExceeded;
      return {};
    }
  }
  out.outcome = core::CreateOutcome::kCreated;
  return {};
}

}  // namespace

Result<Claim> PostgresStore::insert_claim(Claim claim) {
  auto st = in_tx([&](Conn& c) -> core::Status {
    if (auto r = c.run(kLockScope, {claim.scope.account_id, claim.scope.region}); !r.ok()) {
      return r.error();
    }
    return insert_row(c, claim);
  });
  if (!st.ok()) return st.error();
  return claim;
}

Result<core::CreateResult> PostgresStore::create_claim_once(
    Claim claim, const std::optional<core::IdempotencyKey>& key, const core::CreateRules& rules) {
  core::CreateResult out;
  auto st = in_tx([&](Conn& c) -> core::Status {
    out = core::CreateResult{};
    const Scope& scope = claim.scope;
    if (auto r = c.run(kLockScope, {scope.account_id, scope.region}); !r.ok()) return r.error();
    if (auto s = check_create(c, claim, key, rules, out); !s.ok()) return s;
    if (out.outcome != core::CreateOutcome::kCreated) return {};
    if (auto s = insert_row(c, claim); !s.ok()) return s;
    if (key) {
      // Tokens past their window answer nothing any more: drop this scope's
      // on each new one, so the table holds about one window of tokens.
      auto old = c.run(kPruneTokens, {scope.account_id, scope.region,
                                      p(to_nanos(rules.now - rules.token_window))});
      if (!old.ok()) return old.error();
      auto put = c.run(kPutToken, {scope.account_id, scope.region, key->client_token,
                                   key->request_hash, key->response, p(to_nanos(rules.now))});
      if (!put.ok()) return put.error();
    }
    return {};
  });
  if (!st.ok()) return st.error();
  out.claim = std::move(claim);
  return out;
}

namespace {

// Why a compare-and-set changed no row: the claim changed, or is gone.
core::Status lost_race(Conn& c, const Claim& claim) {
  auto r = c.run(kClaimExists, {p(claim.seq)});
  if (!r.ok()) return r.error();
  if (r->rows() == 1) {
    return Error{ErrorCode::kAborted, "claim changed concurrently: " + claim.id, claim.id, {}};
  }
  return core::not_found("claim not found: " + claim.id, claim.id);
}

core::Status update_row(Conn& c, const Claim& claim, const std::string* evidence) {
  Params params;
  params.reserve(19);
  claim_params(claim, params);
  params.push_back(p(claim.seq));
  params.push_back(p(claim.version));
  if (evidence) params.push_back(*evidence);
  auto r = c.run(evidence ? kUpdateClaimEvidence : kUpdateClaim, params);
  if (!r.ok()) return r.error();
  if (r->affected() == 1) return {};
  return lost_race(c, claim);
}

core::Status write_history(Conn& c, int64_t claim_seq,
                           const std::optional<core::StatusChange>& change) {
  if (!change) return {};
  auto r = c.run(kInsertHistory,
                 {p(claim_seq), p(to_nanos(change->at)), p(int64_t{status_code(change->from)}),
                  p(int64_t{status_code(change->to)})});
  if (!r.ok()) return r.error();
  return {};
}

core::Status update_check_fields(Conn& c, const Claim& claim, const std::string& evidence) {
  auto r = c.run(kUpdateCheckFields,
                 {p(int64_t{status_code(claim.status)}), p(to_nanos(claim.deadline)),
                  opt_nanos(claim.next_check_at), opt_nanos(claim.last_verified_at),
                  opt_nanos(claim.absent_since), p(int64_t{claim.attempts}), p(claim.seq),
                  p(claim.version), evidence});
  if (!r.ok()) return r.error();
  if (r->affected() == 1) return {};
  return lost_race(c, claim);
}

}  // namespace

Result<Claim> PostgresStore::update_claim(Claim claim) {
  auto st = in_tx([&](Conn& c) { return update_row(c, claim, nullptr); });
  if (!st.ok()) return st.error();
  ++claim.version;
  return claim;
}

Result<Claim> PostgresStore::record_check(Claim claim, const std::string& evidence,
                                          std::optional<core::StatusChange> change) {
  auto st = in_tx([&](Conn& c) -> core::Status {
    if (auto s = update_row(c, claim, &evidence); !s.ok()) return s;
    return write_history(c, claim.seq, change);
  });
  if (!st.ok()) return st.error();
  ++claim.version;
  return claim;
}

std::vector<Result<Claim>> PostgresStore::record_checks(std::vector<core::CheckRecord> records) {
  // One transaction for the lot; a lost compare-and-set fails only its own
  // record (it changed no row, so the transaction goes on).
  std::vector<core::Status> each(records.size());
  auto st = in_tx([&](Conn& c) -> core::Status {
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& r = records[i];
      each[i] = update_check_fields(c, r.claim, r.evidence);
      if (each[i].ok()) {
        if (auto s = write_history(c, r.claim.seq, r.change); !s.ok()) return s;
      } else if (each[i].error().code != ErrorCode::kAborted &&
                 each[i].error().code != ErrorCode::kNotFound) {
        return each[i];  // a database error: undo the whole batch
      }
    }
    return {};
  });
  std::vector<Result<Claim>> out;
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const core::Status& s = st.ok() ? each[i] : st;
    if (s.ok()) ++records[i].claim.version;
    out.push_back(s.ok() ? Result<Claim>(std::move(records[i].claim)) : Result<Claim>(s.error()));
  }
  return out;
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

Result<bool> PostgresStore::delete_claim(const Scope& scope, const std::string& id) {
  bool deleted = false;
  auto st = in_tx([&](Conn& c) -> core::Status {
    auto r = c.run(kDeleteClaim, {id, scope.account_id, scope.region});
    if (!r.ok()) return r.error();
    deleted = r->rows() == 1;
    if (!deleted) return {};
    // Its evidence went with its row; its history and undelivered mail (whose
    // links are dead now) go too.
    if (auto h = c.run(kDeleteHistory, {p(r->int_at(0, 0))}); !h.ok()) return h.error();
    if (auto m = c.run(kFailClaimMail, {id}); !m.ok()) return m.error();
    return {};
  });
  if (!st.ok()) return st.error();
  return deleted;
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

Result<std::vector<Claim>> PostgresStore::lease_due_claims(core::TimePoint now,
                                                           core::TimePoint lease_until,
                                                           size_t limit) {
  auto r = run(kLeaseDueClaims,
               {p(to_nanos(now)), p(to_nanos(lease_until)), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  auto claims = read_claims(*r);
  std::sort(claims.begin(), claims.end(), by_due);  // RETURNING keeps no order
  return claims;
}

core::Status PostgresStore::clear_claims() {
  return in_tx([](Conn& c) -> core::Status {
    auto r = c.exec(
        "DELETE FROM claims; DELETE FROM idempotency; DELETE FROM history; DELETE FROM outbox;");
    if (!r.ok()) return r.error();
    return {};
  });
}

}  // namespace vouch::store::postgres
