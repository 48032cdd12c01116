// The Store contract for a claim's last evidence read again after each kind
// of write: every read sees the last write (the cached SQLite backends keep
// evidence in memory and must forget it at each of these).
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

class StoreEvidenceTest : public StoreContractTest {
 protected:
  std::optional<std::string> evidence_of(const std::string& id) {
    auto r = store().last_evidence(id);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::optional<std::string>("<error>");
  }
};

TEST_P(StoreEvidenceTest, EachReadSeesTheLastWrite) {
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDkim, "evidence.example"));
  EXPECT_EQ(evidence_of(c.id), std::nullopt);
  EXPECT_EQ(evidence_of(c.id), std::nullopt);  // read twice: a cache would hold it now

  auto one = store().record_check(c, "{\"n\":1}", std::nullopt);
  ASSERT_OK(one);
  EXPECT_EQ(evidence_of(c.id), "{\"n\":1}");
  EXPECT_EQ(evidence_of(c.id), "{\"n\":1}");

  Claim moved = *one;
  moved.status = ClaimStatus::kVerified;
  auto batch = store().record_checks(
      {{moved, "{\"n\":2}", StatusChange{T0 + hours(1), ClaimStatus::kPending, moved.status}}});
  ASSERT_EQ(batch.size(), 1u);
  ASSERT_OK(batch[0]);
  EXPECT_EQ(evidence_of(c.id), "{\"n\":2}");

  // A batch whose write lost its compare-and-set leaves the evidence as it was.
  auto lost = store().record_checks({{moved, "{\"n\":3}", std::nullopt}});
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_FALSE(lost[0].ok());
  EXPECT_EQ(evidence_of(c.id), "{\"n\":2}");

  // An update keeps it; another claim's evidence is its own.
  Claim updated = *batch[0];
  updated.attempts = 4;
  ASSERT_OK(store().update_claim(updated));
  EXPECT_EQ(evidence_of(c.id), "{\"n\":2}");
  Claim other = insert(make_claim(kScope, ClaimKind::kSesDkim, "other.example"));
  ASSERT_OK(store().record_check(other, "{\"other\":1}", std::nullopt));
  EXPECT_EQ(evidence_of(other.id), "{\"other\":1}");
  EXPECT_EQ(evidence_of(c.id), "{\"n\":2}");

  auto deleted = store().delete_claim(kScope, c.id);
  ASSERT_OK(deleted);
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(evidence_of(c.id), std::nullopt);
  EXPECT_EQ(evidence_of(other.id), "{\"other\":1}");
  ASSERT_OK(store().clear_claims());
  EXPECT_EQ(evidence_of(other.id), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreEvidenceTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
