#include "store/create_rules.h"
#include "store/record_batch.h"
#include "store/sqlite/sqlite_store.h"

#include <algorithm>

#include "store/sqlite/history_rows.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/schema.h"

namespace vouch::store::sqlite {

using core::Claim;
using core::Error;
using core::ErrorCode;
using core::Result;
using core::Scope;

namespace {

// Check results per savepoint in record_checks (why there).
constexpr size_t kRecordChunk = 64;
static_assert(kRecordChunk <= kMaxHistoryChunk);

const std::string kSelect = std::string("SELECT ") + kClaimColumns + " FROM claims ";

std::string kinds_sql(const std::vector<core::ClaimKind>& kinds) {
  std::string s = "kind IN (";
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(kind_code(kinds[i]));
  }
  return s + ")";
}

// `expect`: rows likely (a page's LIMIT), reserved up front so that growing
// the vector does not move every claim read so far.
Result<std::vector<Claim>> collect(Conn& c, Stmt& s, size_t expect = 0) {
  std::vector<Claim> out;
  out.reserve(std::min<size_t>(expect, 4096));
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_claim(s));
  if (rc != SQLITE_DONE) return c.error("read claims");
  return out;
}

}  // namespace

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {}

SqliteStore::~SqliteStore() {
  writer_.reset();  // drains queued writes first
  if (writer_conn_) (void)writer_conn_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

int SqliteStore::schema_version() { return latest_schema_version(); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));
  store->writer_conn_ = std::make_unique<Conn>(path, false);
  if (!store->writer_conn_->ok()) {
    return core::internal_error("cannot open " + path + ": " + store->writer_conn_->open_error());
  }
  if (auto s = migrate(*store->writer_conn_); !s.ok()) return s.error();
  store->writer_ = std::make_unique<GroupCommit>(*store->writer_conn_);
  return store;
}

std::unique_ptr<Conn> SqliteStore::acquire_reader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!readers_.empty()) {
      auto c = std::move(readers_.back());
      readers_.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<Conn>(path_, true);
  return c->ok() ? std::move(c) : nullptr;
}

void SqliteStore::release_reader(std::unique_ptr<Conn> conn) {
  std::lock_guard lock(readers_mu_);
  readers_.push_back(std::move(conn));
}

Result<std::optional<Claim>> SqliteStore::get_claim(const Scope& scope, const std::string& id) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(kSelect + "WHERE id = ?1 AND account_id = ?2 AND region = ?3");
  s.bind(1, id).bind(2, scope.account_id).bind(3, scope.region);
  auto rows = collect(*r, s);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<Claim>();
  return std::optional<Claim>(std::move(rows->front()));
}

Result<std::optional<Claim>> SqliteStore::find_identity(const Scope& scope,
                                                        const std::string& subject) {
  auto found = find_identities(scope, {subject});
  if (!found.ok()) return found.error();
  if (found->empty()) return std::optional<Claim>();
  return std::optional<Claim>(std::move(found->front()));
}

Result<std::vector<Claim>> SqliteStore::find_identities(const Scope& scope,
                                                        const std::vector<std::string>& subjects) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  std::vector<Claim> out;
  // One statement per chunk (one read, one plan) rather than one per subject;
  // chunk sizes are powers of two so only a handful of statements get cached.
  constexpr size_t kMaxChunk = 128;
  for (size_t at = 0; at < subjects.size();) {
    size_t n = 1;
    while (n < subjects.size() - at && n < kMaxChunk) n *= 2;
    std::string sql = kSelect +
                      "WHERE account_id = ?1 AND region = ?2 AND kind IN (0, 1) AND subject IN (";
    for (size_t i = 0; i < n; ++i) sql += (i ? ",?" : "?") + std::to_string(i + 3);
    sql += ")";
    Stmt s = (*r).prepare(sql);
    s.bind(1, scope.account_id).bind(2, scope.region);
    // Unused slots repeat the last subject: harmless, keeps the plan shared.
    for (size_t i = 0; i < n; ++i)
      s.bind(static_cast<int>(i + 3), subjects[std::min(at + i, subjects.size() - 1)]);
    auto rows = collect(*r, s);
    if (!rows.ok()) return rows.error();
    for (auto& c : *rows) out.push_back(std::move(c));
    at += n;
  }
  return out;
}

