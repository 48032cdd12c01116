// DKIM in IdentityService over a real SQLite store: the aggregate rule, one
// claim per token's CNAME (created once, also for tokens from before DKIM
// claims existed, restarted when failed), what GetIdentityDkimAttributes
// reports as the claims move, and that they go with DeleteIdentity and never
// show up as identities.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/status_machine.h"
#include "service/identity_service.h"
#include "store/sqlite/sqlite_store.h"
#include "service/service_test_base.h"
#include "testing/temp_dir.h"

namespace vouch::service {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::Scope;
using std::chrono::hours;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));
const Scope kScope{"111122223333", "us-east-1"};
const Scope kOtherRegion{"111122223333", "eu-west-1"};

TEST(DkimStatus, Aggregate) {
  using S = ClaimStatus;
  const S P = S::kPending, V = S::kVerified, U = S::kUnconfirmed, F = S::kFailed;
  EXPECT_EQ(dkim_status({}), DkimStatus::kNotStarted);
  EXPECT_EQ(dkim_status({V, V, V}), DkimStatus::kSuccess);
  EXPECT_EQ(dkim_status({P, P, P}), DkimStatus::kPending);
  EXPECT_EQ(dkim_status({V, V, P}), DkimStatus::kPending);  // all three are needed
  EXPECT_EQ(dkim_status({V, U, V}), DkimStatus::kTemporaryFailure);
  EXPECT_EQ(dkim_status({P, U, V}), DkimStatus::kTemporaryFailure);
  EXPECT_EQ(dkim_status({V, V, F}), DkimStatus::kFailed);
  EXPECT_EQ(dkim_status({U, F, P}), DkimStatus::kFailed);  // failed outranks the rest
}

class DkimServiceTest : public IdentityServiceTestBase {
 protected:
  DkimServiceTest() : IdentityServiceTestBase(T0, 7, "dkim-test-key") {}

  std::vector<std::string> verify_dkim(const std::string& domain, const Scope& scope = kScope) {
    auto r = service_->verify_domain_dkim(scope, domain);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::vector<std::string>{};
  }

  std::vector<Claim> dkim_claims(const std::string& domain, const Scope& scope = kScope) {
    auto r = store_->find_claims(scope, ClaimKind::kSesDkim, {domain});
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<Claim>{};
  }

  std::map<std::string, DkimView> attrs(const std::vector<std::string>& ids,
                                        const Scope& scope = kScope) {
    auto r = service_->get_dkim_attributes(scope, ids);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::map<std::string, DkimView>{};
  }

  DkimStatus status(const std::string& id) {
    auto a = attrs({id});
    EXPECT_EQ(a.count(id), 1u) << id;
    return a.count(id) ? a.at(id).status : DkimStatus::kNotStarted;
  }

  void set_record(const std::string& domain, size_t i, ClaimStatus s) {
    auto claims = dkim_claims(domain);
    ASSERT_GT(claims.size(), i);
    claims[i].status = s;
    ASSERT_OK(store_->update_claim(claims[i]));
  }
};

TEST_F(DkimServiceTest, VerifyDomainDkimMakesOneDueClaimPerTokenOnce) {
  auto tokens = verify_dkim("Example.COM");
  ASSERT_EQ(tokens.size(), 3u);
  auto claims = dkim_claims("example.com");
  ASSERT_EQ(claims.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Claim& c = claims[i];
    EXPECT_EQ(c.kind, ClaimKind::kSesDkim);
    EXPECT_EQ(c.subject, "example.com");
    EXPECT_EQ(c.record_name, tokens[i] + "._domainkey.example.com");
    EXPECT_EQ(c.token, tokens[i] + ".dkim.amazonses.com");
    EXPECT_EQ(c.status, ClaimStatus::kPending);
    EXPECT_EQ(c.next_check_at, T0);  // checked at once
    EXPECT_EQ(c.deadline, T0 + hours(72));
    EXPECT_TRUE(c.dkim_tokens.empty());
  }
  clock_.advance(seconds(90));
  EXPECT_EQ(verify_dkim("example.com"), tokens);
  EXPECT_EQ(dkim_claims("example.com").size(), 3u);
  EXPECT_TRUE(dkim_claims("example.com", kOtherRegion).empty());
}

// <token>._domainkey.<domain> must fit a DNS name: 209 characters is the
// longest domain, though VerifyDomainIdentity takes up to 242.
TEST_F(DkimServiceTest, VerifyDomainDkimRefusesADomainWhoseRecordsCannotBeLookedUp) {
  const std::string longest = domain_of_length(209);
  EXPECT_EQ(verify_dkim(longest).size(), 3u);
  EXPECT_EQ(dkim_claims(longest).size(), 3u);
  const std::string over = domain_of_length(210);
  ASSERT_TRUE(service_->verify_domain(kScope, over).ok());
  auto r = service_->verify_domain_dkim(kScope, over);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "Invalid domain name " + over + ".");
  EXPECT_TRUE(dkim_claims(over).empty());
}

