#include "api/lattice/lattice_wire.h"

#include "core/arn.h"
#include "core/rfc3339.h"
#include "service/lattice_service.h"

namespace vouch::api::lattice {

std::string_view status_name(core::ClaimStatus s) {
  switch (s) {
    case core::ClaimStatus::kPending: return "PENDING";
    case core::ClaimStatus::kVerified:
    case core::ClaimStatus::kUnconfirmed: return "VERIFIED";
    case core::ClaimStatus::kFailed: return "VERIFICATION_TIMED_OUT";
  }
  return "PENDING";
}

nlohmann::json start_json(const core::Claim& c) {
  return {{"id", c.id},
          {"arn", core::domain_verification_arn(c.scope, c.id)},
          {"domainName", c.subject},
          {"status", status_name(c.status)},
          {"txtMethodConfig", {{"name", service::lattice_txt_label(c)}, {"value", c.token}}}};
}

nlohmann::json claim_json(const core::Claim& c) {
  nlohmann::json j = start_json(c);
  j["createdAt"] = core::format_rfc3339(c.created_at);
  if (c.last_verified_at) j["lastVerifiedTime"] = core::format_rfc3339(*c.last_verified_at);
  j["tags"] = nlohmann::json(c.tags);
  return j;
}

namespace {

// Text that JSON carries as it is: printable ASCII without '"' or '\\'.
bool plain(std::string_view s) {
  for (const char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

void member(std::string& out, std::string_view name, std::string_view value) {
  out.append("\"").append(name).append("\":\"").append(value).append("\",");
}

}  // namespace

std::optional<std::string> claim_json_text(const core::Claim& c) {
  const std::string arn = core::domain_verification_arn(c.scope, c.id);
  const std::string label = service::lattice_txt_label(c);
  const std::string created = core::format_rfc3339(c.created_at);
  const std::string verified = c.last_verified_at ? core::format_rfc3339(*c.last_verified_at) : "";
  bool all_plain = plain(arn) && plain(label) && plain(c.subject) && plain(c.id) &&
                   plain(c.token) && plain(created) && plain(verified);
  size_t size = 200 + arn.size() + label.size() + c.subject.size() + c.id.size() + c.token.size();
  for (const auto& [k, v] : c.tags) {
    all_plain = all_plain && plain(k) && plain(v);
    size += k.size() + v.size() + 6;
  }
  if (!all_plain) return std::nullopt;
  // Members in nlohmann's order (a std::map's: sorted by name).
  std::string out;
  out.reserve(size);
  out.push_back('{');
  member(out, "arn", arn);
  member(out, "createdAt", created);
  member(out, "domainName", c.subject);
  member(out, "id", c.id);
  if (c.last_verified_at) member(out, "lastVerifiedTime", verified);
  member(out, "status", status_name(c.status));
  out.append("\"tags\":{");
  for (const auto& [k, v] : c.tags) member(out, k, v);
  if (!c.tags.empty()) out.pop_back();
  out.append("},\"txtMethodConfig\":{");
  member(out, "name", label);
  member(out, "value", c.token);
  out.pop_back();
  out.append("}}");
  return out;
}

}  // namespace vouch::api::lattice
