// restJson1 wire pieces for VPC Lattice: claims as JSON, and the one table
// from core errors to Lattice error shapes (x-amzn-ErrorType + JSON body).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/claim.h"
#include "core/error.h"
#include "http/message.h"

namespace vouch::api::lattice {

// PENDING, VERIFIED (also while a re-check cannot confirm), VERIFICATION_TIMED_OUT.
std::string_view status_name(core::ClaimStatus s);

// StartDomainVerification's response members.
nlohmann::json start_json(const core::Claim& c);
// GetDomainVerification / DomainVerificationSummary members.
nlohmann::json claim_json(const core::Claim& c);

http::Response json_response(int status, const nlohmann::json& body);
http::Response error_response(int status, std::string_view type, nlohmann::json body);
http::Response error_response(const core::Error& e);
// ValidationException with reason and, when `field` is set, a fieldList.
http::Response validation_error(std::string_view message, std::string_view reason,
                                std::string_view field = {});

}  // namespace vouch::api::lattice