Result<std::vector<Claim>> SqliteStore::find_claims(const Scope& scope, core::ClaimKind kind,
                                                    const std::vector<std::string>& subjects) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  std::vector<Claim> out;
  constexpr size_t kChunk = 100;  // well under SQLite's limit on bound parameters
  for (size_t at = 0; at < subjects.size(); at += kChunk) {
    const size_t n = std::min(kChunk, subjects.size() - at);
    std::string sql = kSelect +
                      "WHERE account_id = ?1 AND region = ?2 AND kind = ?3 AND subject IN (";
    for (size_t i = 0; i < n; ++i) sql += (i ? ",?" : "?") + std::to_string(i + 4);
    Stmt s = (*r).prepare(sql + ")");
    s.bind(1, scope.account_id).bind(2, scope.region).bind(3, int64_t{kind_code(kind)});
    for (size_t i = 0; i < n; ++i) s.bind(static_cast<int>(i + 4), subjects[at + i]);
    auto rows = collect(*r, s);
    if (!rows.ok()) return rows.error();
    for (auto& c : *rows) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Claim& a, const Claim& b) { return a.seq < b.seq; });
  return out;
}

Result<std::vector<Claim>> SqliteStore::list_claims(const core::ListQuery& q) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(kSelect + "WHERE account_id = ?1 AND region = ?2 AND seq > ?3 AND " +
                        kinds_sql(q.kinds) + " ORDER BY seq LIMIT ?4");
  s.bind(1, q.scope.account_id)
      .bind(2, q.scope.region)
      .bind(3, q.after_seq)
      .bind(4, static_cast<int64_t>(q.limit));
  return collect(*r, s);
}

// A status keeps the scope's rows in seq order (claims_status): a page reads
// about as many rows as it shows. A prefix reads its subject range
// (claims_scope_subject) and sorts it: without statistics SQLite would rather
// walk the whole scope in seq order, slow for the rare prefix people type.
Result<std::vector<Claim>> SqliteStore::search_claims(const core::ClaimSearch& q) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  const bool by_prefix = !q.subject_prefix.empty();
  std::string sql = std::string("SELECT ") + kClaimColumns + " FROM claims " +
                    (by_prefix ? "INDEXED BY claims_scope_subject " : "") +
                    "WHERE account_id = ?1 AND region = ?2 AND seq > ?3 AND " +
                    kinds_sql(q.list.kinds);
  if (q.status) sql += " AND status = ?5";
  if (by_prefix) sql += " AND subject >= ?6 AND subject < ?7";
  Stmt s = (*r).prepare(sql + " ORDER BY seq LIMIT ?4");
  s.bind(1, q.list.scope.account_id)
      .bind(2, q.list.scope.region)
      .bind(3, q.list.after_seq)
      .bind(4, static_cast<int64_t>(q.list.limit));
  if (q.status) s.bind(5, int64_t{status_code(*q.status)});
  const std::string end = q.subject_end();
  if (by_prefix) s.bind(6, q.subject_prefix).bind(7, end);
  return collect(*r, s);
}

Result<size_t> SqliteStore::count_claims(const Scope& scope,
                                         const std::vector<core::ClaimKind>& kinds) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare("SELECT coalesce(sum(n), 0) FROM scope_counts WHERE account_id = ?1 AND "
                        "region = ?2 AND " +
                        kinds_sql(kinds));
  s.bind(1, scope.account_id).bind(2, scope.region);
  if (s.step() != SQLITE_ROW) return (*r).error("count claims");
  return static_cast<size_t>(s.int_at(0));
}

Result<bool> SqliteStore::has_claims() {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare("SELECT EXISTS (SELECT 1 FROM claims)");
  if (s.step() != SQLITE_ROW) return (*r).error("look for claims");
  return s.int_at(0) != 0;
}

