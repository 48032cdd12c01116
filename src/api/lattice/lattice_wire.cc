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

}  // namespace vouch::api::lattice
