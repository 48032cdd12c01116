// The outbox half of SqliteStore.
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::store::sqlite {

using core::Mail;
using core::Result;

namespace {

Result<std::vector<Mail>> collect_mail(Conn& c, Stmt& s) {
  std::vector<Mail> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_mail(s));
  if (rc != SQLITE_DONE) return c.error("read outbox");
  return out;
}

}  // namespace

Result<Mail> SqliteStore::enqueue_mail(Mail m) {
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("INSERT INTO outbox (claim_id, account_id, region, mail_from, mail_to, "
                       "subject, text_body, html_body, created_at, state, attempts, "
                       "next_attempt_at, sent_at, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                       "?8, ?9, ?10, ?11, ?12, NULL, ?13)");
    bind_mail(s, m);
    if (s.step() != SQLITE_DONE) return c.error("enqueue mail");
    m.id = sqlite3_last_insert_rowid(c.raw());
    return {};
  });
  if (!st.ok()) return st.error();
  return m;
}

core::Status SqliteStore::update_mail(const Mail& m) {
  return writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("UPDATE outbox SET state = ?1, attempts = ?2, next_attempt_at = ?3, "
                       "sent_at = ?4, last_error = ?5 WHERE id = ?6");
    std::optional<int64_t> sent;
    if (m.sent_at) sent = to_nanos(*m.sent_at);
    s.bind(1, mail_state_code(m.state))
        .bind(2, int64_t{m.attempts})
        .bind(3, to_nanos(m.next_attempt_at))
        .bind(4, sent)
        .bind(5, m.last_error)
        .bind(6, m.id);
    if (s.step() != SQLITE_DONE) return c.error("update mail");
    return {};
  });
}

Result<std::vector<Mail>> SqliteStore::due_mail(core::TimePoint now, size_t limit) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(
      std::string(kMailColumns) +
      "WHERE state = 0 AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2");
  s.bind(1, to_nanos(now)).bind(2, static_cast<int64_t>(limit));
  return collect_mail(*r, s);
}

Result<std::vector<Mail>> SqliteStore::lease_due_mail(core::TimePoint now,
                                                      core::TimePoint lease_until, size_t limit) {
  Result<std::vector<Mail>> out = std::vector<Mail>{};
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare(
        std::string(kMailColumns) +
        "WHERE state = 0 AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2");
    s.bind(1, to_nanos(now)).bind(2, static_cast<int64_t>(limit));
    out = collect_mail(c, s);
    if (!out.ok()) return out.error();
    for (const auto& m : *out) {
      Stmt u = c.prepare("UPDATE outbox SET next_attempt_at = ?1 WHERE id = ?2");
      u.bind(1, to_nanos(lease_until)).bind(2, m.id);
      if (u.step() != SQLITE_DONE) return c.error("lease mail");
    }
    return {};
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Mail>> SqliteStore::list_mail(const std::optional<std::string>& address,
                                                 const std::optional<int64_t>& id) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(
      std::string(kMailColumns) +
      "WHERE (?1 IS NULL OR mail_to = ?1 OR mail_from = ?1) AND (?2 IS NULL OR id = ?2) "
      "ORDER BY id");
  if (address) s.bind(1, *address);
  s.bind(2, id);
  return collect_mail(*r, s);
}

Result<size_t> SqliteStore::count_queued_mail() {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare("SELECT count(*) FROM outbox WHERE state = 0");
  if (s.step() != SQLITE_ROW) return (*r).error("count outbox");
  return static_cast<size_t>(s.int_at(0));
}

core::Status SqliteStore::clear_mail() {
  return writer_->run([](Conn& c) { return c.exec("DELETE FROM outbox"); });
}

Result<std::optional<core::TimePoint>> SqliteStore::last_mail_to(const core::Scope& scope,
                                                                 const std::string& to) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare("SELECT max(created_at) FROM outbox WHERE mail_to = ?1 AND account_id = ?2 "
                        "AND region = ?3 AND NOT (state = 2 AND attempts > 0)");
  s.bind(1, to).bind(2, scope.account_id).bind(3, scope.region);
  if (s.step() != SQLITE_ROW) return (*r).error("read outbox");
  if (s.null_at(0)) return std::optional<core::TimePoint>();
  return std::optional<core::TimePoint>(from_nanos(s.int_at(0)));
}

Result<std::vector<Mail>> SqliteStore::list_mail_page(const MailQuery& q) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(
      std::string(kMailColumns) +
      "WHERE hidden = 0 AND id > ?1 AND (?2 IS NULL OR (account_id = ?2 AND region = ?3)) "
      "AND (?4 IS NULL OR mail_to = ?4 OR mail_from = ?4) AND (?5 IS NULL OR id = ?5) "
      "ORDER BY id LIMIT ?6");
  s.bind(1, q.after_id);
  if (q.scope) s.bind(2, q.scope->account_id).bind(3, q.scope->region);
  if (q.address) s.bind(4, *q.address);
  s.bind(5, q.id).bind(6, static_cast<int64_t>(q.limit));
  return collect_mail(*r, s);
}

Result<size_t> SqliteStore::hide_mail(const std::optional<core::Scope>& scope) {
  size_t n = 0;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("UPDATE outbox SET hidden = 1 WHERE state != 0 AND hidden = 0 AND "
                       "(?1 IS NULL OR (account_id = ?1 AND region = ?2))");
    if (scope) s.bind(1, scope->account_id).bind(2, scope->region);
    if (s.step() != SQLITE_DONE) return c.error("hide mail");
    n = static_cast<size_t>(sqlite3_changes(c.raw()));
    return {};
  });
  if (!st.ok()) return st.error();
  return n;
}

Result<size_t> SqliteStore::prune_mail(core::TimePoint before, size_t limit) {
  size_t n = 0;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state != 0 "
                       "AND created_at < ?1 LIMIT ?2)");
    s.bind(1, to_nanos(before)).bind(2, static_cast<int64_t>(limit));
    if (s.step() != SQLITE_DONE) return c.error("prune mail");
    n = static_cast<size_t>(sqlite3_changes(c.raw()));
    return {};
  });
  if (!st.ok()) return st.error();
  return n;
}

Result<std::optional<core::Claim>> SqliteStore::get_claim_by_id(const std::string& id) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(std::string("SELECT ") + kClaimColumns + " FROM claims WHERE id = ?1");
  s.bind(1, id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<core::Claim>();
  if (rc != SQLITE_ROW) return (*r).error("read claim");
  return std::optional<core::Claim>(read_claim(s));
}

}  // namespace vouch::store::sqlite
