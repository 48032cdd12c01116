#include "service/accounts.h"

#include <mutex>

namespace vouch::service {

namespace {
const core::SystemClock kSystemClock;
}  // namespace

Accounts::Accounts(core::Store& store) : Accounts(store, kSystemClock) {}

Accounts::Accounts(core::Store& store, const core::Clock& clock, AccountsOptions options)
    : store_(store), clock_(clock), options_(options) {}

core::Result<std::optional<core::Account>> Accounts::find(std::string_view access_key_id) {
  const core::TimePoint now = clock_.now();
  {
    std::shared_lock lock(mu_);
    if (auto it = cache_.find(access_key_id); it != cache_.end() && now < it->second.expires) {
      return it->second.account;
    }
  }
  std::string key(access_key_id);
  auto found = store_.find_account(key);
  if (!found.ok()) return found.error();  // not remembered: the next request asks again
  std::unique_lock lock(mu_);
  if (cache_.size() >= options_.capacity && !cache_.contains(key)) {
    std::erase_if(cache_, [now](const auto& kv) { return !(now < kv.second.expires); });
    // Still full of live entries (a flood of made-up keys): start over.
    if (cache_.size() >= options_.capacity) cache_.clear();
  }
  cache_[key] = Entry{*found, now + options_.ttl};
  return *found;
}

size_t Accounts::size() const {
  std::shared_lock lock(mu_);
  return cache_.size();
}

}  // namespace vouch::service
