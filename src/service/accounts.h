// Access keys -> accounts, cached in memory for a few seconds. `vouch account
// add|remove` write the store from another process: a new key, a new secret
// or a removed key is seen once its entry expires (`ttl`). Unknown keys are
// remembered for as long, so a client retrying a bad key does not reach the
// store on every request; the table is bounded, since any caller picks the
// keys it sends.
#pragma once

#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/store.h"

namespace vouch::service {

struct AccountsOptions {
  core::TimePoint::duration ttl = std::chrono::seconds(2);  // how stale an answer may be
  size_t capacity = 10000;                                  // entries, known keys and unknown
};

class Accounts {
 public:
  // Without a clock: the system's (for tests that never look at expiry).
  explicit Accounts(core::Store& store);
  Accounts(core::Store& store, const core::Clock& clock, AccountsOptions options = {});

  // The account for an access key, nullopt if unknown, or the store's error
  // (not remembered: the next request asks again). A failure is never an
  // unknown key: that would answer a 403 during a database outage.
  core::Result<std::optional<core::Account>> find(std::string_view access_key_id);

  size_t size() const;  // entries held

 private:
  struct Entry {
    std::optional<core::Account> account;  // nullopt: no such key
    core::TimePoint expires;
  };

  core::Store& store_;
  const core::Clock& clock_;
  const AccountsOptions options_;
  mutable std::shared_mutex mu_;
  struct Hash {  // looked up by the request's string_view: no key copy per request
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> cache_;  // GUARDED_BY(mu_)
};

}  // namespace vouch::service