namespace {

// Inside a write transaction.
core::Status insert_row(Conn& c, Claim& claim) {
  claim.version = 1;
  Stmt s = c.prepare("INSERT INTO claims (id, account_id, region, kind, subject, record_name, "
                     "token, status, created_at, deadline, next_check_at, last_verified_at, "
                     "absent_since, attempts, dkim_tokens, tags, reject_on_mx_failure, version) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                     "?16, ?17, 1)");
  bind_claim(s, claim);
  int rc = s.step();
  if (rc == SQLITE_CONSTRAINT) {
    // Name the claim in the way: the SES identity with this subject, the DKIM
    // claim for this record, or the claim that already has this id.
    std::string existing = claim.id;
    const bool dkim = claim.kind == core::ClaimKind::kSesDkim;
    if (claim.kind != core::ClaimKind::kLatticeDomain) {
      Stmt e = c.prepare(dkim ? "SELECT id FROM claims WHERE account_id = ?1 AND region = ?2 AND "
                                "record_name = ?3 AND kind = 3"
                              : "SELECT id FROM claims WHERE account_id = ?1 AND region = ?2 AND "
                                "subject = ?3 AND kind IN (0, 1)");
      e.bind(1, claim.scope.account_id)
          .bind(2, claim.scope.region)
          .bind(3, dkim ? claim.record_name : claim.subject);
      if (e.step() == SQLITE_ROW) existing = e.text_at(0);
    }
    return Error{ErrorCode::kConflict, "claim exists: " + claim.subject, existing, {}};
  }
  if (rc != SQLITE_DONE) return c.error("insert claim");
  claim.seq = sqlite3_last_insert_rowid(c.raw());
  return {};
}

// The create rules (store/create_rules.h), read inside the write transaction.
core::Status check_create(Conn& c, const Claim& claim,
                          const std::optional<core::IdempotencyKey>& key,
                          const core::CreateRules& rules, core::CreateResult& out) {
  const Scope& scope = claim.scope;
  auto find_token = [&]() -> Result<std::optional<StoredToken>> {
    Stmt s = c.prepare("SELECT request_hash, response, created_at FROM idempotency "
                       "WHERE account_id = ?1 AND region = ?2 AND client_token = ?3");
    s.bind(1, scope.account_id).bind(2, scope.region).bind(3, key->client_token);
    const int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<StoredToken>();
    if (rc != SQLITE_ROW) return c.error("read idempotency key");
    return std::optional<StoredToken>(
        StoredToken{s.text_at(0), s.text_at(1), from_nanos(s.int_at(2))});
  };
  auto find_live = [&]() -> Result<std::optional<std::string>> {
    Stmt s = c.prepare("SELECT id FROM claims WHERE account_id = ?1 AND region = ?2 AND "
                       "subject = ?3 AND kind = ?4 AND status != ?5 ORDER BY seq LIMIT 1");
    s.bind(1, scope.account_id)
        .bind(2, scope.region)
        .bind(3, claim.subject)
        .bind(4, int64_t{kind_code(claim.kind)})
        .bind(5, int64_t{status_code(core::ClaimStatus::kFailed)});
    const int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return c.error("find live claim");
    return std::optional<std::string>(s.text_at(0));
  };
  auto find_identity = [&]() -> Result<std::optional<Claim>> {
    Stmt s = c.prepare(kSelect +
                       "WHERE account_id = ?1 AND region = ?2 AND kind IN (0, 1) AND subject = ?3");
    s.bind(1, scope.account_id).bind(2, scope.region).bind(3, claim.subject);
    auto rows = collect(c, s);
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<Claim>();
    return std::optional<Claim>(std::move(rows->front()));
  };
  auto count = [&](const std::vector<core::ClaimKind>& kinds) -> Result<size_t> {
    Stmt s = c.prepare("SELECT coalesce(sum(n), 0) FROM scope_counts WHERE account_id = ?1 AND "
                       "region = ?2 AND " +
                       kinds_sql(kinds));
    s.bind(1, scope.account_id).bind(2, scope.region);
    if (s.step() != SQLITE_ROW) return c.error("count claims");
    return static_cast<size_t>(s.int_at(0));
  };
  return check_create_rules(claim, key, rules, out, find_token, find_live, find_identity, count);
}

}  // namespace

Result<Claim> SqliteStore::insert_claim(Claim claim) {
  auto st = writer_->run([&](Conn& c) { return insert_row(c, claim); });
  if (!st.ok()) return st.error();
  return claim;
}

Result<core::CreateResult> SqliteStore::create_claim_once(
    Claim claim, const std::optional<core::IdempotencyKey>& key, const core::CreateRules& rules) {
  core::CreateResult out;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    if (auto s = check_create(c, claim, key, rules, out); !s.ok()) return s;
    if (out.outcome != core::CreateOutcome::kCreated) return {};
    if (auto s = insert_row(c, claim); !s.ok()) return s;
    if (key) {
      // Tokens past their window answer nothing any more: drop this scope's
      // on each new one, so the table holds about one window of tokens.
      Stmt old = c.prepare("DELETE FROM idempotency WHERE account_id = ?1 AND region = ?2 AND "
                           "created_at <= ?3");
      old.bind(1, claim.scope.account_id)
          .bind(2, claim.scope.region)
          .bind(3, to_nanos(rules.now - rules.token_window));
      if (old.step() != SQLITE_DONE) return c.error("prune idempotency keys");
      Stmt s = c.prepare("INSERT OR REPLACE INTO idempotency (account_id, region, client_token, "
                         "request_hash, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      s.bind(1, claim.scope.account_id)
          .bind(2, claim.scope.region)
          .bind(3, key->client_token)
          .bind(4, key->request_hash)
          .bind(5, key->response)
          .bind(6, to_nanos(rules.now));
      if (s.step() != SQLITE_DONE) return c.error("insert idempotency key");
    }
    return {};
  });
  if (!st.ok()) return st.error();
  if (out.outcome != core::CreateOutcome::kExisting) out.claim = std::move(claim);
  return out;
}

