// The Store contract for webhooks: endpoints per account (at most `limit`),
// each event handed to every matching enabled webhook of its account by the
// webhook's cursor (no row unless it must retry or wait), one at a time per
// (webhook, claim) in order, outcomes recorded (a disable gives up the
// rest), rows pruned by age, cleared by reset, carried by snapshot and
// restore. store_contract_webhook_cursor_test.cc: the cursor itself.
#include "core/event_json.h"
#include "store/store_contract_webhooks_util.h"

namespace vouch::core::contract {
namespace {

TEST_P(StoreWebhooksTest, WebhooksBelongToTheirAccountUpToTheLimit) {
  add("wh-1", kScope.account_id, {"ses.dkim.status_changed"});
  add("wh-2", kScope.account_id, {}, T0 + std::chrono::seconds(1));
  add("wh-3", kOtherAccount.account_id);
  add("wh-0", kScope.account_id);  // as old as wh-1, made after it: listed after it
  auto mine = listed(kScope.account_id);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].webhook.id, "wh-1");
  EXPECT_EQ(mine[1].webhook.id, "wh-0");
  EXPECT_EQ(mine[2].webhook.id, "wh-2");
  EXPECT_EQ(mine[0].webhook.url, "https://hooks.example/wh-1");
  EXPECT_EQ(mine[0].webhook.event_types, std::vector<std::string>{"ses.dkim.status_changed"});
  EXPECT_EQ(mine[0].webhook.secret, "whsec_wh-1");
  EXPECT_EQ(mine[0].webhook.created_at, T0);
  EXPECT_FALSE(mine[0].webhook.disabled);
  EXPECT_EQ(mine[0].health.pending + mine[0].health.delivered + mine[0].health.failed, 0);
  EXPECT_FALSE(mine[0].health.last_attempt_at.has_value());
  EXPECT_TRUE(mine[2].webhook.event_types.empty());

  Webhook extra{"wh-4", kScope.account_id, "https://x.example/", {}, "s", T0, false};
  auto full = store().insert_webhook(extra, 3);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kQuotaExceeded);
  ASSERT_OK(store().insert_webhook(extra, 4));  // control: room for one more

  auto other = store().delete_webhook(kOtherAccount.account_id, "wh-1");
  ASSERT_OK(other);
  EXPECT_FALSE(*other) << "another account's webhook is not found";
  auto mine_gone = store().delete_webhook(kScope.account_id, "wh-1");
  ASSERT_OK(mine_gone);
  EXPECT_TRUE(*mine_gone);
  EXPECT_EQ(listed(kScope.account_id).size(), 3u);
  EXPECT_EQ(listed(kOtherAccount.account_id).size(), 1u);
}

TEST_P(StoreWebhooksTest, AnEventQueuesOneDeliveryPerMatchingWebhookOfItsAccount) {
  add("wh-all", kScope.account_id);
  add("wh-dkim", kScope.account_id, {"ses.dkim.status_changed"});
  add("wh-other", kOtherAccount.account_id);
  Claim domain = insert(make_claim(kOtherRegion, ClaimKind::kSesDomain, "a.example"));
  change(domain, ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 1u) << "every region of the account, the filter applied";
  EXPECT_EQ(due[0].delivery.webhook_id, "wh-all");
  EXPECT_EQ(due[0].delivery.claim_id, domain.id);
  EXPECT_EQ(due[0].delivery.state, State::kPending);
  EXPECT_EQ(due[0].delivery.attempts, 0);
  EXPECT_EQ(due[0].url, "https://hooks.example/wh-all");
  EXPECT_EQ(due[0].secret, "whsec_wh-all");
  ASSERT_TRUE(due[0].event.has_value());
  EXPECT_EQ(due[0].event->seq, due[0].delivery.event_seq);
  EXPECT_EQ(due[0].event->scope, kOtherRegion);
  EXPECT_EQ(due[0].event->subject, "a.example");
  EXPECT_EQ(due[0].event->change.to, ClaimStatus::kVerified);

  deliver(due[0].delivery, State::kDelivered, T0);

  Claim dkim = insert(make_claim(kScope, ClaimKind::kSesDkim, "b.example"));
  change(dkim, ClaimStatus::kVerified, T0 + std::chrono::seconds(1));
  auto more = lease(T0 + std::chrono::seconds(1));
  std::vector<std::string> ids = webhook_ids(more);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"wh-all", "wh-dkim"}));
  auto pending = store().count_pending_deliveries();
  ASSERT_OK(pending);
  EXPECT_EQ(*pending, 2u) << "handed out, not yet recorded";
}

