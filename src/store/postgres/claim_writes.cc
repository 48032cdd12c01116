// The write half of PostgresStore's claims: creates that read before they
// write (under a per-scope advisory lock), compare-and-set updates, recorded
// checks, deletes. Batched inserts: inserts.cc.
#include <unordered_set>

#include "store/create_rules.h"
#include "store/postgres/change_listener.h"
#include "store/postgres/inserts.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"
#include "store/record_batch.h"

namespace vouch::store::postgres {

using core::Claim;
using core::Error;
using core::ErrorCode;
using core::Result;
using core::Scope;

namespace {

// Serialises the creates of one (account, region): the quota and duplicate
// checks then see every create committed before them.
constexpr Query kLockScope{"lock_scope", "SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))"};
constexpr Query kFindToken{"find_token",
                           "SELECT request_hash, response, created_at FROM idempotency "
                           "WHERE account_id = $1 AND region = $2 AND client_token = $3"};
constexpr Query kLiveDuplicate{
    "live_duplicate",
    "SELECT id FROM claims WHERE account_id = $1 AND region = $2 AND " VOUCH_PG_SUBJECT
    " = $3 AND kind = $4 AND status != 3 ORDER BY seq LIMIT 1"};
constexpr Query kPruneTokens{
    "prune_tokens",
    "DELETE FROM idempotency WHERE account_id = $1 AND region = $2 AND created_at <= $3"};
constexpr Query kPutToken{
    "put_token",
    "INSERT INTO idempotency (account_id, region, client_token, request_hash, response, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, region, client_token) "
    "DO UPDATE SET request_hash = EXCLUDED.request_hash, response = EXCLUDED.response, "
    "created_at = EXCLUDED.created_at"};
// The end of an update of claims (a CTE c): its claim_due rows, and the
// notices of the rows it changed.
#define UPDATED_WITH_DUE                                    \
  "RETURNING " VOUCH_PG_DUE_COLUMNS ", " VOUCH_NOTIFY_CLAIM \
  " AS notified), d AS (" VOUCH_PG_DUE_UPDATE("c") ") SELECT notified FROM c"
constexpr Query kUpdateClaim{
    "update_claim",
    "WITH c AS (UPDATE claims SET id = $1, account_id = $2, region = $3, kind = $4, subject = $5, "
    "record_name = $6, token = $7, status = $8, created_at = $9, deadline = $10, "
    "next_check_at = $11, last_verified_at = $12, absent_since = $13, attempts = $14, "
    "dkim_tokens = $15, tags = $16, reject_on_mx_failure = $17, version = version + 1, "
    "lease_until = NULL WHERE seq = $18 AND version = $19 " UPDATED_WITH_DUE};
constexpr Query kUpdateClaimEvidence{
    "update_claim_evidence",
    "WITH c AS (UPDATE claims SET id = $1, account_id = $2, region = $3, kind = $4, subject = $5, "
    "record_name = $6, token = $7, status = $8, created_at = $9, deadline = $10, "
    "next_check_at = $11, last_verified_at = $12, absent_since = $13, attempts = $14, "
    "dkim_tokens = $15, tags = $16, reject_on_mx_failure = $17, version = version + 1, "
    "evidence = $20, lease_until = NULL WHERE seq = $18 AND version = $19 " UPDATED_WITH_DUE};
constexpr Query kUpdateCheckFields{
    "update_check_fields",
    "WITH c AS (UPDATE claims SET status = $1, deadline = $2, next_check_at = $3, "
    "last_verified_at = $4, absent_since = $5, attempts = $6, evidence = $9, "
    "version = version + 1, lease_until = NULL WHERE seq = $7 AND version = $8 " UPDATED_WITH_DUE};
#undef UPDATED_WITH_DUE
constexpr Query kClaimExists{"claim_exists", "SELECT 1 FROM claims WHERE seq = $1"};
// A batch of check results in one statement: each row compared-and-set on its
// own version with its claim_due row, and the status changes of the rows it
// changed written to history with their events (VOUCH_PG_EVENT_OF: the new
// row's evidence), in the batch's order; the seqs it changed come back.
// Writing the events here instead of by history's trigger saves that trigger
// looking each claim up again (schema.cc, 12).
#define DUE_OF_U VOUCH_PG_DUE_UPDATE("u")
constexpr Query kRecordChecks{
    "record_checks",
    "WITH u AS (UPDATE claims c SET status = v.status, deadline = v.deadline, "
    "next_check_at = v.next_check_at, last_verified_at = v.last_verified_at, "
    "absent_since = v.absent_since, attempts = v.attempts, evidence = v.evidence, "
    "version = c.version + 1, lease_until = NULL "
    "FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::bigint[], $5::bigint[], "
    "$6::bigint[], $7::bigint[], $8::integer[], $9::text[]) "
    "AS v(seq, version, status, deadline, next_check_at, last_verified_at, absent_since, "
    "attempts, evidence) "
    "WHERE c.seq = v.seq AND c.version = v.version RETURNING c.seq, c.account_id, c.region, "
    "c.id, c.kind, c.subject, c.evidence, c.next_check_at, c.status, " VOUCH_NOTIFY_CLAIM
    " AS notified), "
    "d AS (" DUE_OF_U "), "
    "h AS (SELECT u.*, x.at, x.from_status, x.to_status, x.n FROM unnest($10::bigint[], "
    "$11::bigint[], $12::smallint[], $13::smallint[]) WITH ORDINALITY AS x(seq, at, "
    "from_status, to_status, n) JOIN u ON u.seq = x.seq), "
    "w AS (INSERT INTO history (claim_seq, at, from_status, to_status) "
    "SELECT seq, at, from_status, to_status FROM h ORDER BY n), "
    "e AS (INSERT INTO events (" VOUCH_PG_EVENT_INSERT_COLUMNS ") "
    "SELECT " VOUCH_PG_EVENT_OF("h", "h") " FROM h ORDER BY n) SELECT seq, notified FROM u"};
#undef DUE_OF_U
constexpr Query kExisting{"existing_seqs", "SELECT seq FROM claims WHERE seq = ANY($1::bigint[])"};
// One status change and its event, after its claim's row was written.
constexpr Query kInsertHistory{
    "insert_history",
    "WITH h AS (INSERT INTO history (claim_seq, at, from_status, to_status) "
    "VALUES ($1, $2, $3, $4) RETURNING claim_seq, at, from_status, to_status) "
    "INSERT INTO events (" VOUCH_PG_EVENT_INSERT_COLUMNS
    ") SELECT " VOUCH_PG_EVENT_OF("c", "h") " FROM h JOIN claims c ON c.seq = h.claim_seq"};
constexpr Query kDeleteClaim{
    "delete_claim",
    "WITH c AS (DELETE FROM claims WHERE id = $1 AND account_id = $2 AND "
    "region = $3 RETURNING seq, account_id, region, kind, " VOUCH_NOTIFY_CLAIM
    " AS notified), d AS (" VOUCH_PG_DUE_DELETE("c") "), n AS (" VOUCH_PG_COUNT_DELETED(
        "c") ") SELECT seq, notified FROM c"};
constexpr Query kDeleteHistory{"delete_history", "DELETE FROM history WHERE claim_seq = $1"};
constexpr Query kFailClaimMail{"fail_claim_mail",
                               "UPDATE outbox SET state = 2, last_error = 'identity deleted "
                               "before delivery' WHERE claim_id = $1 AND state = 0"};

// Inserts `claim` (setting seq and version), or kConflict naming the claim
// in the way.
core::Status insert_row(Conn& c, Claim& claim) {
  auto inserted = insert_if_free(c, claim);
  if (!inserted.ok()) return inserted.error();
  if (*inserted) return {};
  return in_the_way(c, claim);
}

// The create rules (store/create_rules.h), read inside the transaction.
core::Status check_create(Conn& c, const Claim& claim,
                          const std::optional<core::IdempotencyKey>& key,
                          const core::CreateRules& rules, core::CreateResult& out) {
  const Scope& scope = claim.scope;
  auto find_token = [&]() -> Result<std::optional<StoredToken>> {
    auto r = c.run(kFindToken, {scope.account_id, scope.region, key->client_token});
    if (!r.ok()) return r.error();
    if (r->rows() != 1) return std::optional<StoredToken>();
    return std::optional<StoredToken>(
        StoredToken{r->text_at(0, 0), r->text_at(0, 1), from_nanos(r->int_at(0, 2))});
  };
  auto find_live = [&]() -> Result<std::optional<std::string>> {
    auto r = c.run(kLiveDuplicate, {scope.account_id, scope.region, claim.subject,
                                    p(int64_t{kind_code(claim.kind)})});
    if (!r.ok()) return r.error();
    if (r->rows() != 1) return std::optional<std::string>();
    return std::optional<std::string>(r->text_at(0, 0));
  };
  auto find_identity = [&]() -> Result<std::optional<Claim>> {
    auto r = c.run(kFindIdentity, {scope.account_id, scope.region, claim.subject});
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return std::optional<Claim>();
    return std::optional<Claim>(read_claim(*r, 0));
  };
  // Under the counts' locks, as a batch of creates takes them (inserts.cc).
  auto count = [&](const std::vector<core::ClaimKind>& kinds) -> Result<size_t> {
    ScopeCounts keys;
    add_keys(scope, kinds, keys);
    auto counts = lock_counts(c, keys);
    if (!counts.ok()) return counts.error();
    size_t n = 0;
    for (const auto& [k, v] : *counts) n += static_cast<size_t>(v);
    return n;
  };
  return check_create_rules(claim, key, rules, out, find_token, find_live, find_identity, count);
}

}  // namespace

Result<core::CreateResult> PostgresStore::create_claim_once(
    Claim claim, const std::optional<core::IdempotencyKey>& key, const core::CreateRules& rules) {
  core::CreateResult out;
  if (!(rules.one_live_per_subject || key)) {
    // Nothing to read first but the quota's count: the insert, batched with
    // others (counting each scope once a batch), and the existing identity
    // read only when the insert finds one.
    NewClaim n{std::move(claim), rules.existing_identity, rules.quota, rules.quota_kinds};
    if (auto st = insert_batched(n); !st.ok()) return st.error();
    out.outcome = n.existed      ? core::CreateOutcome::kExisting
                  : n.over_quota ? core::CreateOutcome::kQuotaExceeded
                                 : core::CreateOutcome::kCreated;
    if (!n.over_quota) out.claim = std::move(n.claim);
    return out;
  }
  auto st = in_tx([&](Conn& c) -> core::Status {
    out = core::CreateResult{};
    const Scope& scope = claim.scope;
    // The checks below read before they write: concurrent creates in one
    // scope take turns.
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
  if (out.outcome == core::CreateOutcome::kCreated) count_inserts(1, nullptr);
  if (out.outcome != core::CreateOutcome::kExisting) out.claim = std::move(claim);
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
  params.reserve(20);
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
  end_sweep_leases({claim.seq});
  if (!st.ok()) return st.error();
  ++claim.version;
  return claim;
}

std::vector<Result<Claim>> PostgresStore::record_checks(std::vector<core::CheckRecord> records) {
  // Whatever became of them, these claims' part of a sweep lease has ended.
  struct EndLeases {
    PostgresStore& store;
    std::vector<int64_t> seqs;
    ~EndLeases() { store.end_sweep_leases(seqs); }
  } end{*this, {}};
  std::unordered_set<int64_t> seqs;
  for (const auto& r : records) {
    seqs.insert(r.claim.seq);
    end.seqs.push_back(r.claim.seq);
  }
  if (seqs.size() != records.size()) {
    // One claim twice: one statement could not tell which wins. Record by record.
    return record_in_one_transaction(
        std::move(records), [&](const auto& fn) { return in_tx(fn); },
        [](Conn& c, const core::CheckRecord& r) {
          return update_check_fields(c, r.claim, r.evidence);
        },
        [](Conn& c, const core::CheckRecord& r) {
          return write_history(c, r.claim.seq, r.change);
        });
  }
  // The sweep's path: one statement for the whole batch, not two per claim.
  std::unordered_set<int64_t> changed, existing;
  auto st = in_tx([&](Conn& c) -> core::Status {
    changed.clear();
    existing.clear();
    std::vector<std::optional<int64_t>> seq, version, status, deadline, next, verified, absent,
        attempts, h_seq, h_at, h_from, h_to;
    std::vector<std::string> evidence;
    for (const auto& r : records) {
      const Claim& k = r.claim;
      seq.push_back(k.seq);
      version.push_back(k.version);
      status.push_back(status_code(k.status));
      deadline.push_back(to_nanos(k.deadline));
      next.push_back(store::opt_nanos(k.next_check_at));
      verified.push_back(store::opt_nanos(k.last_verified_at));
      absent.push_back(store::opt_nanos(k.absent_since));
      attempts.push_back(k.attempts);
      evidence.push_back(r.evidence);
      if (!r.change) continue;  // the statement keeps the changes of the rows it changed
      h_seq.push_back(k.seq);
      h_at.push_back(to_nanos(r.change->at));
      h_from.push_back(status_code(r.change->from));
      h_to.push_back(status_code(r.change->to));
    }
    auto u = c.run(kRecordChecks,
                   {int_array(seq), int_array(version), int_array(status), int_array(deadline),
                    int_array(next), int_array(verified), int_array(absent), int_array(attempts),
                    text_array(evidence), int_array(h_seq), int_array(h_at), int_array(h_from),
                    int_array(h_to)});
    if (!u.ok()) return u.error();
    for (int i = 0; i < u->rows(); ++i) changed.insert(u->int_at(i, 0));
    if (changed.size() < records.size()) {  // lost races or deleted claims: which?
      auto e = c.run(kExisting, {int_array(seq)});
      if (!e.ok()) return e.error();
      for (int i = 0; i < e->rows(); ++i) existing.insert(e->int_at(i, 0));
    }
    return {};
  });
  std::vector<Result<Claim>> out;
  out.reserve(records.size());
  for (auto& r : records) {
    if (!st.ok()) {
      out.push_back(st.error());
    } else if (changed.count(r.claim.seq)) {
      ++r.claim.version;
      out.push_back(std::move(r.claim));
    } else if (existing.count(r.claim.seq)) {
      out.push_back(
          Error{ErrorCode::kAborted, "claim changed concurrently: " + r.claim.id, r.claim.id, {}});
    } else {
      out.push_back(core::not_found("claim not found: " + r.claim.id, r.claim.id));
    }
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

}  // namespace vouch::store::postgres