namespace {

core::Status lost_race(Conn& c, const Claim& claim);

// Compare-and-set on version, inside a write transaction; with `evidence`,
// the claim's last evidence is written in the same statement.
core::Status update_row(Conn& c, const Claim& claim, const std::string* evidence = nullptr) {
  static const std::string kSet =
      "UPDATE claims SET id = ?1, account_id = ?2, region = ?3, kind = ?4, "
      "subject = ?5, record_name = ?6, token = ?7, status = ?8, created_at = ?9, "
      "deadline = ?10, next_check_at = ?11, last_verified_at = ?12, "
      "absent_since = ?13, attempts = ?14, dkim_tokens = ?15, tags = ?16, "
      "reject_on_mx_failure = ?17, version = version + 1";
  static const std::string kWhere = " WHERE seq = ?18 AND version = ?19";
  static const std::string kPlain = kSet + kWhere;
  static const std::string kWithEvidence = kSet + ", evidence = ?20" + kWhere;
  Stmt s = c.prepare(evidence ? kWithEvidence : kPlain);
  bind_claim(s, claim);
  s.bind(18, claim.seq).bind(19, claim.version);
  if (evidence) s.bind(20, *evidence);
  if (s.step() != SQLITE_DONE) return c.error("update claim");
  if (sqlite3_changes(c.raw()) == 1) return {};
  return lost_race(c, claim);
}

// Why a compare-and-set changed no row: the claim changed, or is gone.
core::Status lost_race(Conn& c, const Claim& claim) {
  Stmt exists = c.prepare("SELECT 1 FROM claims WHERE seq = ?1");
  exists.bind(1, claim.seq);
  if (exists.step() == SQLITE_ROW) {
    return Error{ErrorCode::kAborted, "claim changed concurrently: " + claim.id, claim.id, {}};
  }
  return core::not_found("claim not found: " + claim.id, claim.id);
}

}  // namespace

Result<Claim> SqliteStore::update_claim(Claim claim) {
  auto st = writer_->run([&](Conn& c) { return update_row(c, claim); });
  if (!st.ok()) return st.error();
  ++claim.version;
  return claim;
}

namespace {

// Compare-and-set of the fields a check moves, and its evidence. Setting only
// these keeps SQLite from rewriting the entries of indexes on the others.
// SQLite rewrites an index entry whenever its column is SET, even to the same
// value, so a check that reports no status change first tries without
// `status` (sparing claims_status a delete and an insert on every re-check),
// asserting it unchanged; only when that finds no row does the full update run.
// The columns a check writes besides status (a macro: one literal with the SQL around it).
#define VOUCH_CHECK_FIELDS                                                                       \
  "deadline = ?2, next_check_at = ?3, last_verified_at = ?4, absent_since = ?5, attempts = ?6, " \
  "evidence = ?9, version = version + 1"
core::Status update_check_fields(Conn& c, const Claim& claim, const std::string& evidence,
                                 bool status_changed) {
  auto run = [&](Stmt s) {
    s.bind_static(9, evidence);
    s.bind(1, int64_t{status_code(claim.status)})
        .bind(2, to_nanos(claim.deadline))
        .bind(3, opt_nanos(claim.next_check_at))
        .bind(4, opt_nanos(claim.last_verified_at))
        .bind(5, opt_nanos(claim.absent_since))
        .bind(6, int64_t{claim.attempts})
        .bind(7, claim.seq)
        .bind(8, claim.version);
    return s.step() == SQLITE_DONE ? std::optional(sqlite3_changes(c.raw()) == 1) : std::nullopt;
  };
  if (!status_changed) {
    auto kept = run(c.prepare("UPDATE claims SET " VOUCH_CHECK_FIELDS
                              " WHERE seq = ?7 AND version = ?8 AND status = ?1"));
    if (!kept) return c.error("record check");
    if (*kept) return {};
  }
  auto written = run(c.prepare("UPDATE claims SET status = ?1, " VOUCH_CHECK_FIELDS
                               " WHERE seq = ?7 AND version = ?8"));
  if (!written) return c.error("record check");
  if (*written) return {};
  return lost_race(c, claim);
}
#undef VOUCH_CHECK_FIELDS

}  // namespace

