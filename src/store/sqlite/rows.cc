#include "store/sqlite/rows.h"

#include <nlohmann/json.hpp>

namespace vouch::store::sqlite {

using core::ClaimKind;
using core::ClaimStatus;

int kind_code(ClaimKind k) {
  switch (k) {
    case ClaimKind::kSesDomain: return 0;
    case ClaimKind::kSesEmail: return 1;
    case ClaimKind::kLatticeDomain: return 2;
    case ClaimKind::kSesDkim: return 3;
  }
  return -1;
}

std::optional<ClaimKind> kind_from_code(int64_t c) {
  switch (c) {
    case 0: return ClaimKind::kSesDomain;
    case 1: return ClaimKind::kSesEmail;
    case 2: return ClaimKind::kLatticeDomain;
    case 3: return ClaimKind::kSesDkim;
  }
  return std::nullopt;
}

int status_code(ClaimStatus s) {
  switch (s) {
    case ClaimStatus::kPending: return 0;
    case ClaimStatus::kVerified: return 1;
    case ClaimStatus::kUnconfirmed: return 2;
    case ClaimStatus::kFailed: return 3;
  }
  return -1;
}

std::optional<ClaimStatus> status_from_code(int64_t c) {
  switch (c) {
    case 0: return ClaimStatus::kPending;
    case 1: return ClaimStatus::kVerified;
    case 2: return ClaimStatus::kUnconfirmed;
    case 3: return ClaimStatus::kFailed;
  }
  return std::nullopt;
}

int64_t to_nanos(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

core::TimePoint from_nanos(int64_t n) {
  return core::TimePoint(
      std::chrono::duration_cast<core::TimePoint::duration>(std::chrono::nanoseconds(n)));
}

std::optional<int64_t> opt_nanos(const std::optional<core::TimePoint>& t) {
  if (!t) return std::nullopt;
  return to_nanos(*t);
}

namespace {

std::optional<core::TimePoint> opt_time(const Stmt& s, int col) {
  if (s.null_at(col)) return std::nullopt;
  return from_nanos(s.int_at(col));
}

std::string join_tokens(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& t : v) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

std::vector<std::string> split_tokens(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

core::Claim read_claim(const Stmt& s) {
  core::Claim c;
  c.seq = s.int_at(0);
  c.id = s.text_at(1);
  c.scope.account_id = s.text_at(2);
  c.scope.region = s.text_at(3);
  c.kind = kind_from_code(s.int_at(4)).value_or(ClaimKind::kSesDomain);
  c.subject = s.text_at(5);
  c.record_name = s.text_at(6);
  c.token = s.text_at(7);
  c.status = status_from_code(s.int_at(8)).value_or(ClaimStatus::kPending);
  c.created_at = from_nanos(s.int_at(9));
  c.deadline = from_nanos(s.int_at(10));
  c.next_check_at = opt_time(s, 11);
  c.last_verified_at = opt_time(s, 12);
  c.absent_since = opt_time(s, 13);
  c.attempts = static_cast<int>(s.int_at(14));
  c.dkim_tokens = split_tokens(s.text_at(15));
  const std::string tags_text = s.text_at(16);
  auto tags = tags_text == "{}" ? nlohmann::json()
                                : nlohmann::json::parse(tags_text, nullptr, false);
  if (tags.is_object()) {
    for (auto& [k, v] : tags.items()) {
      if (v.is_string()) c.tags.emplace(k, v.get<std::string>());
    }
  }
  c.version = s.int_at(17);
  return c;
}

void bind_claim(Stmt& s, const core::Claim& c) {
  nlohmann::json tags(c.tags);
  s.bind(1, c.id)
      .bind(2, c.scope.account_id)
      .bind(3, c.scope.region)
      .bind(4, int64_t{kind_code(c.kind)})
      .bind(5, c.subject)
      .bind(6, c.record_name)
      .bind(7, c.token)
      .bind(8, int64_t{status_code(c.status)})
      .bind(9, to_nanos(c.created_at))
      .bind(10, to_nanos(c.deadline))
      .bind(11, opt_nanos(c.next_check_at))
      .bind(12, opt_nanos(c.last_verified_at))
      .bind(13, opt_nanos(c.absent_since))
      .bind(14, int64_t{c.attempts})
      .bind(15, join_tokens(c.dkim_tokens))
      .bind(16, tags.dump());
}

core::Mail read_mail(const Stmt& s) {
  core::Mail m;
  m.id = s.int_at(0);
  m.claim_id = s.text_at(1);
  m.scope = {s.text_at(2), s.text_at(3)};
  m.from = s.text_at(4);
  m.to = s.text_at(5);
  m.subject = s.text_at(6);
  m.text_body = s.text_at(7);
  m.html_body = s.text_at(8);
  m.created_at = from_nanos(s.int_at(9));
  const int64_t state = s.int_at(10);
  m.state = state == 1   ? core::Mail::State::kSent
            : state == 2 ? core::Mail::State::kFailed
                         : core::Mail::State::kQueued;
  m.attempts = static_cast<int>(s.int_at(11));
  m.next_attempt_at = from_nanos(s.int_at(12));
  if (!s.null_at(13)) m.sent_at = from_nanos(s.int_at(13));
  m.last_error = s.text_at(14);
  return m;
}

int64_t mail_state_code(core::Mail::State s) {
  return s == core::Mail::State::kSent ? 1 : s == core::Mail::State::kFailed ? 2 : 0;
}

void bind_mail(Stmt& s, const core::Mail& m) {
  s.bind(1, m.claim_id)
      .bind(2, m.scope.account_id)
      .bind(3, m.scope.region)
      .bind(4, m.from)
      .bind(5, m.to)
      .bind(6, m.subject)
      .bind(7, m.text_body)
      .bind(8, m.html_body)
      .bind(9, to_nanos(m.created_at))
      .bind(10, mail_state_code(m.state))
      .bind(11, int64_t{m.attempts})
      .bind(12, to_nanos(m.next_attempt_at))
      .bind(13, m.last_error);
}

}  // namespace vouch::store::sqlite
