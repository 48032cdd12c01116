// The Store contract for CreateRules::existing_identity: a create whose
// subject an SES identity of its scope holds already answers with that
// identity (kExisting) instead of a conflict, before the quota is counted.
#include <map>
#include <thread>

#include "store/store_contract_test_util.h"

namespace vouch::core::contract {
namespace {

CreateRules existing_rules(size_t quota = 0) {
  CreateRules rules;
  rules.quota = quota;
  rules.quota_kinds = kSesKinds;
  rules.one_live_per_subject = false;
  rules.existing_identity = true;
  rules.now = T0;
  return rules;
}

TEST_P(StoreContractTest, ACreateFindingTheIdentityAnswersWithItAndWritesNothing) {
  Claim first = insert(make_claim(kScope, ClaimKind::kSesDomain, "taken.example"));
  // The control: without the rule the same create is a conflict naming it.
  CreateRules plain = existing_rules();
  plain.existing_identity = false;
  auto refused = store().create_claim_once(
      make_claim(kScope, ClaimKind::kSesDomain, "taken.example"), std::nullopt, plain);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);

  Claim again = make_claim(kScope, ClaimKind::kSesDomain, "taken.example");
  again.token = "another-token";
  ASSERT_NE(again.id, first.id);
  auto r = store().create_claim_once(again, std::nullopt, existing_rules());
  ASSERT_OK(r);
  EXPECT_EQ(r->outcome, CreateOutcome::kExisting);
  EXPECT_EQ(r->claim.id, first.id);
  EXPECT_EQ(r->claim.token, first.token);
  EXPECT_EQ(r->claim.seq, first.seq);
  EXPECT_EQ(r->claim.version, first.version);
  EXPECT_EQ(count(kScope, kSesKinds), 1u);
  EXPECT_FALSE(get(kScope, again.id).has_value());
}

TEST_P(StoreContractTest, ACreateFindingNoIdentityInsertsItsClaim) {
  // Not in the way: the subject in another region, a Lattice claim of it.
  insert(make_claim(kOtherRegion, ClaimKind::kSesDomain, "new.example"));
  insert(make_claim(kScope, ClaimKind::kLatticeDomain, "new.example"));
  Claim fresh = make_claim(kScope, ClaimKind::kSesDomain, "new.example");
  auto r = store().create_claim_once(fresh, std::nullopt, existing_rules());
  ASSERT_OK(r);
  EXPECT_EQ(r->outcome, CreateOutcome::kCreated);
  EXPECT_EQ(r->claim.id, fresh.id);
  EXPECT_GT(r->claim.seq, 0);
  EXPECT_EQ(r->claim.version, 1);
  auto found = store().find_identity(kScope, "new.example");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, fresh.id);
}

TEST_P(StoreContractTest, AnExistingIdentityAnswersEvenWhenTheQuotaIsFull) {
  Claim held = insert(make_claim(kScope, ClaimKind::kSesEmail, "a@example.com"));
  auto same = store().create_claim_once(make_claim(kScope, ClaimKind::kSesEmail, "a@example.com"),
                                        std::nullopt, existing_rules(1));
  ASSERT_OK(same);
  EXPECT_EQ(same->outcome, CreateOutcome::kExisting);
  EXPECT_EQ(same->claim.id, held.id);
  // The control: a new subject is counted, and refused.
  auto other = store().create_claim_once(make_claim(kScope, ClaimKind::kSesEmail, "b@example.com"),
                                         std::nullopt, existing_rules(1));
  ASSERT_OK(other);
  EXPECT_EQ(other->outcome, CreateOutcome::kQuotaExceeded);
}

TEST_P(StoreContractTest, ConcurrentCreatesOfOneSubjectAllAnswerWithTheOneIdentity) {
  // Subjects some of which exist before: threads race to create the rest.
  constexpr int kSubjects = 12, kThreads = 6;
  std::map<std::string, std::string> before;
  for (int s = 0; s < kSubjects; s += 3) {
    const std::string subject = "s" + std::to_string(s) + ".example";
    before[subject] = insert(make_claim(kScope, ClaimKind::kSesDomain, subject)).id;
  }
  std::vector<std::map<std::string, std::string>> got(kThreads);
  std::vector<int> created(kThreads, 0);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int s = 0; s < kSubjects; ++s) {
        const std::string subject = "s" + std::to_string((s + t) % kSubjects) + ".example";
        for (int attempt = 0; attempt < 5; ++attempt) {
          auto r = store().create_claim_once(make_claim(kScope, ClaimKind::kSesDomain, subject),
                                             std::nullopt, existing_rules());
          // A conflict is allowed only as a lost race the caller retries.
          if (!r.ok() && r.error().code == ErrorCode::kConflict) continue;
          if (!r.ok()) {
            errors[t] = r.error().message;
            return;
          }
          got[t][subject] = r->claim.id;
          if (r->outcome == CreateOutcome::kCreated) ++created[t];
          break;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  int total = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "");
    ASSERT_EQ(got[t].size(), static_cast<size_t>(kSubjects)) << "thread " << t;
    total += created[t];
  }
  EXPECT_EQ(total, kSubjects - static_cast<int>(before.size()));
  EXPECT_EQ(count(kScope, kSesKinds), static_cast<size_t>(kSubjects));
  for (const auto& [subject, id] : got[0]) {
    auto found = store().find_identity(kScope, subject);
    ASSERT_OK(found);
    ASSERT_TRUE(found->has_value()) << subject;
    EXPECT_EQ((*found)->id, id) << subject;
    if (before.count(subject)) {
      EXPECT_EQ(id, before[subject]) << subject;
    }
    for (int t = 1; t < kThreads; ++t) EXPECT_EQ(got[t][subject], id) << subject;
  }
}

}  // namespace
}  // namespace vouch::core::contract
