#include "service/rate_limiter.h"

#include <algorithm>

namespace vouch::service {

namespace {

double burst_of(double rate) { return std::max(1.0, rate); }

}  // namespace

RateLimiter::RateLimiter(const core::Clock& clock, std::map<std::string, double> rates,
                         size_t max_buckets)
    : clock_(clock),
      rates_(rates.begin(), rates.end()),
      max_buckets_(std::max<size_t>(1, max_buckets)),
      sweep_at_(std::min<size_t>(1024, max_buckets_)) {}

std::map<std::string, double> RateLimiter::aws_defaults() {
  // SES: 1 request/s for its non-send actions. The others stay unlimited by
  // default (as before); --rate-limit can limit any of them.
  return {{"GetIdentityVerificationAttributes", 1.0},
          {"VerifyDomainIdentity", 1.0},
          {"VerifyEmailIdentity", 1.0},
          {"VerifyEmailAddress", 1.0},
          // Custom verification email: "no more than once per second" each.
          {"CreateCustomVerificationEmailTemplate", 1.0},
          {"GetCustomVerificationEmailTemplate", 1.0},
          {"UpdateCustomVerificationEmailTemplate", 1.0},
          {"DeleteCustomVerificationEmailTemplate", 1.0},
          {"ListCustomVerificationEmailTemplates", 1.0},
          {"SendCustomVerificationEmail", 1.0},
          // vouch's own admin routes that look up DNS live (api/control).
          {"vouch:GetClaim", 5.0},
          {"vouch:CheckClaim", 5.0}};
}

const std::vector<std::string>& RateLimiter::operations() {
  static const std::vector<std::string> ops = {
      // SES v1
      "VerifyDomainIdentity", "VerifyEmailIdentity", "VerifyEmailAddress",
      "GetIdentityVerificationAttributes", "ListIdentities", "DeleteIdentity",
      "ListVerifiedEmailAddresses", "DeleteVerifiedEmailAddress", "VerifyDomainDkim",
      "GetIdentityDkimAttributes", "SetIdentityMailFromDomain",
      "GetIdentityMailFromDomainAttributes",
      // SES v2 (its tag operations named apart from Lattice's)
      "CreateEmailIdentity", "GetEmailIdentity", "ListEmailIdentities", "DeleteEmailIdentity",
      "PutEmailIdentityDkimAttributes", "PutEmailIdentityDkimSigningAttributes",
      "PutEmailIdentityMailFromAttributes", "ses:TagResource", "ses:UntagResource",
      "ses:ListTagsForResource",
      // SES custom verification email (v1 and v2 share these names and rates)
      "CreateCustomVerificationEmailTemplate", "GetCustomVerificationEmailTemplate",
      "UpdateCustomVerificationEmailTemplate", "DeleteCustomVerificationEmailTemplate",
      "ListCustomVerificationEmailTemplates", "SendCustomVerificationEmail",
      // VPC Lattice
      "StartDomainVerification", "GetDomainVerification", "ListDomainVerifications",
      "DeleteDomainVerification", "TagResource", "UntagResource", "ListTagsForResource",
      // vouch's admin routes
      "vouch:GetClaim", "vouch:CheckClaim"};
  return ops;
}

bool RateLimiter::known_operation(const std::string& operation) {
  const auto& ops = operations();
  return std::find(ops.begin(), ops.end(), operation) != ops.end();
}

size_t RateLimiter::buckets() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

core::Status RateLimiter::admit(const core::Scope& scope, std::string_view operation) {
  thread_local std::string account;  // reused: no allocation per request
  account.assign(scope.account_id).append("/").append(scope.region);
  if (allow(account, operation)) return {};
  return core::Error{core::ErrorCode::kThrottled, "Rate exceeded", {}, {}};
}

void RateLimiter::sweep(core::TimePoint now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const Bucket& b = it->second;
    const double elapsed = now > b.last ? std::chrono::duration<double>(now - b.last).count() : 0;
    if (b.tokens + elapsed * b.rate >= burst_of(b.rate)) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

bool RateLimiter::allow(const std::string& account, std::string_view operation) {
  auto rate_it = rates_.find(operation);
  if (rate_it == rates_.end() || rate_it->second <= 0) return true;
  const double rate = rate_it->second;
  const double burst = burst_of(rate);
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  thread_local std::string key;
  key.assign(account).append("\n").append(operation);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    // A full table of busy buckets is swept at most once a second, not on
    // every new caller.
    if (buckets_.size() >= sweep_at_ &&
        (buckets_.size() < max_buckets_ || now >= last_sweep_ + std::chrono::seconds(1))) {
      sweep(now);
      last_sweep_ = now;
      // Amortised: the next sweep waits until the table has doubled again.
      sweep_at_ = std::min(max_buckets_, std::max<size_t>(1024, buckets_.size() * 2));
    }
    // Still full of busy buckets: refuse rather than grow (or forget a busy
    // caller's debt, which would let it past its rate).
    if (buckets_.size() >= max_buckets_) return false;
    it = buckets_.emplace(key, Bucket{burst, now, rate}).first;
  } else if (now > it->second.last) {
    double elapsed = std::chrono::duration<double>(now - it->second.last).count();
    it->second.tokens = std::min(burst, it->second.tokens + elapsed * rate);
  }
  Bucket& b = it->second;
  b.last = std::max(b.last, now);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace vouch::service
