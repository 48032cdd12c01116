// The Store contract for MAIL FROM: an identity's BehaviorOnMxFailure
// round-trips through every write and read path, and the MX and SPF claims
// are found by their identity's subject without being identities themselves.
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

TEST_P(StoreContractTest, RejectOnMxFailureRoundTripsThroughUpdatesAndIdentityReads) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  EXPECT_FALSE(c.reject_on_mx_failure);
  c.reject_on_mx_failure = true;
  auto updated = store().update_claim(c);
  ASSERT_OK(updated);
  EXPECT_TRUE(updated->reject_on_mx_failure);
  auto got = get(kScope, c.id);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->reject_on_mx_failure);
  auto found = store().find_identity(kScope, "example.com");
  ASSERT_OK(found);
  ASSERT_TRUE(*found);
  EXPECT_TRUE((*found)->reject_on_mx_failure);
  auto many = store().find_identities(kScope, {"example.com"});
  ASSERT_OK(many);
  ASSERT_EQ(many->size(), 1u);
  EXPECT_TRUE((*many)[0].reject_on_mx_failure);
  bool seen = false;
  ASSERT_OK(store().with_identities(kScope, {"example.com"},
                                    [&](const std::vector<const Claim*>& claims) {
                                      ASSERT_EQ(claims.size(), 1u);
                                      seen = claims[0]->reject_on_mx_failure;
                                    }));
  EXPECT_TRUE(seen);
  // And back: the positive control for a store that always reads true.
  got->reject_on_mx_failure = false;
  ASSERT_OK(store().update_claim(*got));
  EXPECT_FALSE(get(kScope, c.id)->reject_on_mx_failure);
}

TEST_P(StoreContractTest, MailFromClaimsAreFoundBySubjectButAreNoIdentities) {
  insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  for (ClaimKind kind : {ClaimKind::kSesMailFromMx, ClaimKind::kSesMailFromSpf}) {
    Claim c = make_claim(kScope, kind, "example.com");
    c.record_name = "mail.example.com";
    insert(c);
  }
  for (ClaimKind kind : {ClaimKind::kSesMailFromMx, ClaimKind::kSesMailFromSpf}) {
    auto found = store().find_claims(kScope, kind, {"example.com", "other.example"});
    ASSERT_OK(found);
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ((*found)[0].kind, kind);
    EXPECT_EQ((*found)[0].record_name, "mail.example.com");
    auto elsewhere = store().find_claims(kOtherRegion, kind, {"example.com"});
    ASSERT_OK(elsewhere);
    EXPECT_TRUE(elsewhere->empty());
  }
  auto identities = store().find_identities(kScope, {"example.com"});
  ASSERT_OK(identities);
  ASSERT_EQ(identities->size(), 1u);
  EXPECT_EQ((*identities)[0].kind, ClaimKind::kSesDomain);
  EXPECT_EQ(count(kScope, kSesKinds), 1u);
  EXPECT_EQ(count(kScope, {ClaimKind::kSesMailFromMx, ClaimKind::kSesMailFromSpf}), 2u);
}

TEST_P(StoreContractTest, ASecondMailFromClaimOfAKindForAnIdentityIsAConflict) {
  Claim first = make_claim(kScope, ClaimKind::kSesMailFromMx, "example.com");
  first.record_name = "a.example.com";
  insert(first);
  Claim second = make_claim(kScope, ClaimKind::kSesMailFromMx, "example.com");
  second.record_name = "b.example.com";
  auto r = store().insert_claim(second);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  // Another kind, identity, region: fine (the positive controls).
  Claim spf = make_claim(kScope, ClaimKind::kSesMailFromSpf, "example.com");
  EXPECT_OK(store().insert_claim(spf));
  Claim other = make_claim(kScope, ClaimKind::kSesMailFromMx, "other.example");
  EXPECT_OK(store().insert_claim(other));
  Claim elsewhere = make_claim(kOtherRegion, ClaimKind::kSesMailFromMx, "example.com");
  EXPECT_OK(store().insert_claim(elsewhere));
  // Once the first is gone, its successor goes in.
  ASSERT_OK(store().delete_claim(kScope, first.id));
  EXPECT_OK(store().insert_claim(second));
}

}  // namespace
}  // namespace vouch::core::contract
