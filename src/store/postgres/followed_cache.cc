#include "store/postgres/followed_cache.h"

namespace vouch::store::postgres {

FollowedCache::FollowedCache(std::unique_ptr<core::Store> shared, const std::string& conninfo,
                             size_t capacity, int retry_ms)
    : ForwardingStore(std::make_unique<CachingStore>(std::move(shared), capacity,
                                                     CachingStore::Writers::kAlsoElsewhere)) {
  CachingStore& c = cache();
  listener_ = ChangeListener::start(conninfo,
                                    {[&c](std::string_view key) { c.changed_elsewhere(key); },
                                     [&c](bool following) { c.following_elsewhere(following); }},
                                    retry_ms);
}

core::Result<std::optional<core::Claim>> FollowedCache::find_identity(const core::Scope& scope,
                                                                      const std::string& subject) {
  listener_->drain();
  return ForwardingStore::find_identity(scope, subject);
}

core::Result<std::optional<core::Claim>> FollowedCache::get_claim(const core::Scope& scope,
                                                                  const std::string& id) {
  listener_->drain();
  return ForwardingStore::get_claim(scope, id);
}

core::Result<std::vector<core::Claim>> FollowedCache::find_identities(
    const core::Scope& scope, const std::vector<std::string>& subjects) {
  listener_->drain();
  return ForwardingStore::find_identities(scope, subjects);
}

core::Status FollowedCache::with_identities(
    const core::Scope& scope, const std::vector<std::string_view>& subjects,
    const std::function<void(const std::vector<const core::Claim*>&)>& fn) {
  listener_->drain();
  return ForwardingStore::with_identities(scope, subjects, fn);
}

}  // namespace vouch::store::postgres
