// What a MAIL FROM claim's last evidence says is wrong with its MX or SPF
// record, in plain words.
#include <algorithm>

#include "service/diagnosis.h"

namespace vouch::service {

namespace {

using Result = core::PerspectiveEvidence::Result;

std::vector<std::string> distinct_seen(const core::Evidence& e) {
  std::vector<std::string> seen;
  for (const auto& p : e.perspectives) {
    for (const auto& v : p.seen) {
      if (std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
    }
  }
  return seen;
}

bool starts_with_spf(const std::string& v) {
  constexpr std::string_view kVersion = "v=spf1";
  return v.size() >= kVersion.size() &&
         std::equal(kVersion.begin(), kVersion.end(), v.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace

std::vector<std::string> diagnose_mail_from(const core::Claim& c,
                                            const std::optional<core::Evidence>& evidence) {
  std::vector<std::string> out;
  if (!evidence || evidence->outcome == core::CheckOutcome::kFound) return out;
  const std::string record = c.record_name + ".";
  const auto& ps = evidence->perspectives;
  if (!ps.empty() &&
      std::all_of(ps.begin(), ps.end(), [](const auto& p) { return p.result == Result::kError; })) {
    out.push_back("No resolver gave an answer (see each perspective's detail). This is not counted "
                  "against the claim; it will be checked again.");
    return out;
  }
  const auto seen = distinct_seen(*evidence);
  if (c.kind == core::ClaimKind::kSesMailFromMx) {
    for (const auto& v : seen) {
      out.push_back("The MX record at " + record + " is " + v + "; it must point to " + c.token +
                    ". (any preference, e.g. 10).");
    }
    if (out.empty())
      out.push_back("No MX record at " + record + " pointing to " + c.token + ". yet.");
    return out;
  }
  bool spf_seen = false;
  for (const auto& v : seen) {
    if (!starts_with_spf(v)) continue;
    spf_seen = true;
    out.push_back("The SPF record at " + record + " (" + v + ") does not include " + c.token +
                  "; add " + c.token + ", e.g. \"v=spf1 " + c.token + " ~all\".");
  }
  if (!spf_seen) {
    out.push_back("No SPF record (TXT \"v=spf1 ...\") at " + record + " yet; publish \"v=spf1 " +
                  c.token + " ~all\".");
  }
  return out;
}

}  // namespace vouch::service
