#include "service/accounts.h"

#include <mutex>

namespace vouch::service {

std::optional<core::Account> Accounts::find(std::string_view access_key_id) {
  std::string key(access_key_id);
  {
    std::shared_lock lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  auto found = store_.find_account(key);
  if (!found.ok() || !*found) return std::nullopt;
  std::unique_lock lock(mu_);
  cache_[key] = **found;
  return **found;
}

}  // namespace vouch::service
