#include "store/postgres/followed_cache.h"

namespace vouch::store::postgres {

FollowedCache::FollowedCache(std::unique_ptr<core::Store> shared, const std::string& conninfo,
                             size_t capacity, int retry_ms)
    : ForwardingStore(std::make_unique<CachingStore>(std::move(shared), capacity,
                                                     CachingStore::Writers::kAlsoElsewhere)) {
  CachingStore& c = cache();
  listener_ = ChangeListener::start(
      conninfo,
      {[&c](std::string_view key) { c.changed_elsewhere(key); },
       [&c](bool following) { c.following_elsewhere(following); }},
      retry_ms);
}

}  // namespace vouch::store::postgres