Result<Claim> SqliteStore::record_check(Claim claim, const std::string& evidence,
                                        std::optional<core::StatusChange> change) {
  auto st = writer_->run([&](Conn& c) -> core::Status {
    if (auto s = update_row(c, claim, &evidence); !s.ok()) return s;
    return change ? write_history(c, claim, evidence, *change) : core::Status{};
  });
  if (!st.ok()) return st.error();
  ++claim.version;
  return claim;
}

std::vector<Result<Claim>> SqliteStore::record_checks(std::vector<core::CheckRecord> records) {
  // One group commit for the lot, a savepoint per chunk of kRecordChunk: after
  // each statement with a trigger (history had one until migration 16), SQLite truncates the
  // in-memory savepoint journal by walking it from its start, so a savepoint
  // costs the square of the pages it touched (a sweep of 1,024 records with a
  // webhook's deliveries spent most of its time there).
  auto run_each = [&](std::vector<GroupCommit::Write> fns) {
    return writer_->run_each(std::move(fns));
  };
  auto write = [](Conn& c, const core::CheckRecord& r) {
    return update_check_fields(c, r.claim, r.evidence, r.change.has_value());
  };
  // A chunk's history rows and events in one statement each, after its
  // updates: they carry the records' own values (a claim twice in a batch
  // gets each record's evidence), never what the rows read afterwards.
  return record_in_chunks_history_last<Conn>(std::move(records), kRecordChunk, run_each, write,
                                             write_histories);
}

Result<std::optional<std::string>> SqliteStore::last_evidence(const std::string& claim_id) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare("SELECT evidence FROM claims WHERE id = ?1");
  s.bind(1, claim_id);
  int rc = s.step();
  if (rc == SQLITE_DONE || (rc == SQLITE_ROW && s.null_at(0))) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return (*r).error("read evidence");
  return std::optional<std::string>(s.text_at(0));
}

Result<std::vector<core::StatusChange>> SqliteStore::history(const std::string& claim_id) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(
      "SELECT at, from_status, to_status FROM history "
      "WHERE claim_seq = (SELECT seq FROM claims WHERE id = ?1) ORDER BY at, rowid");
  s.bind(1, claim_id);
  std::vector<core::StatusChange> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back(
        {from_nanos(s.int_at(0)), status_from_code(s.int_at(1)), status_from_code(s.int_at(2))});
  }
  if (rc != SQLITE_DONE) return (*r).error("read history");
  return out;
}

Result<bool> SqliteStore::delete_claim(const Scope& scope, const std::string& id) {
  bool deleted = false;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("DELETE FROM claims WHERE id = ?1 AND account_id = ?2 AND region = ?3 "
                       "RETURNING seq");
    s.bind(1, id).bind(2, scope.account_id).bind(3, scope.region);
    int rc = s.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return c.error("delete claim");
    deleted = rc == SQLITE_ROW;
    if (!deleted) return {};
    const int64_t seq = s.int_at(0);
    if (s.step() != SQLITE_DONE) return c.error("delete claim");
    // Its evidence went with its row; its history and undelivered mail (whose
    // links are dead now) go too.
    Stmt h = c.prepare("DELETE FROM history WHERE claim_seq = ?1");
    h.bind(1, seq);
    Stmt m = c.prepare("UPDATE outbox SET state = 2, last_error = 'identity deleted before "
                       "delivery' WHERE claim_id = ?1 AND state = 0");
    m.bind(1, id);
    if (h.step() != SQLITE_DONE || m.step() != SQLITE_DONE) return c.error("delete history");
    return {};
  });
  if (!st.ok()) return st.error();
  return deleted;
}

Result<std::vector<Claim>> SqliteStore::due_claims(core::TimePoint now, size_t limit) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(kSelect + "WHERE next_check_at <= ?1 ORDER BY next_check_at, seq LIMIT ?2");
  s.bind(1, to_nanos(now)).bind(2, static_cast<int64_t>(limit));
  return collect(*r, s, limit);
}

