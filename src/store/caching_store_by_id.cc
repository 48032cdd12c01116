// CachingStore's claims by id (get_claim): the identity cache's rules, by
// claim id; see caching_store.h.
#include "store/caching_store.h"

namespace vouch::store {

using core::Claim;
using core::Result;
using core::Scope;

Result<std::optional<Claim>> CachingStore::get_claim(const Scope& scope, const std::string& id) {
  if (capacity_ == 0) return inner().get_claim(scope, id);
  uint64_t generation = 0;
  std::shared_ptr<const Claim> hit;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    hit = by_id_.find(id);
    // Of another scope: the store says absent; let it.
    if (hit && !(hit->scope == scope)) hit = nullptr;
    ++(hit ? claim_hits_ : claim_misses_);
  }
  if (hit) return std::optional<Claim>(*hit);
  auto r = inner().get_claim(scope, id);
  if (!r.ok() || !*r) return r;
  auto claim = std::make_shared<const Claim>(**r);
  std::lock_guard lock(mu_);
  if (fill_ && generation == generation_) by_id_.put(std::move(claim));
  return r;
}

Result<std::vector<Claim>> CachingStore::lease_due_claims(core::TimePoint now,
                                                          core::TimePoint lease_until,
                                                          size_t limit) {
  auto r = inner().lease_due_claims(now, lease_until, limit);
  std::lock_guard lock(mu_);
  ++generation_;
  if (!r.ok()) {
    by_id_.clear();  // the lease may have been taken: which claims is unknown
  } else {
    for (const auto& c : *r) by_id_.erase(c.id);
  }
  return r;
}

}  // namespace vouch::store
