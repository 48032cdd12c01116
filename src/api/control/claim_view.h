// A claim as the admin API shows it, in JSON: the record to publish spelled
// out, the last evidence, the status history, the mail and the diagnosis
// (which service::ClaimAdmin works out).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/claim.h"
#include "service/claim_admin.h"

namespace vouch::api::control {

std::string kind_name(
    core::ClaimKind k);  // "ses_domain", "ses_email", "lattice_domain", "ses_dkim"
std::string status_key(core::ClaimStatus s);  // "pending", "verified", "unconfirmed", "failed"

// Short form, for listings.
nlohmann::json claim_summary(const core::Claim& c);
// The same with the time of its last check (null: not checked yet).
nlohmann::json claim_summary(const core::Claim& c, const std::optional<core::TimePoint>& checked);

nlohmann::json claim_detail(const service::ClaimDetail& d);

}  // namespace vouch::api::control
