// Verification mail from IdentityService: the per-recipient cooldown (read
// from the outbox on the wall clock) and links that only a confirmation (not
// opening them) can use.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mail/link_token.h"
#include "service/identity_service.h"
#include "service/service_test_base.h"

namespace vouch::service {
namespace {

using core::ClaimStatus;
using core::Scope;
using std::chrono::hours;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));
const Scope kScope{"111122223333", "us-east-1"};
const Scope kOtherRegion{"111122223333", "eu-west-1"};
const std::string kAddress = "user@example.com";

class IdentityMailTest : public IdentityServiceTestBase {
 protected:
  IdentityMailTest() : IdentityServiceTestBase(T0, 7, "page-token-key") {}

  void SetUp() override {
    IdentityServiceTestBase::SetUp();
    if (HasFatalFailure()) return;
    make(seconds(300));
  }

  void make(core::Seconds cooldown) {
    service_ = make_identity_service();
    service_->enable_mail(
        {"from@vouch.test", "http://vouch.test", &links_, nullptr, &wall_, cooldown});
  }

  // Every message queued, oldest first.
  std::vector<core::Mail> outbox(const std::string& to = kAddress) {
    auto r = store_->list_mail(to, std::nullopt);
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<core::Mail>{};
  }

  std::string token_of(const core::Mail& m) {
    const std::string marker = "token=";
    auto at = m.text_body.find(marker);
    EXPECT_NE(at, std::string::npos);
    auto end = m.text_body.find_first_of(" \r\n\"<", at);
    return m.text_body.substr(at + marker.size(), end - at - marker.size());
  }

  ClaimStatus status(const Scope& scope = kScope) {
    auto r = store_->find_identity(scope, kAddress);
    EXPECT_TRUE(r.ok() && *r);
    return r.ok() && *r ? (*r)->status : ClaimStatus::kFailed;
  }

  core::ManualClock wall_{T0};
  mail::LinkTokens links_{"link-key"};
};

TEST_F(IdentityMailTest, ARepeatWithinTheCooldownSucceedsAndSendsNothing) {
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  ASSERT_EQ(outbox().size(), 1u);
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(service_->verify_email(kScope, kAddress,
                                     i % 2 ? "VerifyEmailAddress" : "VerifyEmailIdentity"));
    wall_.advance(seconds(5));  // 250 s in all: still inside 300 s
  }
  EXPECT_EQ(outbox().size(), 1u);
  EXPECT_EQ(status(), ClaimStatus::kPending);
  // Positive control: past the cooldown the repeat sends again.
  wall_.advance(seconds(50));
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  EXPECT_EQ(outbox().size(), 2u);
}

TEST_F(IdentityMailTest, ConcurrentRepeatsQueueOneMessage) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) EXPECT_OK(service_->verify_email(kScope, kAddress));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(outbox().size(), 1u);
}

TEST_F(IdentityMailTest, DeletingAndVerifyingAgainDoesNotEscapeTheCooldown) {
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(service_->delete_identity(kScope, kAddress));
    ASSERT_OK(service_->verify_email(kScope, kAddress));
  }
  EXPECT_EQ(outbox().size(), 1u);
}

TEST_F(IdentityMailTest, EachScopeHasItsOwnCooldown) {
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  ASSERT_OK(service_->verify_email(kOtherRegion, kAddress));
  EXPECT_EQ(outbox().size(), 2u);
  ASSERT_OK(service_->verify_email(kOtherRegion, kAddress));
  EXPECT_EQ(outbox().size(), 2u);
}

TEST_F(IdentityMailTest, ZeroCooldownSendsEveryTime) {
  make(seconds(0));
  for (int i = 0; i < 3; ++i) ASSERT_OK(service_->verify_email(kScope, kAddress));
  EXPECT_EQ(outbox().size(), 3u);
}

TEST_F(IdentityMailTest, AReopenedFailedIdentityGetsItsNewLinkDespiteTheCooldown) {
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  const std::string old_token = token_of(outbox().back());
  clock_.advance(hours(24) + seconds(1));  // the window closes (domain clock)...
  wall_.advance(seconds(10));              // ...while the wall clock is inside the cooldown
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  ASSERT_EQ(outbox().size(), 2u);  // the old link died with the old nonce: a new one goes out
  const std::string new_token = token_of(outbox().back());
  EXPECT_NE(new_token, old_token);
  // A repeat of the reopened (now pending) identity is inside the cooldown again.
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  EXPECT_EQ(outbox().size(), 2u);
  auto confirmed = service_->confirm_email(new_token);
  ASSERT_OK(confirmed);
  EXPECT_EQ(confirmed->outcome, ConfirmOutcome::kVerified);
}

TEST_F(IdentityMailTest, InspectingALinkChangesNothingAndConfirmingVerifies) {
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  const std::string token = token_of(outbox().back());
  for (int i = 0; i < 3; ++i) {
    auto seen = service_->inspect_email_link(token);
    ASSERT_OK(seen);
    EXPECT_EQ(seen->outcome, ConfirmOutcome::kConfirmable);
    EXPECT_EQ(seen->address, kAddress);
  }
  EXPECT_EQ(status(), ClaimStatus::kPending);
  auto confirmed = service_->confirm_email(token);
  ASSERT_OK(confirmed);
  EXPECT_EQ(confirmed->outcome, ConfirmOutcome::kVerified);
  EXPECT_EQ(status(), ClaimStatus::kVerified);
  auto after = service_->inspect_email_link(token);
  ASSERT_OK(after);
  EXPECT_EQ(after->outcome, ConfirmOutcome::kAlreadyVerified);
  auto forged = service_->inspect_email_link(token + "x");
  ASSERT_OK(forged);
  EXPECT_EQ(forged->outcome, ConfirmOutcome::kInvalid);
}

TEST_F(IdentityMailTest, InspectingAnExpiredLinkSaysSoWithoutFailingTheIdentity) {
  ASSERT_OK(service_->verify_email(kScope, kAddress));
  const std::string token = token_of(outbox().back());
  clock_.advance(hours(25));
  auto seen = service_->inspect_email_link(token);
  ASSERT_OK(seen);
  EXPECT_EQ(seen->outcome, ConfirmOutcome::kExpired);
  auto confirmed = service_->confirm_email(token);
  ASSERT_OK(confirmed);
  EXPECT_EQ(confirmed->outcome, ConfirmOutcome::kExpired);
}

}  // namespace
}  // namespace vouch::service
