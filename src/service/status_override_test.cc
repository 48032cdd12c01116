// Test mode's status control: each status moves the claim as the status
// machine would (window, next check, absence), with a history entry and the
// evidence it implies; another scope's claim is unknown; a Lattice
// verification cannot be unconfirmed.
#include "service/status_override.h"

#include "core/evidence_json.h"
#include "core/status_machine.h"
#include "service/identity_service.h"
#include "service/service_test_base.h"

namespace vouch::service {
namespace {

using core::ClaimStatus;

const core::TimePoint kStart{std::chrono::seconds(1'780'000'000)};
const core::Scope kScope{"123456789012", "us-east-1"};

class StatusOverrideTest : public ServiceTestBase {
 protected:
  StatusOverrideTest() : ServiceTestBase(kStart, 15, std::string(32, 's')) {}
  void SetUp() override {
    ServiceTestBase::SetUp();
    service_ = std::make_unique<IdentityService>(*store_, clock_, random_, unlimited_, tokens_);
  }
  core::Claim identity(const std::string& name) {
    auto c = store_->find_identity(kScope, name);
    EXPECT_TRUE(c.ok() && *c);
    return **c;
  }
  core::Claim set(const std::string& id, ClaimStatus to) {
    auto c = set_claim_status(*store_, kScope, id, to, clock_.now());
    EXPECT_TRUE(c.ok()) << c.error().message;
    return *c;
  }
  std::unique_ptr<IdentityService> service_;
};

TEST_F(StatusOverrideTest, WalksADomainThroughEveryStatus) {
  ASSERT_TRUE(service_->verify_domain(kScope, "example.com").ok());
  const std::string id = identity("example.com").id;
  const auto p = core::policy_for(core::ClaimKind::kSesDomain);

  clock_.advance(std::chrono::seconds(10));
  auto c = set(id, ClaimStatus::kVerified);
  EXPECT_EQ(c.status, ClaimStatus::kVerified);
  EXPECT_EQ(c.last_verified_at, clock_.now());
  EXPECT_EQ(c.next_check_at, clock_.now() + p.recheck_interval);
  auto e = core::evidence_from_text(**store_->last_evidence(id));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->outcome, core::CheckOutcome::kFound);
  EXPECT_EQ(e->perspectives.at(0).resolver, "vouch-test");

  clock_.advance(std::chrono::seconds(10));
  c = set(id, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(c.status, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(c.absent_since, clock_.now());
  EXPECT_EQ(c.next_check_at, clock_.now() + core::backoff(p, 0));
  EXPECT_EQ(core::evidence_from_text(**store_->last_evidence(id))->outcome,
            core::CheckOutcome::kAbsent);
  // The next real check that finds nothing, past the window, fails it.
  auto later = core::apply_check(p, c, core::CheckOutcome::kAbsent, clock_.now() + p.revoke_after);
  EXPECT_EQ(later.status, ClaimStatus::kFailed);

  clock_.advance(std::chrono::seconds(10));
  c = set(id, ClaimStatus::kFailed);
  EXPECT_EQ(c.status, ClaimStatus::kFailed);
  EXPECT_FALSE(c.next_check_at.has_value());

  clock_.advance(std::chrono::seconds(10));
  c = set(id, ClaimStatus::kPending);
  EXPECT_EQ(c.status, ClaimStatus::kPending);
  EXPECT_EQ(c.deadline, clock_.now() + p.window);
  EXPECT_EQ(c.next_check_at, clock_.now());

  auto history = store_->history(id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].from, ClaimStatus::kPending);
  EXPECT_EQ((*history)[0].to, ClaimStatus::kVerified);
  EXPECT_EQ((*history)[1].to, ClaimStatus::kUnconfirmed);
  EXPECT_EQ((*history)[2].to, ClaimStatus::kFailed);
  EXPECT_EQ((*history)[3].to, ClaimStatus::kPending);
  EXPECT_EQ((*history)[3].at, clock_.now());
  // The same status again: no new history entry.
  set(id, ClaimStatus::kPending);
  EXPECT_EQ(store_->history(id)->size(), 4u);
}

TEST_F(StatusOverrideTest, AnAddressIsNotCheckedAgainOnceVerified) {
  ASSERT_TRUE(service_->verify_email(kScope, "a@example.com").ok());
  const std::string id = identity("a@example.com").id;
  auto c = set(id, ClaimStatus::kVerified);
  EXPECT_EQ(c.status, ClaimStatus::kVerified);
  EXPECT_FALSE(c.next_check_at.has_value());
  EXPECT_EQ(**store_->last_evidence(id), "{}");
}

TEST_F(StatusOverrideTest, AnotherScopesClaimIsUnknown) {
  ASSERT_TRUE(service_->verify_domain(kScope, "example.com").ok());
  const std::string id = identity("example.com").id;
  EXPECT_TRUE(set_claim_status(*store_, kScope, id, ClaimStatus::kVerified, clock_.now()).ok());
  for (const core::Scope& other :
       {core::Scope{"210987654321", "us-east-1"}, core::Scope{"123456789012", "eu-west-1"}}) {
    auto r = set_claim_status(*store_, other, id, ClaimStatus::kFailed, clock_.now());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::ErrorCode::kNotFound);
  }
  auto r = set_claim_status(*store_, kScope, "id-00000000000000000000", ClaimStatus::kFailed,
                            clock_.now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(identity("example.com").status, ClaimStatus::kVerified);
}

TEST_F(StatusOverrideTest, ALatticeVerificationIsNeverUnconfirmed) {
  core::Claim c;
  c.id = "dv-0123456789abcdef0";
  c.scope = kScope;
  c.kind = core::ClaimKind::kLatticeDomain;
  c.subject = "example.com";
  c.record_name = "_x.example.com";
  c.token = "vpc-lattice:x";
  c.created_at = kStart;
  c.deadline = kStart + core::kDomainWindow;
  c.next_check_at = kStart;
  ASSERT_TRUE(store_->insert_claim(c).ok());
  auto r = set_claim_status(*store_, kScope, c.id, ClaimStatus::kUnconfirmed, clock_.now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(set(c.id, ClaimStatus::kVerified).status, ClaimStatus::kVerified);  // control
}

}  // namespace
}  // namespace vouch::service
