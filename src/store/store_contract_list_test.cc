// The Store contract for search_claims (the admin console's list): the
// listing's kinds, narrowed by status and by subject prefix, in seq order,
// paged, and never outside the caller's scope.
#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

const std::vector<ClaimKind> kAll = {ClaimKind::kSesDomain, ClaimKind::kSesEmail,
                                     ClaimKind::kLatticeDomain};

std::vector<std::string> subjects(const Result<std::vector<Claim>>& r) {
  std::vector<std::string> out;
  if (r.ok()) {
    for (const auto& c : *r) out.push_back(c.subject);
  }
  return out;
}

class StoreSearchTest : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    insert(make_claim(kScope, ClaimKind::kSesDomain, "alpha.example"));
    Claim v = make_claim(kScope, ClaimKind::kSesDomain, "alpine.example");
    v.status = ClaimStatus::kVerified;
    insert(v);
    insert(make_claim(kScope, ClaimKind::kSesEmail, "al@mail.example"));
    insert(make_claim(kScope, ClaimKind::kLatticeDomain, "alpha.example"));
    insert(make_claim(kScope, ClaimKind::kSesDomain, "beta.example"));
    insert(make_claim(kOtherAccount, ClaimKind::kSesDomain, "alpha.other"));
    insert(make_claim(kOtherRegion, ClaimKind::kSesDomain, "alpha.region"));
  }

  Result<std::vector<Claim>> search(std::optional<ClaimStatus> status, std::string prefix,
                                    std::vector<ClaimKind> kinds = kAll, int64_t after = 0,
                                    size_t limit = 100) {
    return store().search_claims(
        ClaimSearch{ListQuery{kScope, std::move(kinds), after, limit}, status, std::move(prefix)});
  }
};

TEST_P(StoreSearchTest, WithoutFiltersItIsTheListing) {
  auto all = search(std::nullopt, "");
  ASSERT_OK(all);
  EXPECT_EQ(subjects(all),
            (std::vector<std::string>{"alpha.example", "alpine.example", "al@mail.example",
                                      "alpha.example", "beta.example"}));
  EXPECT_EQ(all->size(), list(kScope, kAll).size());
}

TEST_P(StoreSearchTest, AStatusNarrowsToItsClaims) {
  EXPECT_EQ(subjects(search(ClaimStatus::kVerified, "")),
            std::vector<std::string>{"alpine.example"});
  EXPECT_EQ(subjects(search(ClaimStatus::kFailed, "")), std::vector<std::string>{});
  EXPECT_EQ(search(ClaimStatus::kPending, "")->size(), 4u);  // the others
}

// Recorded checks move a claim between statuses, and one without a status
// change (SQLite leaves `status` out of its UPDATE then) keeps it there.
TEST_P(StoreSearchTest, RecordedChecksKeepTheStatusNarrowingRight) {
  Claim beta = *get(kScope, list(kScope, {ClaimKind::kSesDomain}).back().id);
  ASSERT_EQ(beta.subject, "beta.example");
  beta.status = ClaimStatus::kVerified;
  auto moved = store().record_checks(
      {{beta, "{}", StatusChange{T0, ClaimStatus::kPending, ClaimStatus::kVerified}}});
  ASSERT_OK(moved[0]);
  Claim again = *moved[0];
  again.attempts = 2;
  auto kept = store().record_checks({{again, "{\"n\":2}", std::nullopt}});
  ASSERT_OK(kept[0]);
  EXPECT_EQ(get(kScope, beta.id)->status, ClaimStatus::kVerified);
  EXPECT_EQ(get(kScope, beta.id)->attempts, 2);
  EXPECT_EQ(subjects(search(ClaimStatus::kVerified, "")),
            (std::vector<std::string>{"alpine.example", "beta.example"}));
  EXPECT_EQ(search(ClaimStatus::kPending, "")->size(), 3u);
}

TEST_P(StoreSearchTest, APrefixMatchesTheStartOfTheSubjectOnly) {
  EXPECT_EQ(subjects(search(std::nullopt, "alp")),
            (std::vector<std::string>{"alpha.example", "alpine.example", "alpha.example"}));
  EXPECT_EQ(subjects(search(std::nullopt, "alpha.example")),
            (std::vector<std::string>{"alpha.example", "alpha.example"}));
  EXPECT_EQ(subjects(search(std::nullopt, "example")), std::vector<std::string>{});  // not inside
  EXPECT_EQ(subjects(search(std::nullopt, "Alp")), std::vector<std::string>{});      // bytes
  EXPECT_EQ(subjects(search(std::nullopt, "al@")), std::vector<std::string>{"al@mail.example"});
  EXPECT_EQ(subjects(search(std::nullopt, "%")), std::vector<std::string>{});  // no wildcards
  EXPECT_EQ(subjects(search(std::nullopt, "_")), std::vector<std::string>{});
}

TEST_P(StoreSearchTest, FiltersCombineWithKindsAndStatus) {
  EXPECT_EQ(subjects(search(std::nullopt, "alpha", {ClaimKind::kLatticeDomain})),
            std::vector<std::string>{"alpha.example"});
  EXPECT_EQ(subjects(search(ClaimStatus::kVerified, "alpha")), std::vector<std::string>{});
  EXPECT_EQ(subjects(search(ClaimStatus::kVerified, "alpi")),
            std::vector<std::string>{"alpine.example"});
}

TEST_P(StoreSearchTest, PagesResumeAfterTheLastSeq) {
  auto first = search(std::nullopt, "al", kAll, 0, 2);
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 2u);
  auto rest = search(std::nullopt, "al", kAll, first->back().seq, 2);
  ASSERT_OK(rest);
  EXPECT_EQ(subjects(rest), (std::vector<std::string>{"al@mail.example", "alpha.example"}));
  auto none = search(std::nullopt, "al", kAll, rest->back().seq, 2);
  EXPECT_EQ(subjects(none), std::vector<std::string>{});
}

TEST_P(StoreSearchTest, OtherScopesStayOut) {
  EXPECT_EQ(subjects(search(std::nullopt, "alpha.other")), std::vector<std::string>{});
  EXPECT_EQ(subjects(search(std::nullopt, "alpha.region")), std::vector<std::string>{});
  auto other = store().search_claims(
      ClaimSearch{ListQuery{kOtherAccount, kAll, 0, 10}, std::nullopt, "alpha"});
  EXPECT_EQ(subjects(other), std::vector<std::string>{"alpha.other"});  // positive control
}

TEST_P(StoreSearchTest, NonAsciiSubjectsMatchByPrefix) {
  insert(make_claim(kScope, ClaimKind::kSesEmail, "\xc3\xa9t\xc3\xa9@mail.example"));  // été@
  EXPECT_EQ(subjects(search(std::nullopt, "\xc3\xa9")),
            std::vector<std::string>{"\xc3\xa9t\xc3\xa9@mail.example"});
  EXPECT_EQ(subjects(search(std::nullopt, "\xc3\xa9t\xc3\xa9@mail.example")).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreSearchTest, ::testing::ValuesIn(contract_backends()),
                         backend_name);

}  // namespace
}  // namespace vouch::core::contract
