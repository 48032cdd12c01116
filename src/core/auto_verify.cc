#include "core/auto_verify.h"

#include <cctype>

namespace vouch::core {

namespace {

bool label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

}  // namespace

Result<std::string> auto_verify_suffix(std::string_view given) {
  std::string s;
  for (char c : given) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!s.empty() && s.front() == '.') s.erase(0, 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  bool ok = !s.empty() && s.size() <= 253;
  char prev = '.';
  for (char c : s) {
    if (c == '.' ? prev == '.' : !label_char(c)) ok = false;
    prev = c;
  }
  if (!ok || prev == '.') {
    return invalid_argument("--auto-verify-suffix needs a domain suffix such as .test, got '" +
                            std::string(given) + "'");
  }
  return s;
}

std::optional<std::string> auto_verify_match(const Claim& c,
                                             const std::vector<std::string>& suffixes) {
  std::string_view domain = c.subject;
  if (auto at = domain.rfind('@'); at != std::string_view::npos) domain.remove_prefix(at + 1);
  for (const auto& s : suffixes) {
    if (domain.size() < s.size()) continue;
    const size_t cut = domain.size() - s.size();
    if (domain.substr(cut) != s) continue;
    if (cut == 0 || domain[cut - 1] == '.') return s;
  }
  return std::nullopt;
}

Evidence auto_verify_evidence(const Claim& c, const std::string& suffix, TimePoint now) {
  Evidence e;
  e.at = now;
  e.record_name = c.record_name;
  e.expected = c.token;
  e.quorum = 1;
  e.outcome = CheckOutcome::kFound;
  e.perspectives = {{"auto-verify",
                     PerspectiveEvidence::Result::kFound,
                     {},
                     "not looked up: under --auto-verify-suffix " + suffix}};
  return e;
}

}  // namespace vouch::core
