// Token buckets per (account, operation), burst equal to the rate, driven by a
// ManualClock so every refill is exact.
#include "service/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace vouch::service {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));
const std::string kAccount = "111122223333";
const std::string kOther = "444455556666";

// How many of `n` immediate calls are allowed.
int allowed_of(RateLimiter& l, int n, const std::string& account = kAccount,
               const std::string& op = "Op") {
  int ok = 0;
  for (int i = 0; i < n; ++i) ok += l.allow(account, op) ? 1 : 0;
  return ok;
}

TEST(RateLimiterTest, OnePerSecondAllowsOneThenRefillsAfterASecond) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 1.0}});
  EXPECT_TRUE(l.allow(kAccount, "Op"));
  EXPECT_FALSE(l.allow(kAccount, "Op"));
  clock.advance(milliseconds(999));
  EXPECT_FALSE(l.allow(kAccount, "Op"));
  clock.advance(milliseconds(1));
  EXPECT_TRUE(l.allow(kAccount, "Op"));
  EXPECT_FALSE(l.allow(kAccount, "Op"));
}

TEST(RateLimiterTest, DeniedCallsDoNotUseUpTokens) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 1.0}});
  EXPECT_TRUE(l.allow(kAccount, "Op"));
  for (int i = 0; i < 10; ++i) {
    clock.advance(milliseconds(50));
    EXPECT_FALSE(l.allow(kAccount, "Op")) << i;
  }
  clock.advance(milliseconds(500));  // 1 s since the allowed call
  EXPECT_TRUE(l.allow(kAccount, "Op"));
}

TEST(RateLimiterTest, BurstEqualsTheRate) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 5.0}});
  EXPECT_EQ(allowed_of(l, 20), 5);
  clock.advance(milliseconds(200));  // one token at 5/s
  EXPECT_EQ(allowed_of(l, 20), 1);
  clock.advance(seconds(60));  // refills to the burst, not 300
  EXPECT_EQ(allowed_of(l, 20), 5);
}

TEST(RateLimiterTest, FractionalRateHasABurstOfOne) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 0.5}});
  EXPECT_EQ(allowed_of(l, 5), 1);
  clock.advance(seconds(1));
  EXPECT_EQ(allowed_of(l, 5), 0);
  clock.advance(seconds(1));
  EXPECT_EQ(allowed_of(l, 5), 1);
  clock.advance(seconds(100));
  EXPECT_EQ(allowed_of(l, 5), 1);
}

TEST(RateLimiterTest, ZeroOrAbsentRateIsUnlimited) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Zero", 0.0}, {"Limited", 1.0}});
  EXPECT_EQ(allowed_of(l, 1000, kAccount, "Zero"), 1000);
  EXPECT_EQ(allowed_of(l, 1000, kAccount, "NotListed"), 1000);
  EXPECT_EQ(allowed_of(l, 1000, kAccount, "Limited"), 1);

  RateLimiter none(clock, {});
  EXPECT_EQ(allowed_of(none, 1000, kAccount, "VerifyDomainIdentity"), 1000);
}

TEST(RateLimiterTest, AccountsHaveTheirOwnBuckets) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 1.0}});
  EXPECT_TRUE(l.allow(kAccount, "Op"));
  EXPECT_FALSE(l.allow(kAccount, "Op"));
  EXPECT_TRUE(l.allow(kOther, "Op"));
  EXPECT_FALSE(l.allow(kOther, "Op"));
}

TEST(RateLimiterTest, OperationsHaveTheirOwnBuckets) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"A", 1.0}, {"B", 2.0}});
  EXPECT_EQ(allowed_of(l, 10, kAccount, "A"), 1);
  EXPECT_EQ(allowed_of(l, 10, kAccount, "B"), 2);
  EXPECT_EQ(allowed_of(l, 10, kOther, "A"), 1);
}

TEST(RateLimiterTest, AClockMovingBackwardsGrantsNothing) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 1.0}});
  EXPECT_TRUE(l.allow(kAccount, "Op"));
  clock.set(T0 - seconds(30));
  EXPECT_FALSE(l.allow(kAccount, "Op"));
  clock.set(T0 + milliseconds(500));
  EXPECT_FALSE(l.allow(kAccount, "Op"));
  clock.set(T0 + seconds(1));
  EXPECT_TRUE(l.allow(kAccount, "Op"));
}