TEST_P(StoreWebhooksTest, DueDeliveriesAreLeasedAndGoOutInOrderPerClaim) {
  add("wh-1", kScope.account_id);
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "a.example"));
  Claim b = insert(make_claim(kScope, ClaimKind::kSesDomain, "b.example"));
  a = change(a, ClaimStatus::kVerified, T0);
  change(a, ClaimStatus::kUnconfirmed, T0 + std::chrono::seconds(1));
  change(b, ClaimStatus::kVerified, T0 + std::chrono::seconds(2));
  EXPECT_TRUE(lease(T0 - std::chrono::seconds(1)).empty()) << "not due before its event";
  auto due = lease(T0 + std::chrono::seconds(10));
  ASSERT_EQ(due.size(), 2u) << "a's second waits for its first";
  EXPECT_EQ(due[0].delivery.claim_id, a.id);
  EXPECT_EQ(due[0].event->change.to, ClaimStatus::kVerified);
  EXPECT_EQ(due[1].delivery.claim_id, b.id);
  EXPECT_TRUE(lease(T0 + std::chrono::seconds(10)).empty()) << "leased: not handed out twice";

  // A retry later keeps the pair blocked; delivered, the next one is due.
  WebhookDelivery first = due[0].delivery;
  first.next_attempt_at = T0 + std::chrono::minutes(1);
  deliver(first, State::kPending, T0 + std::chrono::seconds(10), "HTTP 503");
  EXPECT_TRUE(lease(T0 + std::chrono::seconds(20)).empty());
  auto retry = lease(T0 + std::chrono::minutes(1));
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].delivery.id, first.id);
  EXPECT_EQ(retry[0].delivery.attempts, 1);
  EXPECT_EQ(retry[0].delivery.last_error, "HTTP 503");
  deliver(retry[0].delivery, State::kDelivered, T0 + std::chrono::minutes(1));
  auto next = lease(T0 + std::chrono::minutes(1));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].delivery.claim_id, a.id);
  EXPECT_EQ(next[0].event->change.to, ClaimStatus::kUnconfirmed);

  // Past the lease, what was never recorded is due again.
  auto again = lease(T0 + std::chrono::minutes(10));
  ASSERT_EQ(again.size(), 2u);
}

TEST_P(StoreWebhooksTest, HealthCountsOutcomesAndTheLastError) {
  add("wh-1", kScope.account_id);
  for (int i = 0; i < 3; ++i) {
    Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, std::to_string(i) + ".example"));
    change(c, ClaimStatus::kVerified, T0);
  }
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 3u);
  deliver(due[0].delivery, State::kDelivered, T0 + std::chrono::seconds(1));
  deliver(due[1].delivery, State::kFailed, T0 + std::chrono::seconds(2), "HTTP 400");
  auto h = listed(kScope.account_id).at(0).health;
  EXPECT_EQ(h.delivered, 1);
  EXPECT_EQ(h.failed, 1);
  EXPECT_EQ(h.pending, 1);
  EXPECT_EQ(h.last_attempt_at, std::optional<TimePoint>(T0 + std::chrono::seconds(2)));
  EXPECT_EQ(h.last_error, std::optional<std::string>("HTTP 400"));
  deliver(due[2].delivery, State::kDelivered, T0 + std::chrono::seconds(3));
  h = listed(kScope.account_id).at(0).health;
  EXPECT_FALSE(h.last_error.has_value()) << "the last attempt succeeded";
}

TEST_P(StoreWebhooksTest, DisablingGivesUpTheRestAndQueuesNoMore) {
  add("wh-gone", kScope.account_id);
  add("wh-live", kScope.account_id);
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "a.example"));
  Claim b = insert(make_claim(kScope, ClaimKind::kSesDomain, "b.example"));
  change(a, ClaimStatus::kVerified, T0);
  change(b, ClaimStatus::kVerified, T0);
  auto due = lease(T0, 1);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_EQ(due[0].delivery.webhook_id, "wh-gone");
  deliver(due[0].delivery, State::kFailed, T0, "HTTP 410", true);
  auto hooks = listed(kScope.account_id);
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_TRUE(hooks[0].webhook.disabled);
  EXPECT_EQ(hooks[0].health.failed, 2);
  EXPECT_EQ(hooks[0].health.pending, 0);
  EXPECT_FALSE(hooks[1].webhook.disabled);
  EXPECT_EQ(hooks[1].health.pending, 2);

  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "c.example"));
  change(c, ClaimStatus::kVerified, T0);
  auto rest = lease(T0 + std::chrono::minutes(10));
  ASSERT_EQ(rest.size(), 3u);
  for (const auto& d : rest) EXPECT_EQ(d.delivery.webhook_id, "wh-live");
}

TEST_P(StoreWebhooksTest, ManyOutcomesAreRecordedAtOnce) {
  add("wh-1", kScope.account_id);
  add("wh-2", kScope.account_id);
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "a.example"));
  Claim b = insert(make_claim(kScope, ClaimKind::kSesDomain, "b.example"));
  change(a, ClaimStatus::kVerified, T0);
  change(b, ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 4u);
  std::vector<std::pair<WebhookDelivery, bool>> outcomes;
  for (auto& d : due) {
    WebhookDelivery w = d.delivery;
    w.attempts = 1;
    w.last_attempt_at = T0;
    const bool gone = w.webhook_id == "wh-2" && w.claim_id == a.id;
    w.state = gone ? State::kFailed : State::kDelivered;
    if (w.webhook_id == "wh-1" || gone) outcomes.emplace_back(w, gone);
  }
  ASSERT_EQ(outcomes.size(), 3u);
  ASSERT_OK(store().record_deliveries(outcomes));
  auto hooks = listed(kScope.account_id);
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(hooks[0].health.delivered, 2);
  EXPECT_FALSE(hooks[0].webhook.disabled);
  EXPECT_TRUE(hooks[1].webhook.disabled);
  EXPECT_EQ(hooks[1].health.failed, 2) << "its other pending one is given up";
  EXPECT_EQ(hooks[1].health.pending, 0);
}

