#include "service/diagnosis.h"

#include <algorithm>
#include <cctype>

#include "core/dkim_key.h"

namespace vouch::service {

namespace {

using Result = core::PerspectiveEvidence::Result;

constexpr const char* kNoAnswers =
    "No resolver gave an answer (see each perspective's detail). This is not counted against "
    "the claim; it will be checked again.";

// TXT values that differ only in letter case (the match itself is exact).
bool same_but_case(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// CNAME (DKIM) claims: where the record points instead, if anywhere.
void diagnose_cname(const core::Claim& c, const core::Evidence& e, std::vector<std::string>& out) {
  const std::string record = c.record_name + ".";
  std::vector<std::string> seen;
  for (const auto& p : e.perspectives) {
    for (const auto& v : p.seen) {
      if (std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
    }
  }
  for (const auto& v : seen) {
    out.push_back("The CNAME at " + record + " points to " + v + " instead of " + c.token + ".");
  }
  if (out.empty() && e.outcome == core::CheckOutcome::kAbsent) {
    out.push_back("No CNAME record at " + record + " pointing to " + c.token + ". yet.");
  }
}

// BYODKIM claims: a key record with another key, or the key published
// without its tags. Seen values are cut short, so they are read by prefix.
void diagnose_dkim_key(const core::Claim& c, const core::Evidence& e,
                       std::vector<std::string>& out) {
  const std::string record = c.record_name + ".";
  bool other_key = false, bare_key = false;
  for (const auto& p : e.perspectives) {
    for (const auto& v : p.seen) {
      if (!v.empty() && c.token.rfind(v.substr(0, std::min<size_t>(v.size(), 40)), 0) == 0)
        bare_key = true;
      else if (v.find("p=") != std::string::npos) other_key = true;
    }
  }
  if (other_key) {
    out.push_back("The DKIM record at " + record +
                  " holds another public key than the one of the private key you gave. "
                  "Publish \"" +
                  core::dkim_key_record(c.token) + "\".");
  }
  if (bare_key) {
    out.push_back("The key at " + record + " is published without its tags. Publish \"" +
                  core::dkim_key_record(c.token) + "\".");
  }
  if (out.empty() && e.outcome == core::CheckOutcome::kAbsent) {
    out.push_back("No DKIM key record with the expected public key at " + record + " yet.");
  }
}

}  // namespace

bool needs_probes(const core::Claim& c, const std::optional<core::Evidence>& evidence) {
  // MAIL FROM: its subject may be an address, so no doubled-zone probe.
  return c.kind != core::ClaimKind::kSesEmail && !is_mail_from(c.kind) &&
         !(evidence && evidence->outcome == core::CheckOutcome::kFound);
}

std::vector<std::string> diagnose(const core::Claim& c,
                                  const std::optional<core::Evidence>& evidence,
                                  const Probes& probes) {
  std::vector<std::string> out;
  if (c.kind == core::ClaimKind::kSesEmail) return out;
  if (is_mail_from(c.kind)) return diagnose_mail_from(c, evidence);
  const core::RecordType type = core::record_type(c.kind);
  const std::string record = c.record_name + ".";
  if (core::matches(probes.doubled_zone, c.token, c.kind)) {
    out.push_back("The record was published at " + c.record_name + "." + c.subject +
                  ". : the zone name was appended twice. Most DNS consoles add the zone "
                  "themselves: enter only the part before ." +
                  c.subject + ".");
  }
  if (core::matches(probes.bare_domain, c.token, c.kind)) {
    out.push_back("The value was published at the bare domain " + c.subject + ". instead of at " +
                  record + ".");
  }
  if (!evidence) return out;
  const auto& perspectives = evidence->perspectives;
  const bool all_errors = !perspectives.empty() &&
                          std::all_of(perspectives.begin(), perspectives.end(),
                                      [](const auto& p) { return p.result == Result::kError; });
  if (type == core::RecordType::kCname) {
    if (all_errors) out.push_back(kNoAnswers);
    else diagnose_cname(c, *evidence, out);
    return out;
  }
  if (c.kind == core::ClaimKind::kSesDkimTxt) {
    if (all_errors) out.push_back(kNoAnswers);
    else diagnose_dkim_key(c, *evidence, out);
    return out;
  }
  bool quoted = false, wrong_case = false;
  for (const auto& p : perspectives) {
    for (const auto& v : p.seen) {
      if (v == "\"" + c.token + "\"") quoted = true;
      if (v != c.token && same_but_case(v, c.token)) wrong_case = true;
    }
  }
  if (quoted) {
    out.push_back("The value is published with quotation marks inside it. Enter the token "
                  "without quotes (some DNS consoles add them for you).");
  }
  if (wrong_case) {
    out.push_back("The value differs from the token only in letter case; the match is "
                  "case-sensitive. Check that your DNS provider does not change the case.");
  }
  if (all_errors) out.push_back(kNoAnswers);
  if (out.empty() && evidence->outcome == core::CheckOutcome::kAbsent) {
    out.push_back("No TXT record with the expected value at " + record + " yet.");
  }
  return out;
}

}  // namespace vouch::service
