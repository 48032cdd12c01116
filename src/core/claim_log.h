// A claim's status change as a log line (info): the one shape every writer
// of a change uses (the scheduler's checks, an email's link).
#pragma once

#include <nlohmann/json.hpp>

#include "core/claim.h"
#include "core/store.h"

namespace vouch::core {

// The claim's id, kind, subject, account and Region: the fields of its lines.
nlohmann::json claim_log_fields(const Claim& claim);

void log_status_change(const Claim& claim, const StatusChange& change);

}  // namespace vouch::core