TEST_P(StoreWebhooksTest, PruneDeletesOnlyFinishedOldDeliveries) {
  add("wh-1", kScope.account_id);
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "a.example"));
  Claim b = insert(make_claim(kScope, ClaimKind::kSesDomain, "b.example"));
  change(a, ClaimStatus::kVerified, T0);
  change(b, ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 2u);
  deliver(due[0].delivery, State::kFailed, T0, "HTTP 400");  // given up: a row
  auto young = store().prune_deliveries(T0, 100);
  ASSERT_OK(young);
  EXPECT_EQ(*young, 0u);
  auto pruned = store().prune_deliveries(T0 + std::chrono::hours(1), 100);
  ASSERT_OK(pruned);
  EXPECT_EQ(*pruned, 1u) << "the pending one stays";
  EXPECT_EQ(listed(kScope.account_id).at(0).health.pending, 1);
}

TEST_P(StoreWebhooksTest, ResetAndDeleteRemoveWebhooksAndDeliveries) {
  add("wh-1", kScope.account_id);
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "a.example"));
  change(a, ClaimStatus::kVerified, T0);
  ASSERT_OK(store().delete_webhook(kScope.account_id, "wh-1"));
  auto none = store().count_pending_deliveries();
  ASSERT_OK(none);
  EXPECT_EQ(*none, 0u);
  add("wh-2", kScope.account_id);
  change(*get(kScope, a.id), ClaimStatus::kUnconfirmed, T0);
  auto one = store().count_pending_deliveries();
  ASSERT_OK(one);
  EXPECT_EQ(*one, 1u);
  ASSERT_OK(store().clear_claims());
  EXPECT_TRUE(listed(kScope.account_id).empty());
  auto after = store().count_pending_deliveries();
  ASSERT_OK(after);
  EXPECT_EQ(*after, 0u);
}

TEST_P(StoreWebhooksTest, RestoreKeepsWebhooksCursorsAndRowsAndSendsNothingTwice) {
  add("wh-1", kScope.account_id, {"ses.identity.status_changed"});
  Claim a = insert(make_claim(kScope, ClaimKind::kSesDomain, "a.example"));
  Claim b = insert(make_claim(kScope, ClaimKind::kSesDomain, "b.example"));
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "c.example"));
  change(a, ClaimStatus::kVerified, T0);
  change(b, ClaimStatus::kVerified, T0);
  auto due = lease(T0);
  ASSERT_EQ(due.size(), 2u);
  WebhookDelivery retry = due[1].delivery;
  retry.next_attempt_at = T0 + std::chrono::minutes(1);
  deliver(due[0].delivery, State::kDelivered, T0);
  deliver(retry, State::kPending, T0, "HTTP 503");  // b's: a row
  change(c, ClaimStatus::kVerified, T0);            // past the cursor
  auto snap = store().snapshot();
  ASSERT_OK(snap);
  ASSERT_EQ(snap->webhooks.size(), 1u);
  ASSERT_EQ(snap->deliveries.size(), 1u) << "a's went out from the cursor: no row";
  EXPECT_EQ(snap->webhooks[0].cursor, due[1].event->seq);

  testing::TempDir other_dir;
  auto other = GetParam().open(other_dir.path());
  ASSERT_NE(other, nullptr);
  ASSERT_OK(other->restore(*snap));
  auto hooks = other->list_webhooks(kScope.account_id);
  ASSERT_OK(hooks);
  ASSERT_EQ(hooks->size(), 1u);
  EXPECT_EQ((*hooks)[0].webhook.secret, "whsec_wh-1");
  EXPECT_EQ((*hooks)[0].webhook.event_types,
            std::vector<std::string>{"ses.identity.status_changed"});
  EXPECT_EQ((*hooks)[0].health.pending, 2) << "b's row and c's event";
  auto left = other->lease_due_deliveries(T0 + std::chrono::hours(1), T0 + std::chrono::hours(2),
                                          100);
  ASSERT_OK(left);
  ASSERT_EQ(left->size(), 2u) << "b's retry and c's, not a's again";
  EXPECT_EQ((*left)[0].delivery.claim_id, b.id);
  EXPECT_EQ((*left)[0].delivery.id, snap->deliveries[0].id);
  EXPECT_EQ((*left)[1].delivery.claim_id, c.id);
  EXPECT_EQ((*left)[1].delivery.id, 0) << "from the cursor";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreWebhooksTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
