// Custom verification email templates of PostgresStore.
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace vouch::store::postgres {

using core::Result;
using core::VerificationTemplate;

namespace {

#define VOUCH_TEMPLATE_COLUMNS \
  "seq, account_id, region, name, mail_from, subject, content, success_url, failure_url"

// Creates in one scope take turns, so the count and the insert agree.
constexpr Query kLockTemplates{
    "lock_templates", "SELECT pg_advisory_xact_lock(hashtext('templates/' || $1 || '/' || $2))"};
constexpr Query kCountTemplates{"count_templates",
                                "SELECT count(*), count(*) FILTER (WHERE name = $3) FROM templates "
                                "WHERE account_id = $1 AND region = $2"};
constexpr Query kInsertTemplate{
    "insert_template",
    "INSERT INTO templates (account_id, region, name, mail_from, subject, content, success_url, "
    "failure_url) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq"};
constexpr Query kRestoreTemplate{
    "restore_template",
    "INSERT INTO templates (account_id, region, name, mail_from, subject, content, success_url, "
    "failure_url, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
constexpr Query kMoveTemplateSeq{
    "restore_template_seq",
    "SELECT setval(pg_get_serial_sequence('templates', 'seq'), GREATEST(max(seq), 1), "
    "max(seq) IS NOT NULL) FROM templates"};
constexpr Query kUpdateTemplate{
    "update_template",
    "UPDATE templates SET mail_from = $4, subject = $5, content = $6, success_url = $7, "
    "failure_url = $8 WHERE account_id = $1 AND region = $2 AND name = $3"};
constexpr Query kGetTemplate{"get_template", "SELECT " VOUCH_TEMPLATE_COLUMNS
                                             " FROM templates WHERE account_id = $1 AND "
                                             "region = $2 AND name = $3"};
constexpr Query kDeleteTemplate{
    "delete_template", "DELETE FROM templates WHERE account_id = $1 AND region = $2 AND name = $3"};
constexpr Query kListTemplates{"list_templates",
                               "SELECT " VOUCH_TEMPLATE_COLUMNS
                               " FROM templates WHERE account_id = $1 AND region = $2 AND "
                               "seq > $3 ORDER BY seq LIMIT $4"};
constexpr Query kAllTemplates{"snap_templates",
                              "SELECT " VOUCH_TEMPLATE_COLUMNS " FROM templates ORDER BY seq"};

VerificationTemplate read_template(const Res& r, int i) {
  VerificationTemplate t;
  t.seq = r.int_at(i, 0);
  t.scope = {r.text_at(i, 1), r.text_at(i, 2)};
  t.name = r.text_at(i, 3);
  t.from = r.text_at(i, 4);
  t.subject = r.text_at(i, 5);
  t.content = r.text_at(i, 6);
  t.success_url = r.text_at(i, 7);
  t.failure_url = r.text_at(i, 8);
  return t;
}

std::vector<VerificationTemplate> read_all(const Res& r) {
  std::vector<VerificationTemplate> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_template(r, i));
  return out;
}

// The columns every write names, in kInsertTemplate's order.
Params template_params(const VerificationTemplate& t) {
  return {t.scope.account_id, t.scope.region, t.name,        t.from,
          t.subject,          t.content,      t.success_url, t.failure_url};
}

}  // namespace

core::Status read_templates(Conn& c, std::vector<VerificationTemplate>& out) {
  auto r = c.run(kAllTemplates);
  if (!r.ok()) return r.error();
  out = read_all(*r);
  return {};
}

core::Status write_templates(Conn& c, const std::vector<VerificationTemplate>& templates) {
  for (const auto& t : templates) {
    Params params = template_params(t);
    params.push_back(p(t.seq));
    if (auto r = c.run(kRestoreTemplate, params); !r.ok()) return r.error();
  }
  if (auto r = c.run(kMoveTemplateSeq); !r.ok()) return r.error();
  return {};
}

Result<VerificationTemplate> PostgresStore::insert_template(VerificationTemplate t, size_t quota) {
  auto st = in_tx([&](Conn& c) -> core::Status {
    const core::Scope& s = t.scope;
    if (auto r = c.run(kLockTemplates, {s.account_id, s.region}); !r.ok()) return r.error();
    auto n = c.run(kCountTemplates, {s.account_id, s.region, t.name});
    if (!n.ok()) return n.error();
    if (n->int_at(0, 1) > 0) {
      return core::Error{core::ErrorCode::kConflict, "template exists", t.name, {}};
    }
    if (quota > 0 && static_cast<size_t>(n->int_at(0, 0)) >= quota) {
      return core::Error{core::ErrorCode::kQuotaExceeded, "template quota", t.name, {}};
    }
    auto r = c.run(kInsertTemplate, template_params(t));
    if (!r.ok()) return r.error();
    t.seq = r->int_at(0, 0);
    return {};
  });
  if (!st.ok()) return st.error();
  return t;
}

core::Status PostgresStore::update_template(const VerificationTemplate& t) {
  auto r = run(kUpdateTemplate, template_params(t));
  if (!r.ok()) return r.error();
  if (r->affected() == 0) return core::not_found("no such template", t.name);
  return {};
}

Result<std::optional<VerificationTemplate>> PostgresStore::get_template(const core::Scope& scope,
                                                                        const std::string& name) {
  auto r = run(kGetTemplate, {scope.account_id, scope.region, name});
  if (!r.ok()) return r.error();
  if (r->rows() == 0) return std::optional<VerificationTemplate>();
  return std::optional<VerificationTemplate>(read_template(*r, 0));
}

Result<bool> PostgresStore::delete_template(const core::Scope& scope, const std::string& name) {
  auto r = run(kDeleteTemplate, {scope.account_id, scope.region, name});
  if (!r.ok()) return r.error();
  return r->affected() > 0;
}

Result<std::vector<VerificationTemplate>> PostgresStore::list_templates(const core::Scope& scope,
                                                                        int64_t after_seq,
                                                                        size_t limit) {
  auto r = run(kListTemplates,
               {scope.account_id, scope.region, p(after_seq), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return read_all(*r);
}

}  // namespace vouch::store::postgres
