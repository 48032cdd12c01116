// The Store contract for retention: client tokens go once past their window
// (never a live one), history keeps each claim's newest entries (never the
// last evidence, never another claim's), and each prune deletes at most its
// limit, so a large backlog goes over several passes.
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

class StoreRetentionTest : public StoreContractTest {
 protected:
  // A Lattice create of `subject` under `token` at `at`.
  Result<CreateResult> create(const std::string& subject, const std::string& token, TimePoint at) {
    CreateRules rules;
    rules.now = at;
    IdempotencyKey key{token, "hash-of-" + subject, "{\"id\":\"" + subject + "\"}"};
    return store().create_claim_once(make_claim(kScope, ClaimKind::kLatticeDomain, subject), key,
                                     rules);
  }

  size_t tokens() {
    auto snap = store().snapshot();
    EXPECT_TRUE(snap.ok());
    return snap.ok() ? snap->idempotency.size() : 0;
  }

  // Records a check of `c` that moves it to `to` at `at`.
  Claim change(Claim c, ClaimStatus to, TimePoint at, const std::string& evidence) {
    const ClaimStatus from = c.status;
    c.status = to;
    auto r = store().record_check(std::move(c), evidence, StatusChange{at, from, to});
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Claim{};
  }

  std::vector<TimePoint> history_times(const std::string& id) {
    auto h = store().history(id);
    EXPECT_TRUE(h.ok());
    std::vector<TimePoint> out;
    if (h.ok()) {
      for (const auto& e : *h) out.push_back(e.at);
    }
    return out;
  }
};

TEST_P(StoreRetentionTest, PruneTokensDeletesOnlyTokensPastTheWindowUpToTheLimit) {
  ASSERT_OK(create("a.example", "token-a", T0));
  ASSERT_OK(create("b.example", "token-b", T0 + hours(1)));
  ASSERT_OK(create("c.example", "token-c", T0 + hours(2)));
  ASSERT_EQ(tokens(), 3u);

  auto n = store().prune_tokens(T0 + hours(1), 1);  // two are old enough; one goes
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  n = store().prune_tokens(T0 + hours(1), 10);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  n = store().prune_tokens(T0 + hours(1), 10);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(tokens(), 1u);

  // The live token still answers: a reuse for another request is refused...
  auto reuse = create("other.example", "token-c", T0 + hours(3));
  ASSERT_OK(reuse);
  EXPECT_EQ(reuse->outcome, CreateOutcome::kTokenMismatch);
  // ...and a pruned one answers nothing: the same reuse creates.
  auto fresh = create("other.example", "token-a", T0 + hours(3));
  ASSERT_OK(fresh);
  EXPECT_EQ(fresh->outcome, CreateOutcome::kCreated);
  // The claims the pruned tokens created stay.
  EXPECT_EQ(count(kScope, {ClaimKind::kLatticeDomain}), 4u);
}

TEST_P(StoreRetentionTest, PruneHistoryKeepsEachClaimsNewestEntries) {
  Claim flapping = insert(make_claim(kScope, ClaimKind::kSesDomain, "flap.example"));
  const ClaimStatus cycle[] = {ClaimStatus::kVerified, ClaimStatus::kUnconfirmed};
  for (int i = 0; i < 5; ++i) {
    flapping = change(flapping, cycle[i % 2], T0 + hours(i),
                      "{\"check\":" + std::to_string(i) + "}");
  }
  Claim quiet = insert(make_claim(kOtherAccount, ClaimKind::kSesDomain, "quiet.example"));
  quiet = change(quiet, ClaimStatus::kVerified, T0, "{}");
  quiet = change(quiet, ClaimStatus::kUnconfirmed, T0 + hours(9), "{}");
  // A pending claim with no history at all.
  Claim pending = insert(make_claim(kScope, ClaimKind::kLatticeDomain, "pending.example"));
  ASSERT_OK(store().record_check(pending, "{\"outcome\":\"absent\"}", std::nullopt));

  auto n = store().prune_history(3, 1);  // two are beyond the newest three; one goes
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  n = store().prune_history(3, 100);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  n = store().prune_history(3, 100);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0u);

  EXPECT_EQ(history_times(flapping.id),
            (std::vector<TimePoint>{T0 + hours(2), T0 + hours(3), T0 + hours(4)}));
  EXPECT_EQ(history_times(quiet.id), (std::vector<TimePoint>{T0, T0 + hours(9)}));
  // The last evidence is the claim's own, never history's to prune.
  auto last = store().last_evidence(flapping.id);
  ASSERT_OK(last);
  EXPECT_EQ(*last, std::optional<std::string>("{\"check\":4}"));
  auto absent = store().last_evidence(pending.id);
  ASSERT_OK(absent);
  EXPECT_EQ(*absent, std::optional<std::string>("{\"outcome\":\"absent\"}"));
  // Events are kept by age, not with the history entries they copied.
  auto events = store().list_events(kScope.account_id, 0, 100);
  ASSERT_OK(events);
  EXPECT_EQ(events->size(), 5u);
}

TEST_P(StoreRetentionTest, PruneHistoryWithKeepZeroLeavesNoEntries) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesEmail, "u@example.com"));
  c = change(c, ClaimStatus::kVerified, T0, "{}");
  auto n = store().prune_history(0, 100);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_TRUE(history_times(c.id).empty());
  auto still = get(kScope, c.id);
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->status, ClaimStatus::kVerified);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRetentionTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
