#include "api/control/claim_view.h"

#include <optional>

#include "api/common/json.h"
#include "api/lattice/lattice_wire.h"
#include "api/ses/ses_wire.h"
#include "core/dkim_key.h"
#include "core/evidence_json.h"
#include "core/claim_names.h"
#include "core/rfc3339.h"

namespace vouch::api::control {

using nlohmann::json;

std::string kind_name(core::ClaimKind k) { return std::string(core::claim_kind_name(k)); }

std::string status_key(core::ClaimStatus s) { return std::string(core::claim_status_name(s)); }

namespace {

json optional_time(const std::optional<core::TimePoint>& t) {
  return t ? json(core::format_rfc3339(*t)) : json(nullptr);
}

std::string wire_status(const core::Claim& c) {
  return std::string(c.kind == core::ClaimKind::kLatticeDomain ? lattice::status_name(c.status)
                                                               : ses::status_name(c.status));
}

// A TXT value as a zone file writes it: quoted strings of at most 255
// characters each (a 2048-bit DKIM key record needs two).
std::string txt_strings(const std::string& value) {
  constexpr size_t kMaxString = 255;
  std::string out;
  for (size_t i = 0; i < value.size(); i += kMaxString) {
    if (!out.empty()) out += ' ';
    out += '"' + value.substr(i, kMaxString) + '"';
  }
  return out;
}

// The record a MAIL FROM claim asks for, spelled out as users publish it.
std::optional<json> mail_from_record(const core::Claim& c) {
  const std::string name = c.record_name + ".";
  if (c.kind == core::ClaimKind::kSesMailFromMx) {
    return json{{"name", name},
                {"type", "MX"},
                {"value", "10 " + c.token + "."},
                {"zone_file_line", name + " 300 IN MX 10 " + c.token + "."}};
  }
  if (c.kind == core::ClaimKind::kSesMailFromSpf) {
    const std::string value = "v=spf1 " + c.token + " ~all";
    return json{{"name", name},
                {"type", "TXT"},
                {"value", value},
                {"zone_file_line", name + " 300 IN TXT \"" + value + "\""}};
  }
  return std::nullopt;
}

}  // namespace

json claim_summary(const core::Claim& c) {
  return {{"id", c.id},
          {"kind", kind_name(c.kind)},
          {"subject", c.subject},
          {"status", status_key(c.status)},
          {"wire_status", wire_status(c)},
          {"created_at", core::format_rfc3339(c.created_at)},
          {"next_check_at", optional_time(c.next_check_at)},
          {"last_verified_at", optional_time(c.last_verified_at)}};
}

json claim_summary(const core::Claim& c, const std::optional<core::TimePoint>& checked) {
  json j = claim_summary(c);
  j["last_checked_at"] = optional_time(checked);
  return j;
}

json claim_detail(const service::ClaimDetail& d) {
  const core::Claim& c = d.claim;
  json j = claim_summary(c);
  j["region"] = c.scope.region;
  j["deadline"] = core::format_rfc3339(c.deadline);
  j["absent_since"] = optional_time(c.absent_since);
  if (auto mail_from = mail_from_record(c)) {
    j["record"] = std::move(*mail_from);
  } else if (c.kind == core::ClaimKind::kSesDkim) {
    j["record"] = {{"name", c.record_name + "."},
                   {"type", "CNAME"},
                   {"value", c.token + "."},
                   {"zone_file_line", c.record_name + ". 300 IN CNAME " + c.token + "."}};
  } else if (c.kind == core::ClaimKind::kSesDkimTxt) {
    const std::string value = core::dkim_key_record(c.token);
    j["record"] = {{"name", c.record_name + "."},
                   {"type", "TXT"},
                   {"value", value},
                   {"zone_file_line", c.record_name + ". 300 IN TXT " + txt_strings(value)}};
  } else if (c.kind != core::ClaimKind::kSesEmail) {
    j["record"] = {{"name", c.record_name + "."},
                   {"type", "TXT"},
                   {"value", c.token},
                   {"zone_file_line", c.record_name + ". 300 IN TXT \"" + c.token + "\""}};
  }
  j["evidence"] = d.evidence ? core::evidence_to_json(*d.evidence) : json(nullptr);
  json h = json::array();
  for (const auto& s : d.history) {
    h.push_back({{"at", core::format_rfc3339(s.at)},
                 {"from", status_key(s.from)},
                 {"to", status_key(s.to)}});
  }
  j["history"] = std::move(h);
  j["diagnosis"] = d.diagnosis;
  json mail = json::array();
  for (const auto& m : d.mail) {
    mail.push_back({{"id", m.id},
                    {"state", mail_state_name(m.state)},
                    {"attempts", m.attempts},
                    {"created_at", core::format_rfc3339(m.created_at)},
                    {"sent_at", optional_time(m.sent_at)},
                    {"last_error", m.last_error}});
  }
  j["mail"] = std::move(mail);
  return j;
}

}  // namespace vouch::api::control
