// restJson1 wire pieces for VPC Lattice: claims as JSON. Its error shapes
// are in api/common/json.h, shared with the admin and mail routes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/claim.h"

namespace vouch::api::lattice {

// PENDING, VERIFIED (also while a re-check cannot confirm), VERIFICATION_TIMED_OUT.
std::string_view status_name(core::ClaimStatus s);

// StartDomainVerification's response members.
nlohmann::json start_json(const core::Claim& c);
// GetDomainVerification / DomainVerificationSummary members.
nlohmann::json claim_json(const core::Claim& c);
// claim_json(c).dump(), written straight into one string when every text in
// it is plain printable ASCII (no escaping to do); else nullopt.
std::optional<std::string> claim_json_text(const core::Claim& c);

}  // namespace vouch::api::lattice
