// Per-account request rates, as AWS applies them (token buckets, burst equal
// to the rate). Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/claim.h"
#include "core/clock.h"
#include "core/error.h"

namespace vouch::service {

class RateLimiter {
 public:
  // rates: operation -> requests per second; an absent operation or 0 is unlimited.
  RateLimiter(const core::Clock& clock, std::map<std::string, double> rates);

  // Whether `account` may call `operation` now (and if so, takes one token).
  bool allow(const std::string& account, const std::string& operation);

  // allow() for the scope's account in its Region (AWS applies its API rates
  // per account and Region): kThrottled "Rate exceeded" when over.
  core::Status admit(const core::Scope& scope, const std::string& operation);

  // AWS's default rates for the operations vouch serves, and vouch's own for
  // its admin routes that look up DNS live ("vouch:GetClaim", "vouch:CheckClaim").
  static std::map<std::string, double> aws_defaults();

 private:
  struct Bucket {
    double tokens;
    core::TimePoint last;
  };
  const core::Clock& clock_;
  const std::map<std::string, double> rates_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
};

}  // namespace vouch::service
