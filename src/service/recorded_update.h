// Read-modify-write of one claim, like update_with_retry, for the writes that
// may move its stored status (a Verify that restarts a failed identity or
// record): a status change is recorded as a check's is (history, event and
// webhook deliveries in the same transaction), the claim's last evidence kept.
// A write that leaves the stored status as it was records nothing: a pending
// email address whose window lapsed before the check that would have stored
// Failed restarts with no event, as no event ever said it failed.
#pragma once

#include "core/error.h"
#include "core/store.h"
#include "service/update_with_retry.h"

namespace vouch::service {

template <class Mutate>
core::Result<core::Claim> update_recording_status(core::Store& store, core::Claim claim,
                                                  core::TimePoint now, Mutate mutate) {
  for (int i = 0; i < kCasRetries; ++i) {
    const core::ClaimStatus from = claim.status;
    if (!mutate(claim)) return claim;  // nothing to change
    core::Result<core::Claim> written = core::internal_error("unwritten");
    if (claim.status == from) {
      written = store.update_claim(claim);
    } else {
      // Read after `claim` was: a check landing in between fails the compare-and-set.
      auto last = store.last_evidence(claim.id);
      if (!last.ok()) return last.error();
      written = store.record_check(claim, last->value_or("{}"),
                                   core::StatusChange{now, from, claim.status});
    }
    if (written.ok() || written.error().code != core::ErrorCode::kAborted) return written;
    auto fresh = store.get_claim(claim.scope, claim.id);
    if (!fresh.ok()) return fresh.error();
    if (!*fresh) return core::not_found("identity was deleted", claim.id);
    claim = std::move(**fresh);
  }
  return core::Error{core::ErrorCode::kUnavailable, "identity is busy, retry", claim.id, {}};
}

}  // namespace vouch::service
