// The Store contract for a claim's last evidence read again after each kind
// of write: every read sees the last write (the cached SQLite backends keep
// evidence in memory and must forget it at each of these).
#include "core/evidence_json.h"
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

// last_evidence_decoded(): the same evidence, decoded; nullptr for none and
// for text that is not DNS evidence (an address's "{}").
TEST_P(StoreEvidenceTest, DecodedEvidenceSeesTheLastWriteToo) {
  const auto text = [](CheckOutcome outcome, int minutes) {
    Evidence e;
    e.at = T0 + std::chrono::minutes(minutes);
    e.record_name = "t._domainkey.evidence.example";
    e.expected = "t.dkim.amazonses.com";
    e.outcome = outcome;
    e.soa = Soa{"ns1.evidence.example", "hostmaster.evidence.example", 7};
    return evidence_text(e);
  };
  const auto decoded = [&](const std::string& id) {
    auto r = store().last_evidence_decoded(id);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : nullptr;
  };
  Claim c = insert(make_claim(kScope, ClaimKind::kSesDkim, "evidence.example"));
  EXPECT_EQ(decoded(c.id), nullptr);
  auto one = store().record_check(c, text(CheckOutcome::kAbsent, 1), std::nullopt);
  ASSERT_OK(one);
  for (int read = 0; read < 2; ++read) {
    auto e = decoded(c.id);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->outcome, CheckOutcome::kAbsent);
    auto from_text = evidence_from_text(evidence_of(c.id).value_or(""));  // a backend's precision
    ASSERT_TRUE(from_text);
    EXPECT_EQ(e->at, from_text->at);
    EXPECT_EQ(e->soa, (Soa{"ns1.evidence.example", "hostmaster.evidence.example", 7}));
  }
  auto two = store().record_checks({{*one, text(CheckOutcome::kFound, 2), std::nullopt}});
  ASSERT_OK(two[0]);
  ASSERT_NE(decoded(c.id), nullptr);
  EXPECT_EQ(decoded(c.id)->outcome, CheckOutcome::kFound);
  ASSERT_OK(store().record_check(*two[0], "{}", std::nullopt));
  EXPECT_EQ(decoded(c.id), nullptr);
  EXPECT_EQ(evidence_of(c.id), "{}");  // the control: the text is there
  ASSERT_OK(store().delete_claim(kScope, c.id));
  EXPECT_EQ(decoded(c.id), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreEvidenceTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
