// Claim kinds and statuses by the names the admin API, the CLI and the logs
// share ("ses_domain", "pending").
#pragma once

#include <string_view>

#include "core/claim.h"

namespace vouch::core {

std::string_view claim_kind_name(ClaimKind kind);
std::string_view claim_status_name(ClaimStatus status);

}  // namespace vouch::core
