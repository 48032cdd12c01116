// The identity cache (store/caching_store.h) in front of a store the whole
// fleet writes: a ChangeListener tells it of every node's claim writes.
// Notifications travel after the writer's commit, so a node may answer from
// its cache in the moment between another node's answer and the arrival of
// the notification: milliseconds on a loaded machine, which is why
// `--store-cache` is off unless asked for. Each read first takes in what has
// reached the listener's socket, so the window is the server's delivery,
// not this node's scheduling. A node's own writes erase its entries at once.
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
  FollowedCache(std::unique_ptr<core::Store> shared, const std::string& conninfo, size_t capacity,
                int retry_ms = 1000);

  // The reads the cache serves, after what the listener has received.
  core::Result<std::optional<core::Claim>> find_identity(const core::Scope& scope,
                                                         const std::string& subject) override;
  core::Result<std::optional<core::Claim>> get_claim(const core::Scope& scope,
                                                     const std::string& id) override;
  core::Result<std::vector<core::Claim>> find_identities(
      const core::Scope& scope, const std::vector<std::string>& subjects) override;
  core::Status with_identities(
      const core::Scope& scope, const std::vector<std::string_view>& subjects,
      const std::function<void(const std::vector<const core::Claim*>&)>& fn) override;
  // Read at once from what this holds (ClaimStore's way), not the inner store's.
  void with_identities_later(const core::Scope& scope, std::vector<std::string> subjects,
                             IdentitiesDone fn) override {
    core::ClaimStore::with_identities_later(scope, std::move(subjects), std::move(fn));
  }
  bool queues_identity_read(size_t) const override { return false; }

  CachingStore& cache() { return static_cast<CachingStore&>(inner()); }
  const ChangeListener& listener() const { return *listener_; }

 private:
  std::unique_ptr<ChangeListener> listener_;  // destroyed before the cache it calls
};

}  // namespace vouch::store::postgres
