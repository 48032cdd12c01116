// The Store contract for a claim read by id again after each kind of write:
// every read sees the last write, leases included (the cached backends keep
// claims by id in memory and must forget them at each of these).
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

using std::chrono::minutes;

Claim due_lattice(const std::string& subject) {
  Claim c = make_claim(kScope, ClaimKind::kLatticeDomain, subject);
  c.next_check_at = T0;
  return c;
}

TEST_P(StoreContractTest, GetClaimAfterEachWriteSeesIt) {
  Claim c = insert(due_lattice("a.example"));
  ASSERT_EQ(get(kScope, c.id)->version, c.version);  // read first: a cache holds it

  c.attempts = 1;
  auto updated = store().update_claim(c);
  ASSERT_OK(updated);
  c = *updated;
  EXPECT_EQ(get(kScope, c.id)->attempts, 1);

  c.status = ClaimStatus::kVerified;
  auto checked = store().record_check(
      c, "{}", StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified});
  ASSERT_OK(checked);
  c = *checked;
  EXPECT_EQ(get(kScope, c.id)->status, ClaimStatus::kVerified);

  c.attempts = 2;
  auto batch = store().record_checks({{c, "{}", std::nullopt}});
  ASSERT_OK(batch[0]);
  c = *batch[0];
  EXPECT_EQ(get(kScope, c.id)->attempts, 2);

  ASSERT_OK(store().lease_due_claims(T0, T0 + minutes(5), 10));
  auto leased = get(kScope, c.id);
  EXPECT_EQ(leased->next_check_at, T0 + minutes(5));
  EXPECT_EQ(leased->version, c.version);  // a lease is no update

  ASSERT_OK(store().delete_claim(kScope, c.id));
  EXPECT_EQ(get(kScope, c.id), std::nullopt);
}

TEST_P(StoreContractTest, GetClaimAfterAClearOrARestoreSeesIt) {
  Claim c = insert(due_lattice("a.example"));
  auto snap = store().snapshot();
  ASSERT_OK(snap);
  c.token = "changed";
  ASSERT_OK(store().update_claim(c));
  ASSERT_EQ(get(kScope, c.id)->token, "changed");
  ASSERT_OK(store().clear_claims());
  EXPECT_EQ(get(kScope, c.id), std::nullopt);

  ASSERT_OK(store().restore(*snap));
  auto restored = get(kScope, c.id);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->token, "token-of-a.example");
  c.token = "changed again";
  c.version = restored->version;
  ASSERT_OK(store().update_claim(c));
  ASSERT_EQ(get(kScope, c.id)->token, "changed again");
  ASSERT_OK(store().clear_claims());
  ASSERT_OK(store().restore(*snap));  // into the emptied store again
  EXPECT_EQ(get(kScope, c.id)->token, "token-of-a.example");
}

TEST_P(StoreContractTest, GetClaimReadInOneScopeIsAbsentInAnother) {
  Claim c = insert(due_lattice("a.example"));
  ASSERT_TRUE(get(kScope, c.id));
  EXPECT_EQ(get(kOtherRegion, c.id), std::nullopt);
  EXPECT_EQ(get(kOtherAccount, c.id), std::nullopt);
  EXPECT_TRUE(get(kScope, c.id));  // the control
}

}  // namespace
}  // namespace vouch::core::contract
