// Retention over a real store, on ManualClocks and a FakeTimer: each kind of
// row goes once past its retention and not before, what is still needed
// stays, a pass is bounded, and the loop runs one pass per interval.
#include "service/retention.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/eventually.h"
#include "testing/fake_timer.h"
#include "testing/temp_dir.h"

namespace vouch::service {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const core::TimePoint kT0{seconds(1767225600)};
const core::Scope kScope{"123456789012", "us-east-1"};
constexpr auto kWeek = hours(7 * 24);

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::sqlite::SqliteStore::open(dir_.path() + "/vouch.db");
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }

  core::Claim claim(const std::string& subject, core::TimePoint at) {
    core::Claim c;
    c.id = "dv-" + std::string(14, '0') + std::to_string(100 + ++n_);
    c.scope = kScope;
    c.kind = core::ClaimKind::kLatticeDomain;
    c.subject = subject;
    c.record_name = "_label." + subject;
    c.token = "t";
    c.created_at = at;
    c.deadline = at + hours(72);
    return c;
  }

  // A create under a client token at `at`.
  void create_with_token(const std::string& subject, core::TimePoint at) {
    core::CreateRules rules;
    rules.now = at;
    auto r = store_->create_claim_once(claim(subject, at),
                                       core::IdempotencyKey{"tok-" + subject, "h", "{}"}, rules);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->outcome, core::CreateOutcome::kCreated);
  }

  // A claim whose status changed `changes` times, the last at `last`.
  core::Claim flapping(const std::string& subject, int changes, core::TimePoint last) {
    auto c = store_->insert_claim(claim(subject, last));
    EXPECT_TRUE(c.ok());
    core::Claim cur = *c;
    for (int i = 0; i < changes; ++i) {
      const auto from = cur.status;
      cur.status = i % 2 ? core::ClaimStatus::kUnconfirmed : core::ClaimStatus::kVerified;
      auto r = store_->record_check(
          cur, "{\"check\":" + std::to_string(i) + "}",
          core::StatusChange{last - hours(changes - 1 - i), from, cur.status});
      EXPECT_TRUE(r.ok());
      cur = *r;
    }
    return cur;
  }

  void mail(core::Mail::State state, core::TimePoint at) {
    core::Mail m;
    m.claim_id = "c";
    m.scope = kScope;
    m.from = "from@vouch.test";
    m.to = "to@example.com";
    m.state = state;
    m.created_at = at;
    m.next_attempt_at = at;
    ASSERT_TRUE(store_->enqueue_mail(m).ok());
  }

  size_t tokens() { return store_->snapshot()->idempotency.size(); }
  size_t events() { return store_->list_events(kScope.account_id, 0, 1000)->size(); }
  size_t mails() { return store_->list_mail(std::nullopt, std::nullopt)->size(); }
  size_t history(const std::string& id) { return store_->history(id)->size(); }

  testing::TempDir dir_;
  std::unique_ptr<core::Store> store_;
  int n_ = 0;
};

