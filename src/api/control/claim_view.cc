#include "api/control/claim_view.h"

#include <algorithm>
#include <cctype>

#include "api/lattice/lattice_wire.h"
#include "api/ses/ses_wire.h"
#include "core/rfc3339.h"

namespace vouch::api::control {

using nlohmann::json;

std::string kind_name(core::ClaimKind k) {
  switch (k) {
    case core::ClaimKind::kSesDomain: return "ses_domain";
    case core::ClaimKind::kSesEmail: return "ses_email";
    case core::ClaimKind::kLatticeDomain: return "lattice_domain";
    case core::ClaimKind::kSesDkim: return "ses_dkim";
  }
  return "unknown";
}

std::string status_key(core::ClaimStatus s) {
  switch (s) {
    case core::ClaimStatus::kPending: return "pending";
    case core::ClaimStatus::kVerified: return "verified";
    case core::ClaimStatus::kUnconfirmed: return "unconfirmed";
    case core::ClaimStatus::kFailed: return "failed";
  }
  return "unknown";
}

namespace {

constexpr const char* kNoAnswers =
    "No resolver gave an answer (see each perspective's detail). This is not counted against "
    "the claim; it will be checked again.";

json optional_time(const std::optional<core::TimePoint>& t) {
  return t ? json(core::format_rfc3339(*t)) : json(nullptr);
}

std::string wire_status(const core::Claim& c) {
  return std::string(c.kind == core::ClaimKind::kLatticeDomain ? lattice::status_name(c.status)
                                                               : ses::status_name(c.status));
}

bool same_text(const std::string& a, const std::string& b, bool any_case) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (any_case ? std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))
                 : a[i] != b[i]) {
      return false;
    }
  }
  return true;
}

// Whether `v` holds the claim's value: exactly for TXT, as a DNS name for CNAME.
bool holds_value(const std::vector<std::string>& v, const core::Claim& c) {
  const bool cname = c.kind == core::ClaimKind::kSesDkim;
  for (auto x : v) {
    if (cname && !x.empty() && x.back() == '.') x.pop_back();
    if (same_text(x, c.token, cname)) return true;
  }
  return false;
}

// CNAME (DKIM) claims: where the record points instead, if anywhere.
void diagnose_cname(const core::Claim& c, const json& evidence, std::vector<std::string>& out) {
  const std::string record = c.record_name + ".";
  std::vector<std::string> seen;
  for (const auto& p : evidence["perspectives"]) {
    for (const auto& v : p.value("seen", std::vector<std::string>{})) {
      if (std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
    }
  }
  for (const auto& v : seen) {
    out.push_back("The CNAME at " + record + " points to " + v + " instead of " + c.token + ".");
  }
  if (out.empty() && evidence.value("outcome", "") == "absent") {
    out.push_back("No CNAME record at " + record + " pointing to " + c.token + ". yet.");
  }
}

}  // namespace

json claim_summary(const core::Claim& c) {
  return {{"id", c.id},
          {"kind", kind_name(c.kind)},
          {"subject", c.subject},
          {"status", status_key(c.status)},
          {"wire_status", wire_status(c)},
          {"created_at", core::format_rfc3339(c.created_at)},
          {"next_check_at", optional_time(c.next_check_at)}};
}

std::vector<std::string> diagnose(const core::Claim& c, const json& evidence, const Probes& probes) {
  std::vector<std::string> out;
  if (c.kind == core::ClaimKind::kSesEmail) return out;
  const std::string record = c.record_name + ".";
  if (holds_value(probes.doubled_zone, c)) {
    out.push_back("The record was published at " + c.record_name + "." + c.subject +
                  ". : the zone name was appended twice. Most DNS consoles add the zone "
                  "themselves: enter only the part before ." + c.subject + ".");
  }
  if (holds_value(probes.bare_domain, c)) {
    out.push_back("The value was published at the bare domain " + c.subject +
                  ". instead of at " + record + ".");
  }
  if (!evidence.is_object() || !evidence.contains("perspectives")) return out;
  const json& perspectives = evidence["perspectives"];
  const bool all_errors = !perspectives.empty() &&
                          std::all_of(perspectives.begin(), perspectives.end(),
                                      [](const json& p) { return p.value("result", "") == "error"; });
  if (c.kind == core::ClaimKind::kSesDkim) {
    if (all_errors) out.push_back(kNoAnswers);
    else diagnose_cname(c, evidence, out);
    return out;
  }
  bool quoted = false, wrong_case = false;
  for (const auto& p : perspectives) {
    for (const auto& v : p.value("seen", std::vector<std::string>{})) {
      if (v == "\"" + c.token + "\"") quoted = true;
      if (v != c.token && same_text(v, c.token, true)) wrong_case = true;
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
  if (out.empty() && evidence.value("outcome", "") == "absent") {
    out.push_back("No TXT record with the expected value at " + record + " yet.");
  }
  return out;
}

json claim_detail(const core::Claim& c, const std::optional<std::string>& evidence,
                  const std::vector<core::StatusChange>& history, const Probes& probes) {
  json j = claim_summary(c);
  j["region"] = c.scope.region;
  j["deadline"] = core::format_rfc3339(c.deadline);
  j["last_verified_at"] = optional_time(c.last_verified_at);
  j["absent_since"] = optional_time(c.absent_since);
  if (c.kind == core::ClaimKind::kSesDkim) {
    j["record"] = {{"name", c.record_name + "."}, {"type", "CNAME"}, {"value", c.token + "."},
                   {"zone_file_line", c.record_name + ". 300 IN CNAME " + c.token + "."}};
  } else if (c.kind != core::ClaimKind::kSesEmail) {
    j["record"] = {{"name", c.record_name + "."}, {"type", "TXT"}, {"value", c.token},
                   {"zone_file_line", c.record_name + ". 300 IN TXT \"" + c.token + "\""}};
  }
  json ev = evidence ? json::parse(*evidence, nullptr, false) : json(nullptr);
  if (ev.is_discarded()) ev = nullptr;
  j["evidence"] = ev;
  json h = json::array();
  for (const auto& s : history) {
    h.push_back({{"at", core::format_rfc3339(s.at)}, {"from", status_key(s.from)}, {"to", status_key(s.to)}});
  }
  j["history"] = std::move(h);
  j["diagnosis"] = diagnose(c, ev, probes);
  return j;
}

}  // namespace vouch::api::control
