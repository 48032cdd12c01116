#include "store/postgres/rows.h"

#include <nlohmann/json.hpp>

namespace vouch::store::postgres {

using core::ClaimKind;
using core::ClaimStatus;
using core::Mail;

int kind_code(ClaimKind k) {
  switch (k) {
    case ClaimKind::kSesDomain: return 0;
    case ClaimKind::kSesEmail: return 1;
    case ClaimKind::kLatticeDomain: return 2;
    case ClaimKind::kSesDkim: return 3;
  }
  return -1;
}

namespace {

ClaimKind kind_from_code(int64_t c) {
  switch (c) {
    case 1: return ClaimKind::kSesEmail;
    case 2: return ClaimKind::kLatticeDomain;
    case 3: return ClaimKind::kSesDkim;
    default: return ClaimKind::kSesDomain;
  }
}

std::optional<core::TimePoint> opt_time(const Res& r, int row, int col) {
  if (r.null_at(row, col)) return std::nullopt;
  return from_nanos(r.int_at(row, col));
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

int status_code(ClaimStatus s) {
  switch (s) {
    case ClaimStatus::kPending: return 0;
    case ClaimStatus::kVerified: return 1;
    case ClaimStatus::kUnconfirmed: return 2;
    case ClaimStatus::kFailed: return 3;
  }
  return -1;
}

ClaimStatus status_from_code(int64_t c) {
  switch (c) {
    case 1: return ClaimStatus::kVerified;
    case 2: return ClaimStatus::kUnconfirmed;
    case 3: return ClaimStatus::kFailed;
    default: return ClaimStatus::kPending;
  }
}

int mail_state_code(Mail::State s) {
  return s == Mail::State::kSent ? 1 : s == Mail::State::kFailed ? 2 : 0;
}

int64_t to_nanos(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

core::TimePoint from_nanos(int64_t n) {
  return core::TimePoint(
      std::chrono::duration_cast<core::TimePoint::duration>(std::chrono::nanoseconds(n)));
}

Param opt_nanos(const std::optional<core::TimePoint>& t) {
  if (!t) return std::nullopt;
  return p(to_nanos(*t));
}

core::Claim read_claim(const Res& r, int row) {
  core::Claim c;
  c.seq = r.int_at(row, 0);
  c.id = r.text_at(row, 1);
  c.scope.account_id = r.text_at(row, 2);
  c.scope.region = r.text_at(row, 3);
  c.kind = kind_from_code(r.int_at(row, 4));
  c.subject = r.text_at(row, 5);
  c.record_name = r.text_at(row, 6);
  c.token = r.text_at(row, 7);
  c.status = status_from_code(r.int_at(row, 8));
  c.created_at = from_nanos(r.int_at(row, 9));
  c.deadline = from_nanos(r.int_at(row, 10));
  c.next_check_at = opt_time(r, row, 11);
  c.last_verified_at = opt_time(r, row, 12);
  c.absent_since = opt_time(r, row, 13);
  c.attempts = static_cast<int>(r.int_at(row, 14));
  c.dkim_tokens = split_tokens(r.text_at(row, 15));
  const std::string tags_text = r.text_at(row, 16);
  if (tags_text != "{}") {
    auto tags = nlohmann::json::parse(tags_text, nullptr, false);
    if (tags.is_object()) {
      for (auto& [k, v] : tags.items()) {
        if (v.is_string()) c.tags.emplace(k, v.get<std::string>());
      }
    }
  }
  c.version = r.int_at(row, 17);
  return c;
}

std::vector<core::Claim> read_claims(const Res& r) {
  std::vector<core::Claim> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_claim(r, i));
  return out;
}

void claim_params(const core::Claim& c, Params& out) {
  out.push_back(c.id);
  out.push_back(c.scope.account_id);
  out.push_back(c.scope.region);
  out.push_back(p(int64_t{kind_code(c.kind)}));
  out.push_back(c.subject);
  out.push_back(c.record_name);
  out.push_back(c.token);
  out.push_back(p(int64_t{status_code(c.status)}));
  out.push_back(p(to_nanos(c.created_at)));
  out.push_back(p(to_nanos(c.deadline)));
  out.push_back(opt_nanos(c.next_check_at));
  out.push_back(opt_nanos(c.last_verified_at));
  out.push_back(opt_nanos(c.absent_since));
  out.push_back(p(int64_t{c.attempts}));
  out.push_back(join_tokens(c.dkim_tokens));
  out.push_back(nlohmann::json(c.tags).dump());
}

Mail read_mail(const Res& r, int row) {
  Mail m;
  m.id = r.int_at(row, 0);
  m.claim_id = r.text_at(row, 1);
  m.scope = {r.text_at(row, 2), r.text_at(row, 3)};
  m.from = r.text_at(row, 4);
  m.to = r.text_at(row, 5);
  m.subject = r.text_at(row, 6);
  m.text_body = r.text_at(row, 7);
  m.html_body = r.text_at(row, 8);
  m.created_at = from_nanos(r.int_at(row, 9));
  const int64_t state = r.int_at(row, 10);
  m.state = state == 1   ? Mail::State::kSent
            : state == 2 ? Mail::State::kFailed
                         : Mail::State::kQueued;
  m.attempts = static_cast<int>(r.int_at(row, 11));
  m.next_attempt_at = from_nanos(r.int_at(row, 12));
  if (!r.null_at(row, 13)) m.sent_at = from_nanos(r.int_at(row, 13));
  m.last_error = r.text_at(row, 14);
  return m;
}

std::vector<Mail> read_mails(const Res& r) {
  std::vector<Mail> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_mail(r, i));
  return out;
}

std::string kinds_array(const std::vector<ClaimKind>& kinds) {
  std::string s = "{";
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(kind_code(kinds[i]));
  }
  return s + "}";
}

}  // namespace vouch::store::postgres
