#include "store/row_codec.h"

#include <nlohmann/json.hpp>

namespace vouch::store {

using core::ClaimKind;
using core::ClaimStatus;
using core::Mail;

int kind_code(ClaimKind k) {
  switch (k) {
    case ClaimKind::kSesDomain: return 0;
    case ClaimKind::kSesEmail: return 1;
    case ClaimKind::kLatticeDomain: return 2;
    case ClaimKind::kSesDkim: return 3;
    case ClaimKind::kSesDkimTxt: return 4;
    case ClaimKind::kSesMailFromMx: return 5;
    case ClaimKind::kSesMailFromSpf: return 6;
  }
  return -1;
}

ClaimKind kind_from_code(int64_t c) {
  switch (c) {
    case 1: return ClaimKind::kSesEmail;
    case 2: return ClaimKind::kLatticeDomain;
    case 3: return ClaimKind::kSesDkim;
    case 4: return ClaimKind::kSesDkimTxt;
    case 5: return ClaimKind::kSesMailFromMx;
    case 6: return ClaimKind::kSesMailFromSpf;
    default: return ClaimKind::kSesDomain;
  }
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

Mail::State mail_state_from_code(int64_t c) {
  return c == 1 ? Mail::State::kSent : c == 2 ? Mail::State::kFailed : Mail::State::kQueued;
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

std::string tags_json(const core::Tags& tags) { return nlohmann::json(tags).dump(); }

core::Tags tags_from_json(const std::string& text) {
  core::Tags out;
  if (text == "{}") return out;  // most claims: skip the parser
  auto tags = nlohmann::json::parse(text, nullptr, false);
  if (!tags.is_object()) return out;
  for (auto& [k, v] : tags.items()) {
    if (v.is_string()) out.emplace(k, v.get<std::string>());
  }
  return out;
}

}  // namespace vouch::store
