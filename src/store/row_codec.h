// How claims and mail become rows, for every backend: the codes stored for
// enums (never renumber: they are on disk), times as int64 nanoseconds, and
// the column order. A backend reads through a row accessor and binds through
// a callback, so the mapping itself is written once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/claim.h"
#include "core/mail.h"

namespace vouch::store {

// Claim columns in the order read_claim expects them.
#define VOUCH_CLAIM_COLUMNS                                                                         \
  "seq, id, account_id, region, kind, subject, record_name, token, status, created_at, "            \
  "deadline, next_check_at, last_verified_at, absent_since, attempts, dkim_tokens, tags, version, " \
  "reject_on_mx_failure"
// Mail columns in the order read_mail expects them.
#define VOUCH_MAIL_COLUMNS                                                                \
  "id, claim_id, account_id, region, mail_from, mail_to, subject, text_body, html_body, " \
  "created_at, state, attempts, next_attempt_at, sent_at, last_error"

int kind_code(core::ClaimKind k);
core::ClaimKind kind_from_code(int64_t c);  // unknown codes read as kSesDomain
int status_code(core::ClaimStatus s);
core::ClaimStatus status_from_code(int64_t c);  // unknown codes read as kPending
int mail_state_code(core::Mail::State s);
core::Mail::State mail_state_from_code(int64_t c);

int64_t to_nanos(core::TimePoint t);
core::TimePoint from_nanos(int64_t n);
std::optional<int64_t> opt_nanos(const std::optional<core::TimePoint>& t);  // NULL when absent

std::string join_tokens(const std::vector<std::string>& v);
std::vector<std::string> split_tokens(const std::string& s);
std::string tags_json(const core::Tags& tags);
core::Tags tags_from_json(const std::string& text);  // malformed text: no tags

// Row: int_at(col), text_at(col), null_at(col) for the current row.
template <typename Row>
std::optional<core::TimePoint> opt_time(const Row& r, int col) {
  if (r.null_at(col)) return std::nullopt;
  return from_nanos(r.int_at(col));
}

// Reads columns 0.. in VOUCH_CLAIM_COLUMNS order.
template <typename Row>
core::Claim read_claim(const Row& r) {
  core::Claim c;
  c.seq = r.int_at(0);
  c.id = r.text_at(1);
  c.scope.account_id = r.text_at(2);
  c.scope.region = r.text_at(3);
  c.kind = kind_from_code(r.int_at(4));
  c.subject = r.text_at(5);
  c.record_name = r.text_at(6);
  c.token = r.text_at(7);
  c.status = status_from_code(r.int_at(8));
  c.created_at = from_nanos(r.int_at(9));
  c.deadline = from_nanos(r.int_at(10));
  c.next_check_at = opt_time(r, 11);
  c.last_verified_at = opt_time(r, 12);
  c.absent_since = opt_time(r, 13);
  c.attempts = static_cast<int>(r.int_at(14));
  c.dkim_tokens = split_tokens(r.text_at(15));
  c.tags = tags_from_json(r.text_at(16));
  c.version = r.int_at(17);
  c.reject_on_mx_failure = r.int_at(18) != 0;
  return c;
}

// Reads columns 0.. in VOUCH_MAIL_COLUMNS order.
template <typename Row>
core::Mail read_mail(const Row& r) {
  core::Mail m;
  m.id = r.int_at(0);
  m.claim_id = r.text_at(1);
  m.scope = {r.text_at(2), r.text_at(3)};
  m.from = r.text_at(4);
  m.to = r.text_at(5);
  m.subject = r.text_at(6);
  m.text_body = r.text_at(7);
  m.html_body = r.text_at(8);
  m.created_at = from_nanos(r.int_at(9));
  m.state = mail_state_from_code(r.int_at(10));
  m.attempts = static_cast<int>(r.int_at(11));
  m.next_attempt_at = from_nanos(r.int_at(12));
  m.sent_at = opt_time(r, 13);
  m.last_error = r.text_at(14);
  return m;
}

// Calls `f` with every claim column but seq and version, in
// VOUCH_CLAIM_COLUMNS order (id .. tags, reject_on_mx_failure: 17 values), each a
// std::string_view (valid only during the call: copy it), an int64_t or a
// std::optional<int64_t>.
template <typename F>
void each_claim_value(const core::Claim& c, F&& f) {
  const std::string tokens = join_tokens(c.dkim_tokens);
  const std::string tags = tags_json(c.tags);
  f(std::string_view(c.id));
  f(std::string_view(c.scope.account_id));
  f(std::string_view(c.scope.region));
  f(int64_t{kind_code(c.kind)});
  f(std::string_view(c.subject));
  f(std::string_view(c.record_name));
  f(std::string_view(c.token));
  f(int64_t{status_code(c.status)});
  f(to_nanos(c.created_at));
  f(to_nanos(c.deadline));
  f(opt_nanos(c.next_check_at));
  f(opt_nanos(c.last_verified_at));
  f(opt_nanos(c.absent_since));
  f(int64_t{c.attempts});
  f(std::string_view(tokens));
  f(std::string_view(tags));
  f(int64_t{c.reject_on_mx_failure ? 1 : 0});
}

// The same for mail: claim_id .. next_attempt_at, then last_error (13 values;
// VOUCH_MAIL_COLUMNS without id and sent_at).
template <typename F>
void each_mail_value(const core::Mail& m, F&& f) {
  f(std::string_view(m.claim_id));
  f(std::string_view(m.scope.account_id));
  f(std::string_view(m.scope.region));
  f(std::string_view(m.from));
  f(std::string_view(m.to));
  f(std::string_view(m.subject));
  f(std::string_view(m.text_body));
  f(std::string_view(m.html_body));
  f(to_nanos(m.created_at));
  f(int64_t{mail_state_code(m.state)});
  f(int64_t{m.attempts});
  f(to_nanos(m.next_attempt_at));
  f(std::string_view(m.last_error));
}

}  // namespace vouch::store
