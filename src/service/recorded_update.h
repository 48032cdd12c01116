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
  return write_with_retry(
      store, std::move(claim), mutate,
      [&](const core::Claim& c, core::ClaimStatus from) -> core::Result<core::Claim> {
        if (c.status == from) return store.update_claim(c);
        // Read after `c` was: a check landing in between fails the compare-and-set.
        auto last = store.last_evidence(c.id);
        if (!last.ok()) return last.error();
        return store.record_check(c, last->value_or("{}"), core::StatusChange{now, from, c.status});
      });
}

}  // namespace vouch::service
