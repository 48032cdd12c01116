// Read-modify-write of one claim with compare-and-set, shared by the
// identity operations.
#pragma once

#include "core/error.h"
#include "core/store.h"

namespace vouch::service {

inline constexpr int kCasRetries = 8;

// `mutate` returns false when there is nothing to change. Re-reads the claim
// when another writer won; kNotFound once it is deleted.
template <class Mutate>
core::Result<core::Claim> update_with_retry(core::Store& store, core::Claim claim, Mutate mutate) {
  for (int i = 0; i < kCasRetries; ++i) {
    if (!mutate(claim)) return claim;  // nothing to change
    auto updated = store.update_claim(claim);
    if (updated.ok() || updated.error().code != core::ErrorCode::kAborted) return updated;
    auto fresh = store.get_claim(claim.scope, claim.id);
    if (!fresh.ok()) return fresh.error();
    if (!*fresh) return core::not_found("identity was deleted", claim.id);
    claim = std::move(**fresh);
  }
  return core::Error{core::ErrorCode::kUnavailable, "identity is busy, retry", claim.id, {}};
}

}  // namespace vouch::service
