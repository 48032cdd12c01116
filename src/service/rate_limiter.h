// Per-account request rates, as AWS applies them (token buckets, burst equal
// to the rate). Thread-safe and bounded: a bucket refilled to its burst is the
// same as no bucket, so idle buckets are dropped; a hard cap bounds the rest.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/claim.h"
#include "core/clock.h"
#include "core/error.h"

namespace vouch::service {

class RateLimiter {
 public:
  // rates: operation -> requests per second; an absent operation or 0 is unlimited.
  // max_buckets: at most this many (account, operation) buckets are kept.
  RateLimiter(const core::Clock& clock, std::map<std::string, double> rates,
              size_t max_buckets = kDefaultMaxBuckets);

  // Whether `account` may call `operation` now (and if so, takes one token).
  bool allow(const std::string& account, std::string_view operation);

  // allow() for the scope's account in its Region (AWS applies its API rates
  // per account and Region): kThrottled "Rate exceeded" when over.
  core::Status admit(const core::Scope& scope, std::string_view operation);

  // AWS's default rates for the operations vouch serves, and vouch's own for
  // its admin routes that look up DNS live ("vouch:GetClaim", "vouch:CheckClaim").
  static std::map<std::string, double> aws_defaults();
  // Every operation name vouch passes to admit(): the names --rate-limit may use.
  static const std::vector<std::string>& operations();
  static bool known_operation(const std::string& operation);

  size_t buckets() const;  // for tests

  static constexpr size_t kDefaultMaxBuckets = 100000;

 private:
  struct Bucket {
    double tokens;
    core::TimePoint last;
    double rate;
  };
  // Drops buckets that have refilled to their burst (mu_ held).
  void sweep(core::TimePoint now);

  const core::Clock& clock_;
  const std::map<std::string, double, std::less<>> rates_;  // found by string_view
  const size_t max_buckets_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
  size_t sweep_at_;                                  // GUARDED_BY(mu_): size that triggers a sweep
  core::TimePoint last_sweep_{};                     // GUARDED_BY(mu_)
};

}  // namespace vouch::service