TEST_F(RetentionTest, APassDropsWhatIsPastEachRetentionAndKeepsTheRest) {
  const core::TimePoint now = kT0 + kWeek;
  core::ManualClock clock(now);
  core::ManualClock wall(now);
  // Tokens: one just past the window, one inside it (the control).
  create_with_token("old.example", now - hours(8) - seconds(1));
  create_with_token("live.example", now - hours(8) + seconds(1));
  // Events (one per history entry): 4 from a week ago and more, 3 newer.
  core::Claim flap = flapping("flap.example", 4, kT0);
  core::Claim recent = flapping("recent.example", 3, now);
  // Mail: sent and failed mail older than the retention go; queued mail never.
  mail(core::Mail::State::kSent, now - hours(25));
  mail(core::Mail::State::kFailed, now - hours(25));
  mail(core::Mail::State::kQueued, now - hours(25));
  mail(core::Mail::State::kSent, now - hours(23));
  ASSERT_EQ(tokens(), 2u);
  ASSERT_EQ(events(), 7u);
  ASSERT_EQ(mails(), 4u);

  RetentionOptions options;
  options.history_keep = 2;
  options.mail = hours(24);
  Retention retention(*store_, clock, wall, options);
  auto n = retention.prune_once();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->tokens, 1u);
  EXPECT_EQ(n->events, 3u) << "the event at exactly a week is kept";
  EXPECT_EQ(n->history, 3u);
  EXPECT_EQ(n->mail, 2u);

  EXPECT_EQ(tokens(), 1u);
  EXPECT_EQ(events(), 4u);
  EXPECT_EQ(history(flap.id), 2u);
  EXPECT_EQ(history(recent.id), 2u);
  EXPECT_EQ(mails(), 2u);
  // The claims and their last evidence stay.
  auto last = store_->last_evidence(flap.id);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, std::optional<std::string>("{\"check\":3}"));
  EXPECT_EQ(*store_->count_claims(kScope, {core::ClaimKind::kLatticeDomain}), 4u);

  // Nothing more is due until time moves on.
  n = retention.prune_once();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->tokens + n->events + n->history + n->mail, 0u);
  clock.advance(seconds(2));
  n = retention.prune_once();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->tokens, 1u);
  EXPECT_EQ(retention.pruned().tokens, 2u);
}

TEST_F(RetentionTest, ZeroKeepsEverything) {
  const core::TimePoint now = kT0 + 2 * kWeek;
  core::ManualClock clock(now);
  create_with_token("old.example", kT0);
  core::Claim flap = flapping("flap.example", 4, kT0);
  mail(core::Mail::State::kSent, kT0);
  RetentionOptions options{seconds(0), seconds(0), 0, seconds(0)};
  Retention retention(*store_, clock, clock, options);
  auto n = retention.prune_once();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->tokens + n->events + n->history + n->mail, 0u);
  EXPECT_EQ(tokens(), 1u);
  EXPECT_EQ(events(), 4u);
  EXPECT_EQ(history(flap.id), 4u);
  EXPECT_EQ(mails(), 1u);
}

TEST_F(RetentionTest, APassIsBoundedAndTheNextContinues) {
  const core::TimePoint now = kT0 + kWeek;
  core::ManualClock clock(now);
  for (int i = 0; i < 5; ++i) create_with_token("d" + std::to_string(i) + ".example", kT0);
  RetentionOptions options;
  options.batch = 2;
  options.max_batches = 1;
  Retention retention(*store_, clock, clock, options);
  std::vector<size_t> passes;
  for (int i = 0; i < 4; ++i) passes.push_back(retention.prune_once()->tokens);
  EXPECT_EQ(passes, (std::vector<size_t>{2, 2, 1, 0}));
  EXPECT_EQ(tokens(), 0u);
}

TEST_F(RetentionTest, TheLoopRunsAPassAtStartAndOnePerInterval) {
  const core::TimePoint now = kT0 + kWeek;
  flapping("old.example", 1, kT0);
  flapping("new.example", 1, now);
  core::ManualClock clock(now);
  testing::FakeTimer timer;
  Retention retention(*store_, clock, clock, RetentionOptions{}, timer);
  retention.start();
  // At start nothing is older than the retention yet.
  ASSERT_TRUE(testing::eventually([&] { return timer.parked() == 1; }));
  EXPECT_EQ(retention.pruned().events, 0u);
  clock.advance(seconds(1));
  EXPECT_EQ(events(), 2u) << "no pass before the interval is up";
  timer.advance(Retention::kInterval);
  ASSERT_TRUE(testing::eventually([&] { return retention.pruned().events == 1; }));
  auto left = store_->list_events(kScope.account_id, 0, 10);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].subject, "new.example");
  retention.stop();
}

}  // namespace
}  // namespace vouch::service