TEST_F(DkimServiceTest, ConcurrentVerifyDomainDkimMakesThreeClaims) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) threads.emplace_back([&] { verify_dkim("race.example"); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(dkim_claims("race.example").size(), 3u);
}

TEST_F(DkimServiceTest, StatusFollowsTheRecords) {
  verify_dkim("example.com");
  auto v = service_->verify_domain(kScope, "plain.example");
  ASSERT_OK(v);
  ASSERT_OK(service_->verify_email(kScope, "someone@example.com"));
  auto all = attrs(
      {"example.com", "EXAMPLE.com", "plain.example", "someone@example.com", "unknown.example"});
  ASSERT_EQ(all.size(), 4u);  // unknown identities are left out
  EXPECT_EQ(all.at("example.com").status, DkimStatus::kPending);
  EXPECT_EQ(all.at("EXAMPLE.com").tokens.size(), 3u);
  EXPECT_EQ(all.at("plain.example").status, DkimStatus::kNotStarted);
  EXPECT_TRUE(all.at("plain.example").tokens.empty());
  EXPECT_EQ(all.at("someone@example.com").status, DkimStatus::kNotStarted);

  set_record("example.com", 0, ClaimStatus::kVerified);
  set_record("example.com", 1, ClaimStatus::kVerified);
  EXPECT_EQ(status("example.com"), DkimStatus::kPending);
  set_record("example.com", 2, ClaimStatus::kVerified);
  EXPECT_EQ(status("example.com"), DkimStatus::kSuccess);
  set_record("example.com", 1, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(status("example.com"), DkimStatus::kTemporaryFailure);
  set_record("example.com", 0, ClaimStatus::kFailed);
  EXPECT_EQ(status("example.com"), DkimStatus::kFailed);
  // The domain's own verification is another matter.
  auto ses = service_->get_attributes(kScope, {"example.com"}, "GetIdentityVerificationAttributes");
  ASSERT_OK(ses);
  EXPECT_EQ(ses->at("example.com").status, ClaimStatus::kPending);
}

TEST_F(DkimServiceTest, ADomainWhoseDkimRecordsAreAllVerifiedIsVerified) {
  verify_dkim("example.com");  // the TXT record is never published
  auto domain_status = [&] {
    auto r = service_->get_attributes(kScope, {"example.com", "Example.COM"},
                                      "GetIdentityVerificationAttributes");
    EXPECT_OK(r);
    if (!r.ok() || r->size() != 2) {
      ADD_FAILURE() << "want both spellings answered";
      return ClaimStatus::kFailed;
    }
    EXPECT_EQ(r->at("example.com").status, r->at("Example.COM").status);
    return r->at("example.com").status;
  };
  EXPECT_EQ(domain_status(), ClaimStatus::kPending);
  set_record("example.com", 0, ClaimStatus::kVerified);
  set_record("example.com", 1, ClaimStatus::kVerified);
  EXPECT_EQ(domain_status(), ClaimStatus::kPending);  // all three are needed
  set_record("example.com", 2, ClaimStatus::kVerified);
  EXPECT_EQ(domain_status(), ClaimStatus::kVerified);
  set_record("example.com", 2, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(domain_status(), ClaimStatus::kPending);  // back to the domain's own status
}

TEST_F(DkimServiceTest, VerifyingAgainRestartsFailedRecordsOnly) {
  auto tokens = verify_dkim("example.com");
  set_record("example.com", 0, ClaimStatus::kFailed);
  set_record("example.com", 1, ClaimStatus::kVerified);
  clock_.advance(hours(100));
  EXPECT_EQ(verify_dkim("example.com"), tokens);
  auto claims = dkim_claims("example.com");
  EXPECT_EQ(claims[0].status, ClaimStatus::kPending);
  EXPECT_EQ(claims[0].deadline, clock_.now() + hours(72));
  EXPECT_EQ(claims[0].next_check_at, clock_.now());
  EXPECT_EQ(claims[1].status, ClaimStatus::kVerified);
  EXPECT_LE(*claims[2].next_check_at, clock_.now());  // pending: due (already was)
  EXPECT_EQ(status("example.com"), DkimStatus::kPending);
}

TEST_F(DkimServiceTest, TokensFromBeforeDkimClaimsGetTheirClaimsOnTheNextVerify) {
  auto tokens = verify_dkim("old.example");
  for (const auto& c : dkim_claims("old.example")) ASSERT_OK(store_->delete_claim(kScope, c.id));
  EXPECT_EQ(status("old.example"), DkimStatus::kPending);  // unchecked records read as pending
  EXPECT_EQ(verify_dkim("old.example"), tokens);
  EXPECT_EQ(dkim_claims("old.example").size(), 3u);
}

TEST_F(DkimServiceTest, DkimClaimsAreNoIdentitiesAndGoWithTheirDomain) {
  verify_dkim("example.com");
  verify_dkim("keep.example");
  auto page = service_->list(kScope, IdentityType::kAny, std::nullopt, std::nullopt);
  ASSERT_OK(page);
  EXPECT_EQ(page->identities, (std::vector<std::string>{"example.com", "keep.example"}));
  auto verified = service_->list_verified_emails(kScope);
  ASSERT_OK(verified);
  EXPECT_TRUE(verified->empty());

  ASSERT_OK(service_->delete_identity(kScope, "EXAMPLE.com"));
  EXPECT_TRUE(dkim_claims("example.com").empty());
  EXPECT_EQ(dkim_claims("keep.example").size(), 3u);
  EXPECT_TRUE(attrs({"example.com"}).empty());
  // Started again: new tokens, new claims.
  auto fresh = verify_dkim("example.com");
  auto claims = dkim_claims("example.com");
  ASSERT_EQ(claims.size(), 3u);
  EXPECT_EQ(claims[0].record_name, fresh[0] + "._domainkey.example.com");
}

}  // namespace
}  // namespace vouch::service
