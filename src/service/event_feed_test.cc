// EventFeed over a real store: pages of the caller's account under signed
// tokens, and the page bounds (retention_test.cc prunes the events).
#include "service/event_feed.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::service {
namespace {

const core::TimePoint kT0{std::chrono::seconds(1767225600)};
const core::Scope kScope{"123456789012", "us-east-1"};
const core::Scope kOther{"210987654321", "us-east-1"};

class EventFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::sqlite::SqliteStore::open(dir_.path() + "/vouch.db");
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }

  // A claim of `scope` that changed status at `at`.
  void change(const core::Scope& scope, const std::string& subject, core::TimePoint at) {
    core::Claim c;
    c.id = "id-" + std::to_string(++n_);
    c.scope = scope;
    c.subject = subject;
    c.record_name = "_amazonses." + subject;
    c.token = "t";
    c.created_at = at;
    c.deadline = at + std::chrono::hours(72);
    auto in = store_->insert_claim(c);
    ASSERT_TRUE(in.ok());
    in->status = core::ClaimStatus::kVerified;
    ASSERT_TRUE(store_
                    ->record_check(*in, "{}",
                                   core::StatusChange{at, core::ClaimStatus::kPending,
                                                      core::ClaimStatus::kVerified})
                    .ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<core::Store> store_;
  PageTokens tokens_{"secret"};
  int n_ = 0;
};

TEST_F(EventFeedTest, PagesTheCallersAccountUnderSignedTokens) {
  for (int i = 0; i < 3; ++i) change(kScope, "d" + std::to_string(i) + ".example", kT0);
  change(kOther, "theirs.example", kT0);
  EventFeed feed(*store_, tokens_);
  auto first = feed.list(kScope, std::nullopt, 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->events.size(), 2u);
  ASSERT_TRUE(first->next_token);
  auto rest = feed.list(kScope, first->next_token, 2);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->events.size(), 1u);
  EXPECT_EQ(rest->events[0].subject, "d2.example");
  EXPECT_FALSE(rest->next_token);
  // Another account's token (or a forged one) is refused, not read.
  auto foreign = feed.list(kOther, first->next_token, 2);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, core::ErrorCode::kInvalidArgument);
  auto theirs = feed.list(kOther, std::nullopt, 10);
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->events.size(), 1u);
  for (size_t bad : {size_t{0}, kEventPageMax + 1}) {
    auto r = feed.list(kScope, std::nullopt, bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(feed.list(kScope, std::nullopt, kEventPageMax).ok());
}

}  // namespace
}  // namespace vouch::service
