// Test mode: a claim's status set directly, as if a check's evidence had
// said so, for application test suites that publish no DNS records. Moves
// the claim the way the status machine would (deadline, next check,
// attempts), writes a history entry, compare-and-set.
#pragma once

#include <string>

#include "core/claim.h"
#include "core/error.h"
#include "core/store.h"

namespace vouch::service {

// kNotFound for a claim not in `scope`; kInvalidArgument for a status the
// claim's kind cannot have (a Lattice verification is never unconfirmed).
//  - verified: as a check that found the record (last verified now, re-check
//    on the usual interval; an address is not checked again);
//  - pending: a new pending window from now, as a re-verify starts one;
//  - unconfirmed: as a re-check that found the record gone (revoked after
//    the usual window unless seen again);
//  - failed: final, no more checks.
core::Result<core::Claim> set_claim_status(core::ClaimStore& store, const core::Scope& scope,
                                           const std::string& id, core::ClaimStatus to,
                                           core::TimePoint now);

}  // namespace vouch::service
