// The identity cache (store/caching_store.h) in front of a store the whole
// fleet writes: a ChangeListener tells it of every node's claim writes.
// Notifications travel after the writer's commit, so a node may answer from
// its cache for the moment between another node's commit and the arrival of
// its notification (microseconds on one machine; see the README's fleet
// section).
#pragma once

#include <memory>
#include <string>

#include "store/caching_store.h"
#include "store/forwarding_store.h"
#include "store/postgres/change_listener.h"

namespace vouch::store::postgres {

class FollowedCache final : public ForwardingStore {
 public:
  // `capacity` as CachingStore's; `retry_ms` between listener reconnects.
  FollowedCache(std::unique_ptr<core::Store> shared, const std::string& conninfo,
                size_t capacity, int retry_ms = 1000);

  CachingStore& cache() { return static_cast<CachingStore&>(inner()); }
  const ChangeListener& listener() const { return *listener_; }

 private:
  std::unique_ptr<ChangeListener> listener_;  // destroyed before the cache it calls
};

}  // namespace vouch::store::postgres
