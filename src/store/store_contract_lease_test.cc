// The Store contract for what ends a lease on a due claim: recording its
// check or rewriting it (a re-verify) makes it due at the time written, not
// when the lease would have run out; a lease that ran out is handed out
// again; and a batch's events keep its order.
#include <set>

#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

using std::chrono::minutes;

class StoreLeaseTest : public StoreContractTest {
 protected:
  // A claim due at T0, leased until T0 + 30 min, as the lease handed it out.
  Claim leased_claim(const std::string& subject) {
    Claim c = make_claim(kScope, ClaimKind::kSesDomain, subject);
    c.next_check_at = T0;
    c = insert(c);
    auto leased = store().lease_due_claims(T0, T0 + minutes(30), 10);
    EXPECT_TRUE(leased.ok() && leased->size() == 1u);
    return leased.ok() && !leased->empty() ? leased->front() : c;
  }

  std::vector<std::string> due_ids(TimePoint at) {
    auto due = store().due_claims(at, 100);
    EXPECT_TRUE(due.ok());
    return due.ok() ? ids_of(*due) : std::vector<std::string>{};
  }
};

TEST_P(StoreLeaseTest, ARecordedCheckEndsItsLease) {
  Claim c = leased_claim("recorded.example");
  EXPECT_TRUE(due_ids(T0 + minutes(2)).empty()) << "leased: not due";
  c.next_check_at = T0 + minutes(1);  // a retry soon, well before the lease ends
  std::vector<CheckRecord> records{{c, "{}", std::nullopt}};
  auto out = store().record_checks(std::move(records));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_OK(out[0]);
  EXPECT_EQ(get(kScope, c.id)->next_check_at, T0 + minutes(1));
  EXPECT_EQ(due_ids(T0 + minutes(2)), std::vector<std::string>{c.id});
  auto again = store().lease_due_claims(T0 + minutes(2), T0 + minutes(40), 10);
  ASSERT_OK(again);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().next_check_at, T0 + minutes(1));
}

TEST_P(StoreLeaseTest, ARewrittenClaimEndsItsLease) {
  Claim c = leased_claim("rewritten.example");
  Claim stored = *get(kScope, c.id);
  EXPECT_EQ(stored.next_check_at, T0 + minutes(30));  // the lease, as stored
  stored.next_check_at = T0 + minutes(1);             // re-verified: check soon
  ASSERT_OK(store().update_claim(stored));
  EXPECT_EQ(due_ids(T0 + minutes(2)), std::vector<std::string>{c.id});
  // Control: a claim still leased stays out.
  Claim other = leased_claim("other.example");
  EXPECT_EQ(due_ids(T0 + minutes(2)), std::vector<std::string>{c.id});
  EXPECT_EQ(get(kScope, other.id)->next_check_at, T0 + minutes(30));
}

TEST_P(StoreLeaseTest, ExpiredLeasesAreHandedOutAgainBeforeTheLeasesRunDry) {
  std::set<std::string> all;
  for (int i = 0; i < 6; ++i) {
    Claim c = make_claim(kScope, ClaimKind::kSesDomain, "x" + std::to_string(i) + ".example");
    c.next_check_at = T0;
    all.insert(insert(c).id);
  }
  auto first = store().lease_due_claims(T0, T0 + minutes(1), 3);  // then that node dies
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 3u);
  // Past the first leases' end, pages of 3 until none: all six, each once.
  std::multiset<std::string> got;
  for (int round = 0; round < 6; ++round) {
    auto page = store().lease_due_claims(T0 + minutes(2), T0 + minutes(30), 3);
    ASSERT_OK(page);
    if (page->empty()) break;
    for (const auto& c : *page) got.insert(c.id);
  }
  EXPECT_EQ(got, std::multiset<std::string>(all.begin(), all.end()));
}

TEST_P(StoreLeaseTest, ABatchOfChangesWritesItsEventsInTheBatchsOrder) {
  std::vector<std::string> subjects{"e3.example", "e1.example", "e2.example"};
  std::vector<Claim> claims;
  for (const auto& s : subjects)
    claims.push_back(insert(make_claim(kScope, ClaimKind::kSesDomain, s)));
  std::vector<CheckRecord> records;
  for (size_t i : {2u, 0u, 1u}) {  // neither the insert order nor the subjects'
    Claim c = claims[i];
    c.status = ClaimStatus::kVerified;
    records.push_back({c, "{}", StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}});
  }
  auto out = store().record_checks(std::move(records));
  for (const auto& r : out) ASSERT_OK(r);
  auto events = store().list_events(kScope.account_id, 0, 10);
  ASSERT_OK(events);
  std::vector<std::string> got;
  for (const auto& e : *events) got.push_back(e.subject);
  EXPECT_EQ(got, (std::vector<std::string>{"e2.example", "e3.example", "e1.example"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreLeaseTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