Result<std::vector<Claim>> SqliteStore::due_claims_after(core::TimePoint now,
                                                         const DueCursor& after, size_t limit) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  // The claims_due index holds (next_check_at, seq): the row-value
  // comparison seeks straight to the cursor.
  Stmt s = (*r).prepare(kSelect + "WHERE next_check_at <= ?1 AND (next_check_at, seq) > (?2, ?3) "
                                  "ORDER BY next_check_at, seq LIMIT ?4");
  s.bind(1, to_nanos(now))
      .bind(2, to_nanos(after.next_check_at))
      .bind(3, after.seq)
      .bind(4, static_cast<int64_t>(limit));
  return collect(*r, s, limit);
}

Result<core::Store::DueCount> SqliteStore::count_due_claims(core::TimePoint now, size_t cap) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  // Only the claims_due index: no row is read.
  Stmt s = (*r).prepare(
      "SELECT count(*), min(next_check_at) FROM (SELECT next_check_at FROM claims "
      "WHERE next_check_at <= ?1 ORDER BY next_check_at, seq LIMIT ?2)");
  s.bind(1, to_nanos(now)).bind(2, static_cast<int64_t>(cap));
  if (s.step() != SQLITE_ROW) return (*r).error("count due claims");
  DueCount out;
  out.count = static_cast<size_t>(s.int_at(0));
  if (!s.null_at(1)) out.oldest = from_nanos(s.int_at(1));
  return out;
}

Result<std::vector<Claim>> SqliteStore::lease_due_claims(core::TimePoint now,
                                                         core::TimePoint lease_until,
                                                         size_t limit) {
  Result<std::vector<Claim>> out = std::vector<Claim>{};
  // On the writer: the read and the lease are one transaction, so two
  // callers never lease the same claim.
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare(kSelect + "WHERE next_check_at <= ?1 ORDER BY next_check_at, seq LIMIT ?2");
    s.bind(1, to_nanos(now)).bind(2, static_cast<int64_t>(limit));
    out = collect(c, s, limit);
    if (!out.ok()) return out.error();
    for (const auto& claim : *out) {
      Stmt u = c.prepare("UPDATE claims SET next_check_at = ?1 WHERE seq = ?2");
      u.bind(1, to_nanos(lease_until)).bind(2, claim.seq);
      if (u.step() != SQLITE_DONE) return c.error("lease claims");
    }
    return {};
  });
  if (!st.ok()) return st.error();
  return out;
}

core::Status SqliteStore::put_account(const core::Account& a) {
  return writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("INSERT OR REPLACE INTO accounts (access_key_id, account_id, "
                       "secret_access_key) VALUES (?1, ?2, ?3)");
    s.bind(1, a.access_key_id).bind(2, a.account_id).bind(3, a.secret_access_key);
    if (s.step() != SQLITE_DONE) return c.error("put account");
    return {};
  });
}

Result<std::optional<core::Account>> SqliteStore::find_account(const std::string& access_key_id) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(
      "SELECT account_id, secret_access_key FROM accounts WHERE access_key_id = ?1");
  s.bind(1, access_key_id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<core::Account>();
  if (rc != SQLITE_ROW) return (*r).error("find account");
  return std::optional<core::Account>(core::Account{s.text_at(0), access_key_id, s.text_at(1)});
}

Result<bool> SqliteStore::delete_account(const std::string& access_key_id) {
  bool deleted = false;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("DELETE FROM accounts WHERE access_key_id = ?1");
    s.bind(1, access_key_id);
    if (s.step() != SQLITE_DONE) return c.error("delete account");
    deleted = sqlite3_changes(c.raw()) > 0;
    return {};
  });
  if (!st.ok()) return st.error();
  return deleted;
}

Result<std::vector<core::Account>> SqliteStore::list_accounts() {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(
      "SELECT account_id, access_key_id, secret_access_key FROM accounts ORDER BY access_key_id");
  std::vector<core::Account> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text_at(0), s.text_at(1), s.text_at(2)});
  if (rc != SQLITE_DONE) return (*r).error("list accounts");
  return out;
}

core::Status SqliteStore::clear_claims() {
  return writer_->run([](Conn& c) {
    return c.exec(
        "DELETE FROM claims; DELETE FROM idempotency; DELETE FROM history; DELETE FROM outbox; "
        "DELETE FROM templates; DELETE FROM events; DELETE FROM webhook_deliveries; "
        "DELETE FROM webhooks;");
  });
}

}  // namespace vouch::store::sqlite
