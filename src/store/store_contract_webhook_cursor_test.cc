// The Store contract for webhook delivery by cursor: events go out with no
// row; only a retry, or an event waiting behind one of its claim, gets one;
// a batch recorded in part leaves the rest as rows; two workers on one store
// never send an event twice; events a webhook has not passed outlive their
// retention within the retry window.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "store/store_contract_webhooks_util.h"

namespace vouch::core::contract {
namespace {

class StoreWebhookCursorTest : public StoreWebhooksTest {
 protected:
  std::vector<Claim> claims(int n, const std::string& prefix = "c") {
    std::vector<Claim> out;
    for (int i = 0; i < n; ++i) {
      out.push_back(insert(
          make_claim(kScope, ClaimKind::kSesDomain, prefix + std::to_string(i) + ".example")));
    }
    return out;
  }
  size_t rows() {
    auto snap = store().snapshot();
    EXPECT_TRUE(snap.ok());
    return snap.ok() ? snap->deliveries.size() : 0;
  }
  std::vector<std::pair<WebhookDelivery, bool>> delivered(const std::vector<DueDelivery>& due,
                                                          TimePoint at) {
    std::vector<std::pair<WebhookDelivery, bool>> out;
    for (const auto& d : due) {
      WebhookDelivery w = d.delivery;
      w.state = State::kDelivered;
      w.attempts += 1;
      w.first_attempt_at = w.first_attempt_at.value_or(at);
      w.last_attempt_at = at;
      out.emplace_back(w, false);
    }
    return out;
  }
};

TEST_P(StoreWebhookCursorTest, EventsGoOutFromTheCursorWithNoRow) {
  Claim before = insert(make_claim(kScope, ClaimKind::kSesDomain, "old.example"));
  change(before, ClaimStatus::kVerified, T0);
  add("wh-1", kScope.account_id);
  EXPECT_TRUE(lease(T0).empty()) << "a new webhook starts after the events so far";
  for (const auto& c : claims(3)) change(c, ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 3u);
  for (const auto& d : due) {
    EXPECT_EQ(d.delivery.id, 0);
    ASSERT_TRUE(d.delivery.batch.has_value());
    EXPECT_EQ(d.delivery.batch->size, 3);
    EXPECT_EQ(d.delivery.batch->to, due.back().event->seq);
  }
  EXPECT_LT(due[0].event->seq, due[1].event->seq);
  EXPECT_EQ(listed(kScope.account_id).at(0).health.pending, 3);
  ASSERT_OK(store().record_deliveries(delivered(due, T0 + std::chrono::seconds(1))));
  EXPECT_EQ(rows(), 0u) << "delivered from the cursor: no row";
  auto h = listed(kScope.account_id).at(0);
  EXPECT_EQ(h.health.delivered, 3);
  EXPECT_EQ(h.health.pending, 0);
  EXPECT_EQ(h.health.last_attempt_at, std::optional<TimePoint>(T0 + std::chrono::seconds(1)));
  EXPECT_EQ(h.webhook.cursor, due.back().event->seq);
  EXPECT_TRUE(lease(T0 + std::chrono::hours(1)).empty()) << "passed: never again";
  auto pending = store().count_pending_deliveries();
  ASSERT_OK(pending);
  EXPECT_EQ(*pending, 0u);
}

// PostgreSQL skips its event horizon while no webhook is enabled; the first
// one still gets every event after it.
TEST_P(StoreWebhookCursorTest, LeasesBeforeAnyWebhookLoseNoEventOfTheFirst) {
  auto cs = claims(4);
  change(cs[0], ClaimStatus::kVerified, T0);
  EXPECT_TRUE(lease(T0).empty());
  change(cs[1], ClaimStatus::kVerified, T0);
  EXPECT_TRUE(lease(T0).empty());
  add("wh-1", kScope.account_id);
  EXPECT_TRUE(lease(T0).empty()) << "a new webhook starts after the events so far";
  change(cs[2], ClaimStatus::kVerified, T0);
  change(cs[3], ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].event->claim_id, cs[2].id);
  EXPECT_EQ(due[1].event->claim_id, cs[3].id);
}

TEST_P(StoreWebhookCursorTest, ARetryBecomesARowAndItsClaimsLaterEventsWaitBehindIt) {
  add("wh-1", kScope.account_id);
  auto cs = claims(2);
  Claim a = change(cs[0], ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 1u);
  WebhookDelivery d = due[0].delivery;
  d.next_attempt_at = T0 + std::chrono::minutes(1);
  deliver(d, State::kPending, T0, "HTTP 503");
  EXPECT_EQ(rows(), 1u);

  change(a, ClaimStatus::kUnconfirmed, T0 + std::chrono::seconds(1));
  change(cs[1], ClaimStatus::kVerified, T0 + std::chrono::seconds(2));
  auto next = lease(T0 + std::chrono::seconds(10));
  ASSERT_EQ(next.size(), 1u) << "a's second waits behind its retry; b goes";
  EXPECT_EQ(next[0].delivery.claim_id, cs[1].id);
  ASSERT_OK(store().record_deliveries(delivered(next, T0 + std::chrono::seconds(10))));
  EXPECT_EQ(rows(), 2u) << "the retry and the one waiting behind it";

  auto retry = lease(T0 + std::chrono::minutes(1));
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_GT(retry[0].delivery.id, 0) << "a row";
  EXPECT_EQ(retry[0].event->change.to, ClaimStatus::kVerified);
  EXPECT_EQ(retry[0].delivery.attempts, 1);
  ASSERT_OK(store().record_deliveries(delivered(retry, T0 + std::chrono::minutes(1))));
  auto behind = lease(T0 + std::chrono::minutes(1));
  ASSERT_EQ(behind.size(), 1u) << "now a's second";
  EXPECT_EQ(behind[0].event->change.to, ClaimStatus::kUnconfirmed);
  ASSERT_OK(store().record_deliveries(delivered(behind, T0 + std::chrono::minutes(1))));
  auto h = listed(kScope.account_id).at(0).health;
  EXPECT_EQ(h.delivered, 3);
  EXPECT_EQ(h.pending, 0);
  EXPECT_TRUE(lease(T0 + std::chrono::hours(1)).empty());
}

TEST_P(StoreWebhookCursorTest, ABatchRecordedInPartLeavesTheRestAsRows) {
  add("wh-1", kScope.account_id);
  for (const auto& c : claims(3)) change(c, ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 3u);
  auto all = delivered(due, T0);
  ASSERT_OK(store().record_deliveries({all[1]}));
  EXPECT_EQ(rows(), 2u);
  EXPECT_EQ(listed(kScope.account_id).at(0).health.pending, 2);
  auto rest = lease(T0 + std::chrono::seconds(1));
  ASSERT_EQ(rest.size(), 2u) << "the two not recorded, as rows";
  EXPECT_EQ(rest[0].event->seq, due[0].event->seq);
  EXPECT_EQ(rest[1].event->seq, due[2].event->seq);
  // The old batch's outcomes still land on their rows.
  ASSERT_OK(store().record_deliveries({all[0], all[2]}));
  EXPECT_EQ(listed(kScope.account_id).at(0).health.delivered, 3);
  EXPECT_TRUE(lease(T0 + std::chrono::hours(1)).empty());
}

TEST_P(StoreWebhookCursorTest, TwoWorkersNeverSendAnEventTwice) {
  add("wh-1", kScope.account_id);
  add("wh-2", kScope.account_id, {"ses.identity.status_changed"});
  constexpr int kClaims = 60;
  for (const auto& c : claims(kClaims)) change(c, ClaimStatus::kVerified, T0);
  std::mutex mu;
  std::map<std::pair<std::string, int64_t>, int> sent;
  std::atomic<int> total{0};
  auto worker = [&] {
    for (int i = 0; i < 500 && total.load() < 2 * kClaims; ++i) {
      auto due = store().lease_due_deliveries(T0, T0 + std::chrono::minutes(5), 7);
      ASSERT_OK(due);
      {
        std::lock_guard lock(mu);
        for (const auto& d : *due) ++sent[{d.delivery.webhook_id, d.delivery.event_seq}];
      }
      ASSERT_OK(store().record_deliveries(delivered(*due, T0)));
      total += static_cast<int>(due->size());
    }
  };
  std::thread other(worker);
  worker();
  other.join();
  EXPECT_EQ(total.load(), 2 * kClaims);
  EXPECT_EQ(sent.size(), 2u * kClaims);
  for (const auto& [key, n] : sent) EXPECT_EQ(n, 1) << key.first << " " << key.second;
  EXPECT_EQ(rows(), 0u);
}

TEST_P(StoreWebhookCursorTest, RetentionKeepsEventsAnEnabledWebhookHasNotPassed) {
  add("wh-1", kScope.account_id);
  add("wh-other", kOtherAccount.account_id);
  auto cs = claims(2);
  change(cs[0], ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_OK(store().record_deliveries(delivered(due, T0)));
  change(cs[1], ClaimStatus::kVerified, T0);  // not passed yet
  const auto later = T0 + std::chrono::hours(2);
  auto kept = store().prune_events(later, 100, T0 - std::chrono::hours(1));
  ASSERT_OK(kept);
  EXPECT_EQ(*kept, 1u) << "only the passed one";
  auto left = store().list_events(kScope.account_id, 0, 10);
  ASSERT_OK(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].claim_id, cs[1].id);
  // Past the retry window it goes too (the control).
  auto gone = store().prune_events(later, 100, T0 + std::chrono::hours(1));
  ASSERT_OK(gone);
  EXPECT_EQ(*gone, 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreWebhookCursorTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
