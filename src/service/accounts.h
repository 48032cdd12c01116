// Access keys -> accounts, cached in memory. A key not in the cache is looked
// up in the store, so `vouch account add` works on a running server.
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/store.h"

namespace vouch::service {

class Accounts {
 public:
  explicit Accounts(core::Store& store) : store_(store) {}

  // The account for an access key, or nullopt if unknown.
  std::optional<core::Account> find(std::string_view access_key_id);

 private:
  core::Store& store_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, core::Account> cache_;  // GUARDED_BY(mu_)
};

}  // namespace vouch::service
