// Custom verification email templates of SqliteStore.
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::store::sqlite {

using core::Result;
using core::VerificationTemplate;

namespace {

constexpr const char* kColumns =
    "SELECT seq, account_id, region, name, mail_from, subject, content, success_url, failure_url "
    "FROM templates ";

VerificationTemplate read_template(const Stmt& s) {
  VerificationTemplate t;
  t.seq = s.int_at(0);
  t.scope = {s.text_at(1), s.text_at(2)};
  t.name = s.text_at(3);
  t.from = s.text_at(4);
  t.subject = s.text_at(5);
  t.content = s.text_at(6);
  t.success_url = s.text_at(7);
  t.failure_url = s.text_at(8);
  return t;
}

}  // namespace

core::Status insert_template_row(Conn& c, const VerificationTemplate& t) {
  Stmt s = c.prepare(
      "INSERT INTO templates (seq, account_id, region, name, mail_from, subject, content, "
      "success_url, failure_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.bind(1, t.seq > 0 ? std::optional<int64_t>(t.seq) : std::nullopt)
      .bind(2, t.scope.account_id)
      .bind(3, t.scope.region)
      .bind(4, t.name)
      .bind(5, t.from)
      .bind(6, t.subject)
      .bind(7, t.content)
      .bind(8, t.success_url)
      .bind(9, t.failure_url);
  if (s.step() != SQLITE_DONE) return c.error("insert template");
  return {};
}

core::Status read_templates(Conn& c, std::vector<VerificationTemplate>& out) {
  Stmt s = c.prepare(std::string(kColumns) + "ORDER BY seq");
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_template(s));
  if (rc != SQLITE_DONE) return c.error("read templates");
  return {};
}

Result<VerificationTemplate> SqliteStore::insert_template(VerificationTemplate t, size_t quota) {
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt count = c.prepare(
        "SELECT count(*), sum(name = ?3) FROM templates WHERE account_id = ?1 AND region = ?2");
    count.bind(1, t.scope.account_id).bind(2, t.scope.region).bind(3, t.name);
    if (count.step() != SQLITE_ROW) return c.error("count templates");
    if (count.int_at(1) > 0) {
      return core::Error{core::ErrorCode::kConflict, "template exists", t.name, {}};
    }
    if (quota > 0 && static_cast<size_t>(count.int_at(0)) >= quota) {
      return core::Error{core::ErrorCode::kQuotaExceeded, "template quota", t.name, {}};
    }
    t.seq = 0;
    if (auto s = insert_template_row(c, t); !s.ok()) return s;
    t.seq = sqlite3_last_insert_rowid(c.raw());
    return {};
  });
  if (!st.ok()) return st.error();
  return t;
}

core::Status SqliteStore::update_template(const VerificationTemplate& t) {
  return writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare(
        "UPDATE templates SET mail_from = ?4, subject = ?5, content = ?6, success_url = ?7, "
        "failure_url = ?8 WHERE account_id = ?1 AND region = ?2 AND name = ?3");
    s.bind(1, t.scope.account_id)
        .bind(2, t.scope.region)
        .bind(3, t.name)
        .bind(4, t.from)
        .bind(5, t.subject)
        .bind(6, t.content)
        .bind(7, t.success_url)
        .bind(8, t.failure_url);
    if (s.step() != SQLITE_DONE) return c.error("update template");
    if (sqlite3_changes(c.raw()) == 0) return core::not_found("no such template", t.name);
    return {};
  });
}

Result<std::optional<VerificationTemplate>> SqliteStore::get_template(const core::Scope& scope,
                                                                      const std::string& name) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(std::string(kColumns) +
                        "WHERE account_id = ?1 AND region = ?2 AND name = ?3");
  s.bind(1, scope.account_id).bind(2, scope.region).bind(3, name);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<VerificationTemplate>();
  if (rc != SQLITE_ROW) return (*r).error("read template");
  return std::optional<VerificationTemplate>(read_template(s));
}

Result<bool> SqliteStore::delete_template(const core::Scope& scope, const std::string& name) {
  bool deleted = false;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("DELETE FROM templates WHERE account_id = ?1 AND region = ?2 AND name = ?3");
    s.bind(1, scope.account_id).bind(2, scope.region).bind(3, name);
    if (s.step() != SQLITE_DONE) return c.error("delete template");
    deleted = sqlite3_changes(c.raw()) > 0;
    return {};
  });
  if (!st.ok()) return st.error();
  return deleted;
}

Result<std::vector<VerificationTemplate>> SqliteStore::list_templates(const core::Scope& scope,
                                                                      int64_t after_seq,
                                                                      size_t limit) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(std::string(kColumns) +
                        "WHERE account_id = ?1 AND region = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4");
  s.bind(1, scope.account_id)
      .bind(2, scope.region)
      .bind(3, after_seq)
      .bind(4, static_cast<int64_t>(limit));
  std::vector<VerificationTemplate> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_template(s));
  if (rc != SQLITE_DONE) return (*r).error("list templates");
  return out;
}

}  // namespace vouch::store::sqlite