TEST(RateLimiterTest, ConcurrentCallersShareOneBucket) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 10.0}});
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) allowed += l.allow(kAccount, "Op") ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 10);
}

TEST(RateLimiterTest, AdmitLimitsEachRegionOfAnAccountOnItsOwn) {
  core::ManualClock clock;
  RateLimiter l(clock, {{"Op", 1.0}});
  const core::Scope east{"111122223333", "us-east-1"}, west{"111122223333", "eu-west-1"};
  EXPECT_TRUE(l.admit(east, "Op").ok());
  auto second = l.admit(east, "Op");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, core::ErrorCode::kThrottled);
  EXPECT_EQ(second.error().message, "Rate exceeded");
  EXPECT_TRUE(l.admit(west, "Op").ok());  // another Region has its own bucket
  EXPECT_FALSE(l.admit(west, "Op").ok());
  clock.advance(std::chrono::seconds(1));
  EXPECT_TRUE(l.admit(east, "Op").ok());
}

TEST(RateLimiterTest, AwsDefaultsAreOnePerSecondForTheThrottledOperations) {
  auto d = RateLimiter::aws_defaults();
  EXPECT_EQ(d.at("VerifyDomainIdentity"), 1.0);
  EXPECT_EQ(d.at("GetIdentityVerificationAttributes"), 1.0);
}

TEST(RateLimiterTest, AwsDefaultsThrottleEmailVerificationAtOnePerSecond) {
  auto d = RateLimiter::aws_defaults();
  EXPECT_EQ(d.at("VerifyEmailIdentity"), 1.0);
  EXPECT_EQ(d.at("VerifyEmailAddress"), 1.0);
  EXPECT_EQ(d.count("ListIdentities"), 0u);  // unchanged: unlimited unless asked
}

TEST(RateLimiterTest, EveryDefaultIsAServedOperation) {
  for (const auto& [op, rate] : RateLimiter::aws_defaults()) {
    EXPECT_TRUE(RateLimiter::known_operation(op)) << op;
  }
  EXPECT_TRUE(RateLimiter::known_operation("StartDomainVerification"));
  EXPECT_FALSE(RateLimiter::known_operation("VerifyEmailIdentities"));
  EXPECT_FALSE(RateLimiter::known_operation(""));
}

TEST(RateLimiterTest, IdleBucketsAreDroppedWithoutChangingAnswers) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 1.0}}, 4000);
  for (int i = 0; i < 4000; ++i) ASSERT_TRUE(l.allow("acct" + std::to_string(i), "Op"));
  EXPECT_EQ(l.buckets(), 4000u);
  clock.advance(seconds(1));  // every bucket has refilled to its burst
  EXPECT_TRUE(l.allow("fresh", "Op"));
  EXPECT_EQ(l.buckets(), 1u);  // a sweep ran and dropped the idle ones
  // A caller whose bucket was dropped gets exactly what it would have got.
  EXPECT_TRUE(l.allow("acct1", "Op"));
  EXPECT_FALSE(l.allow("acct1", "Op"));
}

TEST(RateLimiterTest, BusyBucketsSurviveASweep) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 1.0}}, 2048);
  ASSERT_TRUE(l.allow("busy", "Op"));
  for (int i = 0; i < 1100; ++i) l.allow("acct" + std::to_string(i), "Op");
  // "busy" spent its token less than a second ago: it is still owed.
  EXPECT_FALSE(l.allow("busy", "Op"));
}

TEST(RateLimiterTest, TheTableNeverGrowsPastItsCap) {
  core::ManualClock clock(T0);
  RateLimiter l(clock, {{"Op", 1.0}}, 100);
  int allowed = 0;
  for (int i = 0; i < 500; ++i) allowed += l.allow("acct" + std::to_string(i), "Op") ? 1 : 0;
  EXPECT_EQ(l.buckets(), 100u);
  EXPECT_EQ(allowed, 100);    // full of busy buckets: new callers wait
  clock.advance(seconds(1));  // all idle now: room again
  EXPECT_TRUE(l.allow("late", "Op"));
  EXPECT_LE(l.buckets(), 100u);
  // Positive control for an existing busy bucket at the cap.
  EXPECT_TRUE(l.allow("acct0", "Op"));
}

}  // namespace
}  // namespace vouch::service
