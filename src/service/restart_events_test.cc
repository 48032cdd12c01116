// A Verify that restarts a failed identity or record moves its stored status,
// so it is recorded as every status change is: history, an event and a
// webhook delivery in the same transaction (service/recorded_update.h).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/status_machine.h"
#include "service/identity_service.h"
#include "service/record_claim.h"
#include "service/service_test_base.h"

namespace vouch::service {
namespace {

using core::ClaimKind;
using core::ClaimStatus;
using std::chrono::hours;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));
const core::Scope kScope{"111122223333", "us-east-1"};
constexpr const char* kAbsent = R"({"outcome":"absent","resolvers":1})";

class RestartEventsTest : public IdentityServiceTestBase {
 protected:
  RestartEventsTest() : IdentityServiceTestBase(T0, 9, "restart-events-key") {}

  void SetUp() override {
    IdentityServiceTestBase::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK(store_->insert_webhook(
        {"wh-1", kScope.account_id, "https://hooks.example/", {}, "whsec_1", T0, false}, 10));
  }

  core::Claim stored(ClaimKind kind, const std::string& subject) {
    auto r = store_->find_claims(kScope, kind, {subject});
    EXPECT_TRUE(r.ok() && r->size() == 1) << subject;
    return r.ok() && r->size() == 1 ? r->front() : core::Claim{};
  }

  core::Claim by_id(const std::string& id) {
    auto r = store_->get_claim(kScope, id);
    EXPECT_TRUE(r.ok() && *r) << id;
    return r.ok() && *r ? **r : core::Claim{};
  }

  // What the scheduler records when a claim's window runs out.
  void fail(core::Claim c) {
    const ClaimStatus from = c.status;
    c.status = ClaimStatus::kFailed;
    c.next_check_at.reset();
    ASSERT_OK(store_->record_check(c, kAbsent, core::StatusChange{clock_.now(), from, c.status}));
  }

  std::vector<core::Event> events() {
    auto r = store_->list_events(kScope.account_id, 0, 100);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<core::Event>{};
  }

  size_t deliveries() {
    auto n = store_->count_pending_deliveries();
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : 0;
  }
};

TEST_F(RestartEventsTest, AFailedDomainVerifiedAgainIsAnEventKeepingItsLastEvidence) {
  ASSERT_OK(service_->verify_domain(kScope, "example.com"));
  EXPECT_TRUE(events().empty()) << "a new identity is no change";
  clock_.advance(hours(72));
  fail(stored(ClaimKind::kSesDomain, "example.com"));
  ASSERT_EQ(events().size(), 1u) << "the control: the failing check's event";
  clock_.advance(hours(1));
  ASSERT_OK(service_->verify_domain(kScope, "example.com"));
  auto e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].subject, "example.com");
  EXPECT_EQ(e[1].kind, ClaimKind::kSesDomain);
  EXPECT_EQ(e[1].change.from, ClaimStatus::kFailed);
  EXPECT_EQ(e[1].change.to, ClaimStatus::kPending);
  EXPECT_EQ(e[1].change.at, clock_.now());
  EXPECT_EQ(e[1].evidence, std::optional<std::string>(kAbsent)) << "the last check's, kept";
  EXPECT_EQ(deliveries(), 2u) << "each event queued for the webhook";
  auto history = store_->history(e[1].claim_id);
  ASSERT_OK(history);
  EXPECT_EQ(history->size(), 2u);
  const core::Claim c = stored(ClaimKind::kSesDomain, "example.com");
  EXPECT_EQ(c.status, ClaimStatus::kPending);
  EXPECT_EQ(c.next_check_at, clock_.now());
}

TEST_F(RestartEventsTest, AVerifyThatLeavesTheStatusAsItWasWritesNoEvent) {
  ASSERT_OK(service_->verify_domain(kScope, "pending.example"));
  clock_.advance(hours(1));
  ASSERT_OK(service_->verify_domain(kScope, "pending.example"));  // due now, still pending
  EXPECT_EQ(stored(ClaimKind::kSesDomain, "pending.example").status, ClaimStatus::kPending);
  ASSERT_OK(service_->verify_domain(kScope, "failed.example"));
  fail(stored(ClaimKind::kSesDomain, "failed.example"));
  ASSERT_OK(service_->verify_domain(kScope, "failed.example"));
  auto e = events();
  ASSERT_EQ(e.size(), 2u) << "only failed.example's failure and restart (the control)";
  EXPECT_EQ(e[0].subject, "failed.example");
  EXPECT_EQ(e[1].subject, "failed.example");
}

TEST_F(RestartEventsTest, AnEmailStoredFailedRestartsWithAnEventOneThatOnlyLapsedWithNone) {
  ASSERT_OK(service_->verify_email(kScope, "stored@example.com", "VerifyEmailIdentity"));
  ASSERT_OK(service_->verify_email(kScope, "lapsed@example.com", "VerifyEmailIdentity"));
  clock_.advance(hours(25));
  fail(stored(ClaimKind::kSesEmail, "stored@example.com"));
  // lapsed@ read as Failed, but no check stored it: no event said it failed.
  ASSERT_OK(service_->verify_email(kScope, "stored@example.com", "VerifyEmailIdentity"));
  ASSERT_OK(service_->verify_email(kScope, "lapsed@example.com", "VerifyEmailIdentity"));
  auto e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].subject, "stored@example.com");
  EXPECT_EQ(e[1].change.from, ClaimStatus::kFailed);
  EXPECT_EQ(e[1].change.to, ClaimStatus::kPending);
  const core::Claim lapsed = stored(ClaimKind::kSesEmail, "lapsed@example.com");
  EXPECT_EQ(lapsed.status, ClaimStatus::kPending);
  EXPECT_EQ(lapsed.deadline, clock_.now() + hours(24)) << "restarted all the same";
}

TEST_F(RestartEventsTest, AFailedDkimRecordReopenedIsAnEvent) {
  ASSERT_OK(service_->verify_domain_dkim(kScope, "example.com"));
  auto records = store_->find_claims(kScope, ClaimKind::kSesDkim, {"example.com"});
  ASSERT_OK(records);
  ASSERT_EQ(records->size(), 3u);
  fail((*records)[0]);
  ASSERT_OK(reopen_record_claim(*store_, by_id((*records)[0].id), clock_.now()));
  ASSERT_OK(reopen_record_claim(*store_, (*records)[1], clock_.now()));  // pending: no event
  auto e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].kind, ClaimKind::kSesDkim);
  EXPECT_EQ(e[1].claim_id, (*records)[0].id);
  EXPECT_EQ(e[1].change.from, ClaimStatus::kFailed);
  EXPECT_EQ(e[1].change.to, ClaimStatus::kPending);
}

}  // namespace
}  // namespace vouch::service
