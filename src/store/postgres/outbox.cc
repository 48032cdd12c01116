// The outbox half of PostgresStore.
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace vouch::store::postgres {

using core::Mail;
using core::Result;

#define SELECT_MAIL "SELECT " VOUCH_MAIL_COLUMNS " FROM outbox "

namespace {

constexpr Query kEnqueue{
    "enqueue_mail",
    "INSERT INTO outbox (claim_id, account_id, region, mail_from, mail_to, subject, text_body, "
    "html_body, created_at, state, attempts, next_attempt_at, sent_at, last_error) VALUES ($1, "
    "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13) RETURNING id"};
constexpr Query kUpdate{"update_mail",
                        "UPDATE outbox SET state = $1, attempts = $2, next_attempt_at = $3, "
                        "sent_at = $4, last_error = $5 WHERE id = $6"};
constexpr Query kDue{"due_mail", SELECT_MAIL
                     "WHERE state = 0 AND next_attempt_at <= $1 ORDER BY next_attempt_at, id "
                     "LIMIT $2"};
// The messages as they were (d.next_attempt_at is the time before the lease).
constexpr Query kLeaseDue{
    "lease_due_mail",
    "WITH d AS (SELECT id, next_attempt_at FROM outbox WHERE state = 0 AND next_attempt_at <= $1 "
    "ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
    "UPDATE outbox o SET next_attempt_at = $2 FROM d WHERE o.id = d.id RETURNING o.id, "
    "o.claim_id, o.account_id, o.region, o.mail_from, o.mail_to, o.subject, o.text_body, "
    "o.html_body, o.created_at, o.state, o.attempts, d.next_attempt_at, o.sent_at, o.last_error"};
constexpr Query kList{"list_mail",
                      SELECT_MAIL "WHERE ($1::text IS NULL OR mail_to = $1 OR mail_from = $1) "
                                  "AND ($2::bigint IS NULL OR id = $2) ORDER BY id"};
constexpr Query kCountQueued{"count_queued_mail", "SELECT count(*) FROM outbox WHERE state = 0"};
constexpr Query kClear{"clear_mail", "DELETE FROM outbox"};
constexpr Query kLastTo{"last_mail_to",
                        "SELECT max(created_at) FROM outbox WHERE mail_to = $1 AND account_id = $2 "
                        "AND region = $3 AND NOT (state = 2 AND attempts > 0)"};
constexpr Query kPage{"list_mail_page", SELECT_MAIL
                      "WHERE hidden = 0 AND id > $1 AND ($2::text IS NULL OR (account_id = $2 AND "
                      "region = $3)) AND ($4::text IS NULL OR mail_to = $4 OR mail_from = $4) AND "
                      "($5::bigint IS NULL OR id = $5) ORDER BY id LIMIT $6"};
constexpr Query kHide{"hide_mail",
                      "UPDATE outbox SET hidden = 1 WHERE state != 0 AND hidden = 0 AND "
                      "($1::text IS NULL OR (account_id = $1 AND region = $2))"};
constexpr Query kPrune{"prune_mail",
                       "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state != 0 "
                       "AND created_at < $1 LIMIT $2)"};

}  // namespace

Result<Mail> PostgresStore::enqueue_mail(Mail m) {
  Params params;
  mail_params(m, params);
  auto r = run(kEnqueue, params);
  if (!r.ok()) return r.error();
  m.id = r->int_at(0, 0);
  return m;
}

core::Status PostgresStore::update_mail(const Mail& m) {
  auto r = run(kUpdate,
               {p(int64_t{mail_state_code(m.state)}), p(int64_t{m.attempts}),
                p(to_nanos(m.next_attempt_at)), opt_nanos(m.sent_at), m.last_error, p(m.id)});
  if (!r.ok()) return r.error();
  return {};
}

Result<std::vector<Mail>> PostgresStore::due_mail(core::TimePoint now, size_t limit) {
  auto r = run(kDue, {p(to_nanos(now)), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return read_mails(*r);
}

Result<std::vector<Mail>> PostgresStore::lease_due_mail(core::TimePoint now,
                                                        core::TimePoint lease_until, size_t limit) {
  auto r = run(kLeaseDue,
               {p(to_nanos(now)), p(to_nanos(lease_until)), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  auto mail = read_mails(*r);
  std::sort(mail.begin(), mail.end(),
            [](const Mail& a, const Mail& b) {  // RETURNING keeps no order
              return a.next_attempt_at != b.next_attempt_at ? a.next_attempt_at < b.next_attempt_at
                                                            : a.id < b.id;
            });
  return mail;
}

Result<std::vector<Mail>> PostgresStore::list_mail(const std::optional<std::string>& address,
                                                   const std::optional<int64_t>& id) {
  auto r = run(kList, {address, p(id)});
  if (!r.ok()) return r.error();
  return read_mails(*r);
}

Result<size_t> PostgresStore::count_queued_mail() {
  auto r = run(kCountQueued);
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->int_at(0, 0));
}

core::Status PostgresStore::clear_mail() {
  auto r = run(kClear);
  if (!r.ok()) return r.error();
  return {};
}

Result<std::optional<core::TimePoint>> PostgresStore::last_mail_to(const core::Scope& scope,
                                                                   const std::string& to) {
  auto r = run(kLastTo, {to, scope.account_id, scope.region});
  if (!r.ok()) return r.error();
  if (r->null_at(0, 0)) return std::optional<core::TimePoint>();
  return std::optional<core::TimePoint>(from_nanos(r->int_at(0, 0)));
}

Result<std::vector<Mail>> PostgresStore::list_mail_page(const MailQuery& q) {
  Params params{p(q.after_id)};
  params.push_back(q.scope ? Param(q.scope->account_id) : std::nullopt);
  params.push_back(q.scope ? Param(q.scope->region) : std::nullopt);
  params.push_back(q.address);
  params.push_back(p(q.id));
  params.push_back(p(static_cast<int64_t>(q.limit)));
  auto r = run(kPage, params);
  if (!r.ok()) return r.error();
  return read_mails(*r);
}

Result<size_t> PostgresStore::hide_mail(const std::optional<core::Scope>& scope) {
  auto r = run(kHide, {scope ? Param(scope->account_id) : std::nullopt,
                       scope ? Param(scope->region) : std::nullopt});
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->affected());
}

Result<size_t> PostgresStore::prune_mail(core::TimePoint before, size_t limit) {
  auto r = run(kPrune, {p(to_nanos(before)), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->affected());
}

}  // namespace vouch::store::postgres
