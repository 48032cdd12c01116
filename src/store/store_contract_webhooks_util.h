// The webhooks contract's fixture (store_contract_webhooks_test.cc,
// store_contract_webhook_cursor_test.cc).
#pragma once

#include <string>
#include <vector>

#include "store/store_contract_test_util.h"

namespace vouch::core::contract {

using State = WebhookDelivery::State;

class StoreWebhooksTest : public StoreContractTest {
 protected:
  Webhook add(const std::string& id, const std::string& account,
              std::vector<std::string> types = {}, TimePoint at = T0) {
    Webhook w{id, account, "https://hooks.example/" + id, std::move(types), "whsec_" + id,
              at, false};
    auto r = store().insert_webhook(w, 10);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return w;
  }

  // Moves `c` to `to` at `at` (an event, and its deliveries).
  Claim change(Claim c, ClaimStatus to, TimePoint at) {
    const ClaimStatus from = c.status;
    c.status = to;
    auto r = store().record_check(std::move(c), "{}", StatusChange{at, from, to});
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : Claim{};
  }

  std::vector<DueDelivery> lease(TimePoint now, size_t limit = 100) {
    auto r = store().lease_due_deliveries(now, now + std::chrono::minutes(5), limit);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::vector<DueDelivery>{};
  }

  std::vector<WebhookStatus> listed(const std::string& account) {
    auto r = store().list_webhooks(account);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::vector<WebhookStatus>{};
  }

  void deliver(WebhookDelivery d, State state, TimePoint at, const std::string& error = "",
               bool disable = false) {
    d.state = state;
    d.attempts += 1;
    d.first_attempt_at = d.first_attempt_at.value_or(at);
    d.last_attempt_at = at;
    d.last_error = error;
    ASSERT_OK(store().record_delivery(d, disable));
  }
};

inline std::vector<std::string> webhook_ids(const std::vector<DueDelivery>& due) {
  std::vector<std::string> out;
  for (const auto& d : due) out.push_back(d.delivery.webhook_id);
  return out;
}

}  // namespace vouch::core::contract
