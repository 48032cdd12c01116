// A claim as the admin API shows it: the record to publish spelled out, the
// last evidence, the status history and a plain-words diagnosis.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/claim.h"
#include "core/evidence.h"
#include "core/store.h"

namespace vouch::api::control {

std::string kind_name(core::ClaimKind k);     // "ses_domain", "ses_email", "lattice_domain", "ses_dkim"
std::string status_key(core::ClaimStatus s);  // "pending", "verified", "unconfirmed", "failed"

// Short form, for listings.
nlohmann::json claim_summary(const core::Claim& c);

// What the extra probes found, in the claim's record type: at the name with
// the zone appended twice, and (TXT only) at the bare domain.
struct Probes {
  std::vector<std::string> doubled_zone;
  std::vector<std::string> bare_domain;
};

// Common mistakes named from the evidence (JSON as stored) and the probes.
std::vector<std::string> diagnose(const core::Claim& c, const nlohmann::json& evidence,
                                  const Probes& probes);

nlohmann::json claim_detail(const core::Claim& c, const std::optional<std::string>& evidence,
                            const std::vector<core::StatusChange>& history, const Probes& probes);

}  // namespace vouch::api::control
