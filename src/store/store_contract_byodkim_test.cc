// BYODKIM claims (kind kSesDkimTxt, stored as kind 4) on every backend: found
// by kind and subject apart from Easy DKIM's CNAME claims, their long key
// kept whole, and never taken for identities.
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

TEST_P(StoreContractTest, ByodkimClaimsAreFoundByKindAndSubjectButAreNoIdentities) {
  Claim domain = insert(make_claim(kScope, ClaimKind::kSesDomain, "example.com"));
  Claim txt = insert(make_claim(kScope, ClaimKind::kSesDkimTxt, "example.com"));
  Claim cname = insert(make_claim(kScope, ClaimKind::kSesDkim, "example.com"));
  insert(make_claim(kOtherRegion, ClaimKind::kSesDkimTxt, "example.com"));
  insert(make_claim(kScope, ClaimKind::kSesDkimTxt, "other.example"));

  auto found = store().find_claims(kScope, ClaimKind::kSesDkimTxt, {"example.com"});
  ASSERT_OK(found);
  ASSERT_EQ(ids_of(*found), std::vector<std::string>{txt.id});
  EXPECT_EQ((*found)[0].kind, ClaimKind::kSesDkimTxt);
  EXPECT_EQ((*found)[0].token, txt.token);  // a 2048-bit key's 392 characters, whole
  EXPECT_EQ((*found)[0].token.size(), 392u);
  EXPECT_EQ((*found)[0].record_name, txt.record_name);
  auto cnames = store().find_claims(kScope, ClaimKind::kSesDkim, {"example.com"});
  ASSERT_OK(cnames);
  EXPECT_EQ(ids_of(*cnames), std::vector<std::string>{cname.id});

  auto id = store().find_identity(kScope, "example.com");
  ASSERT_OK(id);
  ASSERT_TRUE(*id);
  EXPECT_EQ((*id)->id, domain.id);
  EXPECT_EQ(ids_of(list(kScope, kSesKinds)), std::vector<std::string>{domain.id});
  EXPECT_EQ(count(kScope, {ClaimKind::kSesDkimTxt}), 2u);
  // Checked like any claim: due, and deleted with its evidence.
  auto due = store().due_claims(T0 + std::chrono::hours(100), 100);
  ASSERT_OK(due);
  EXPECT_TRUE(due->empty());  // make_claim leaves next_check_at unset: the control
  txt.next_check_at = T0;
  ASSERT_OK(store().update_claim(txt));
  due = store().due_claims(T0, 100);
  ASSERT_OK(due);
  EXPECT_EQ(ids_of(*due), std::vector<std::string>{txt.id});
  auto deleted = store().delete_claim(kScope, txt.id);
  ASSERT_OK(deleted);
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(get(kScope, txt.id));
}

}  // namespace
}  // namespace vouch::core::contract
