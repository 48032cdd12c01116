// Read-modify-write of one claim with compare-and-set, shared by the
// identity operations.
#pragma once

#include <utility>

#include "core/error.h"
#include "core/store.h"

namespace vouch::service {

inline constexpr int kCasRetries = 8;

// `mutate` returns false when there is nothing to change; `write(claim, from)`
// writes the mutated claim (`from`: its stored status before). Re-reads the
// claim when another writer won; kNotFound once it is deleted.
template <class Mutate, class Write>
core::Result<core::Claim> write_with_retry(core::Store& store, core::Claim claim, Mutate mutate,
                                           Write write) {
  for (int i = 0; i < kCasRetries; ++i) {
    const core::ClaimStatus from = claim.status;
    if (!mutate(claim)) return claim;  // nothing to change
    core::Result<core::Claim> updated = write(claim, from);
    if (updated.ok() || updated.error().code != core::ErrorCode::kAborted) return updated;
    auto fresh = store.get_claim(claim.scope, claim.id);
    if (!fresh.ok()) return fresh.error();
    if (!*fresh) return core::not_found("identity was deleted", claim.id);
    claim = std::move(**fresh);
  }
  return core::Error{core::ErrorCode::kUnavailable, "identity is busy, retry", claim.id, {}};
}

template <class Mutate>
core::Result<core::Claim> update_with_retry(core::Store& store, core::Claim claim, Mutate mutate) {
  return write_with_retry(
      store, std::move(claim), mutate,
      [&](const core::Claim& c, core::ClaimStatus) { return store.update_claim(c); });
}

}  // namespace vouch::service
