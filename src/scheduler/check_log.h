// What a finished check says in the log: its result at debug, a status
// change at info. The record's expected value is left out (it says nothing
// a reader of the log needs).
#pragma once

#include <optional>

#include "core/claim.h"
#include "core/evidence.h"
#include "core/store.h"

namespace vouch::scheduler {

void log_check(const core::Claim& claim, const core::Evidence& evidence,
               const std::optional<core::StatusChange>& change);

}  // namespace vouch::scheduler
