#include "service/rate_limiter.h"

#include <algorithm>

namespace vouch::service {

RateLimiter::RateLimiter(const core::Clock& clock, std::map<std::string, double> rates)
    : clock_(clock), rates_(std::move(rates)) {}

std::map<std::string, double> RateLimiter::aws_defaults() {
  return {{"GetIdentityVerificationAttributes", 1.0}, {"VerifyDomainIdentity", 1.0},
          // vouch's own admin routes that look up DNS live (api/control).
          {"vouch:GetClaim", 5.0}, {"vouch:CheckClaim", 5.0}};
}

core::Status RateLimiter::admit(const core::Scope& scope, const std::string& operation) {
  if (allow(scope.account_id + "/" + scope.region, operation)) return {};
  return core::Error{core::ErrorCode::kThrottled, "Rate exceeded", {}, {}};
}

bool RateLimiter::allow(const std::string& account, const std::string& operation) {
  auto rate_it = rates_.find(operation);
  if (rate_it == rates_.end() || rate_it->second <= 0) return true;
  const double rate = rate_it->second;
  const double burst = std::max(1.0, rate);
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(account + '\n' + operation, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh && now > b.last) {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst, b.tokens + elapsed * rate);
  }
  b.last = std::max(b.last, now);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace vouch::service
