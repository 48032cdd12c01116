// DueNotifyingStore tells of exactly the writes that leave a claim due now.
#include "store/due_notifying_store.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::store {
namespace {

using core::Claim;
using core::ClaimKind;

const core::Scope kScope{"111122223333", "us-east-1"};
const core::TimePoint T0 = core::TimePoint(std::chrono::seconds(1'700'000'000));

Claim claim(ClaimKind kind, const std::string& subject, int n,
            std::optional<core::TimePoint> next) {
  Claim c;
  c.id = "id-" + std::to_string(1000 + n);
  c.scope = kScope;
  c.kind = kind;
  c.subject = subject;
  c.record_name = "_amazonses." + subject;
  c.token = "token-" + subject;
  c.created_at = T0;
  c.deadline = T0 + core::kDomainWindow;
  c.next_check_at = next;
  return c;
}

class DueNotifyingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sqlite = sqlite::SqliteStore::open(dir_.file("vouch.db"));
    ASSERT_TRUE(sqlite.ok());
    store_ = std::make_unique<DueNotifyingStore>(std::move(*sqlite));
    store_->on_due(clock_, [this] { ++told_; });
    store_->on_change([this] { ++changed_; });
  }

  testing::TempDir dir_;
  core::ManualClock clock_{T0};
  std::unique_ptr<DueNotifyingStore> store_;
  int told_ = 0;
  int changed_ = 0;
};

TEST_F(DueNotifyingStoreTest, ANewClaimDueNowIsTold) {
  ASSERT_TRUE(store_->insert_claim(claim(ClaimKind::kSesDomain, "a.example", 1, T0)).ok());
  EXPECT_EQ(told_, 1);
  // Due later (an email claim waits for its deadline), or never: nothing to tell.
  ASSERT_TRUE(store_
                  ->insert_claim(
                      claim(ClaimKind::kSesEmail, "b@example.com", 2, T0 + std::chrono::hours(24)))
                  .ok());
  ASSERT_TRUE(
      store_->insert_claim(claim(ClaimKind::kSesDomain, "c.example", 3, std::nullopt)).ok());
  EXPECT_EQ(told_, 1);
}

TEST_F(DueNotifyingStoreTest, AFailedWriteIsNotTold) {
  ASSERT_TRUE(store_->insert_claim(claim(ClaimKind::kSesDomain, "a.example", 1, T0)).ok());
  auto again = store_->insert_claim(claim(ClaimKind::kSesDomain, "a.example", 2, T0));
  EXPECT_FALSE(again.ok());  // the subject is taken
  EXPECT_EQ(told_, 1);
}

TEST_F(DueNotifyingStoreTest, AnUpdateThatMakesAClaimDueIsTold) {
  auto c = store_->insert_claim(
      claim(ClaimKind::kSesDomain, "a.example", 1, T0 + std::chrono::minutes(1)));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(told_, 0);
  clock_.set(T0 + std::chrono::seconds(30));
  c->tags = {{"k", "v"}};  // still due in 30 s
  c = store_->update_claim(*c);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(told_, 0);
  c->next_check_at = clock_.now();  // a repeat Verify
  ASSERT_TRUE(store_->update_claim(*c).ok());
  EXPECT_EQ(told_, 1);
}

TEST_F(DueNotifyingStoreTest, CreateOnceTellsOnlyWhenItCreated) {
  core::CreateRules rules;
  rules.now = T0;
  auto first = store_->create_claim_once(claim(ClaimKind::kLatticeDomain, "a.example", 1, T0),
                                         std::nullopt, rules);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->outcome, core::CreateOutcome::kCreated);
  EXPECT_EQ(told_, 1);
  auto dup = store_->create_claim_once(claim(ClaimKind::kLatticeDomain, "a.example", 2, T0),
                                       std::nullopt, rules);
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->outcome, core::CreateOutcome::kLiveDuplicate);
  EXPECT_EQ(told_, 1);
}

TEST_F(DueNotifyingStoreTest, ARecordedStatusChangeIsToldAndACheckWithoutOneIsNot) {
  auto c = store_->insert_claim(
      claim(ClaimKind::kSesDomain, "a.example", 1, T0 + std::chrono::hours(1)));
  ASSERT_TRUE(c.ok());
  c->next_check_at = T0 + std::chrono::hours(2);
  c = store_->record_check(*c, "{}", std::nullopt);  // still pending
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(changed_, 0);
  auto stale = *c;
  c->status = core::ClaimStatus::kVerified;
  c = store_->record_check(*c, "{}",
                           core::StatusChange{T0, core::ClaimStatus::kPending, c->status});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(changed_, 1);
  stale.status = core::ClaimStatus::kFailed;  // lost the compare-and-set: nothing committed
  EXPECT_FALSE(store_
                   ->record_check(stale, "{}",
                                  core::StatusChange{T0, core::ClaimStatus::kPending,
                                                     core::ClaimStatus::kFailed})
                   .ok());
  EXPECT_EQ(changed_, 1);
  EXPECT_EQ(told_, 0) << "none of them left the claim due";
}

TEST_F(DueNotifyingStoreTest, ABatchOfChecksIsToldOnceWhenOneOfItsChangesCommitted) {
  auto a = store_->insert_claim(claim(ClaimKind::kSesDomain, "a.example", 1, std::nullopt));
  auto b = store_->insert_claim(claim(ClaimKind::kSesDomain, "b.example", 2, std::nullopt));
  ASSERT_TRUE(a.ok() && b.ok());
  auto quiet = store_->record_checks({{*a, "{}", std::nullopt}, {*b, "{}", std::nullopt}});
  ASSERT_TRUE(quiet[0].ok() && quiet[1].ok());
  EXPECT_EQ(changed_, 0) << "the control: no change in the batch";
  a = quiet[0];
  b = quiet[1];
  a->status = b->status = core::ClaimStatus::kVerified;
  const core::StatusChange change{T0, core::ClaimStatus::kPending, core::ClaimStatus::kVerified};
  auto out = store_->record_checks({{*a, "{}", change}, {*b, "{}", change}});
  ASSERT_TRUE(out[0].ok() && out[1].ok());
  EXPECT_EQ(changed_, 1);
}

TEST_F(DueNotifyingStoreTest, WithNobodyToTellWritesStillWork) {
  auto sqlite = sqlite::SqliteStore::open(dir_.file("other.db"));
  ASSERT_TRUE(sqlite.ok());
  DueNotifyingStore quiet(std::move(*sqlite));
  EXPECT_TRUE(quiet.insert_claim(claim(ClaimKind::kSesDomain, "a.example", 1, T0)).ok());
}

}  // namespace
}  // namespace vouch::store
