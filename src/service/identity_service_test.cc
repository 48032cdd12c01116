// The SES identity operations (spec §3.5, §3.6, §7 row 4) over a real SQLite
// store in a temp dir, with a ManualClock and a seeded Random.
#include "service/identity_service.h"

#include <gtest/gtest.h>

#include <atomic>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/status_machine.h"
#include "store/sqlite/sqlite_store.h"
#include "service/service_test_base.h"
#include "testing/temp_dir.h"

namespace vouch::service {
namespace {

using core::ClaimKind;
using core::ClaimStatus;
using core::ErrorCode;
using core::Scope;
using std::chrono::hours;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));
const Scope kScope{"111122223333", "us-east-1"};
const Scope kOtherRegion{"111122223333", "eu-west-1"};
const Scope kOtherAccount{"444455556666", "us-east-1"};
const std::string kGetAttrs = "GetIdentityVerificationAttributes";

class IdentityServiceTest : public ServiceTestBase {
 protected:
  IdentityServiceTest() : ServiceTestBase(T0, 42, "page-token-test-key") {}

  void SetUp() override {
    ServiceTestBase::SetUp();
    if (HasFatalFailure()) return;
    service_ = make_service();
  }

  std::unique_ptr<IdentityService> make_service(IdentityOptions options = {},
                                                RateLimiter* limiter = nullptr) {
    return std::make_unique<IdentityService>(*store_, clock_, random_,
                                             limiter ? *limiter : unlimited_, tokens_, options);
  }

  IdentityService& service() { return *service_; }

  std::string verify_domain(const std::string& domain, const Scope& scope = kScope) {
    auto r = service_->verify_domain(scope, domain);
    EXPECT_TRUE(r.ok()) << domain << ": " << testing::describe(r.error());
    return r.ok() ? *r : std::string();
  }

  void verify_email(const std::string& email, const Scope& scope = kScope) {
    EXPECT_OK(service_->verify_email(scope, email));
  }

  std::map<std::string, IdentityView> attributes(const std::vector<std::string>& identities,
                                                 const Scope& scope = kScope) {
    auto r = service_->get_attributes(scope, identities, kGetAttrs);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : std::map<std::string, IdentityView>{};
  }

  // The stored claim for a normalised subject.
  core::Claim stored(const std::string& subject, const Scope& scope = kScope) {
    auto r = store_->find_identity(scope, subject);
    EXPECT_TRUE(r.ok() && *r) << subject;
    return r.ok() && *r ? **r : core::Claim{};
  }

  void set_status(const std::string& subject, ClaimStatus status) {
    core::Claim c = stored(subject);
    c.status = status;
    ASSERT_OK(store_->update_claim(c));
  }

  size_t identity_count(const Scope& scope = kScope) {
    auto n = store_->count_claims(scope, {ClaimKind::kSesDomain, ClaimKind::kSesEmail});
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : 0;
  }

  // Every page of a listing; checks each page's size and returns all identities.
  std::vector<std::string> list_all(IdentityType type, int page_size, int* pages = nullptr) {
    std::vector<std::string> out;
    std::optional<std::string> token;
    int n = 0;
    for (;;) {
      auto page = service_->list(kScope, type, page_size, token);
      EXPECT_TRUE(page.ok()) << testing::describe(page.error());
      if (!page.ok()) break;
      ++n;
      EXPECT_LE(page->identities.size(), static_cast<size_t>(page_size));
      out.insert(out.end(), page->identities.begin(), page->identities.end());
      if (!page->next_token) break;
      EXPECT_EQ(page->identities.size(), static_cast<size_t>(page_size))
          << "a page before the last is full";
      token = page->next_token;
      if (n > 1000) break;
    }
    if (pages) *pages = n;
    return out;
  }

  std::unique_ptr<IdentityService> service_;
};

// --- VerifyDomainIdentity --------------------------------------------------

TEST_F(IdentityServiceTest, VerifyDomainCreatesAPendingIdentityWithA44CharToken) {
  std::string token = verify_domain("example.com");
  EXPECT_EQ(token.size(), 44u);
  EXPECT_TRUE(std::regex_match(token, std::regex("[A-Za-z0-9+/]{43}="))) << token;

  auto attrs = attributes({"example.com"});
  ASSERT_EQ(attrs.size(), 1u);
  EXPECT_EQ(attrs.at("example.com").status, ClaimStatus::kPending);
  EXPECT_EQ(attrs.at("example.com").kind, ClaimKind::kSesDomain);
  EXPECT_EQ(attrs.at("example.com").token, token);
  EXPECT_TRUE(attrs.at("example.com").dkim_tokens.empty());

  core::Claim c = stored("example.com");
  EXPECT_EQ(c.record_name, "_amazonses.example.com");
  EXPECT_EQ(c.token, token);
  EXPECT_EQ(c.created_at, T0);
  EXPECT_EQ(c.deadline, T0 + hours(72));
  EXPECT_EQ(c.next_check_at, T0);  // checked at once
  EXPECT_EQ(c.id.rfind("id-", 0), 0u);
  EXPECT_EQ(c.id.size(), 23u);
}

TEST_F(IdentityServiceTest, RepeatVerifyDomainReturnsTheSameToken) {
  std::string first = verify_domain("example.com");
  clock_.advance(hours(5));
  EXPECT_EQ(verify_domain("example.com"), first);
  EXPECT_EQ(identity_count(), 1u);
  core::Claim c = stored("example.com");
  EXPECT_EQ(c.deadline, T0 + hours(72)) << "a pending window is not extended";
  EXPECT_TRUE(core::is_due(c, clock_.now()));
  // A repeat while the next check is backed off makes it due now.
  c = core::apply_check(core::policy_for(c.kind), c, core::CheckOutcome::kAbsent, clock_.now());
  ASSERT_GT(*c.next_check_at, clock_.now());
  ASSERT_OK(store_->update_claim(c));
  clock_.advance(seconds(1));
  EXPECT_EQ(verify_domain("example.com"), first);
  EXPECT_EQ(stored("example.com").next_check_at, clock_.now());
  EXPECT_EQ(stored("example.com").status, ClaimStatus::kPending);
  // Each domain and each region has its own token.
  EXPECT_NE(verify_domain("other.example.com"), first);
  EXPECT_NE(verify_domain("example.com", kOtherRegion), first);
}

TEST_F(IdentityServiceTest, DomainsAreCaseInsensitive) {
  std::string token = verify_domain("Example.COM");
  EXPECT_EQ(verify_domain("example.com"), token);
  EXPECT_EQ(verify_domain("EXAMPLE.COM"), token);
  auto page = service().list(kScope, IdentityType::kAny, std::nullopt, std::nullopt);
  ASSERT_OK(page);
  EXPECT_EQ(page->identities, std::vector<std::string>{"example.com"});
}

TEST_F(IdentityServiceTest, InternationalDomainsAreStoredAsPunycode) {
  std::string token = verify_domain("bücher.example");
  EXPECT_EQ(verify_domain("xn--bcher-kva.example"), token);
  EXPECT_EQ(verify_domain("BÜCHER.example"), token);
  auto page = service().list(kScope, IdentityType::kDomain, std::nullopt, std::nullopt);
  ASSERT_OK(page);
  EXPECT_EQ(page->identities, std::vector<std::string>{"xn--bcher-kva.example"});
  EXPECT_EQ(stored("xn--bcher-kva.example").record_name, "_amazonses.xn--bcher-kva.example");
  auto attrs = attributes({"bücher.example", "xn--bcher-kva.example"});
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs.at("bücher.example").token, token);
  EXPECT_EQ(attrs.at("xn--bcher-kva.example").token, token);
}

TEST_F(IdentityServiceTest, VerifyDomainRejectsMalformedNames) {
  for (const char* bad : {"", "example.com.", "nodot", "exa mple.com", "-bad.example.com"}) {
    auto r = service().verify_domain(kScope, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.error().message, std::string("Invalid domain name ") + bad + ".");
  }
  EXPECT_EQ(identity_count(), 0u);
}

// _amazonses.<domain> must fit a DNS name: 242 characters is the longest.
TEST_F(IdentityServiceTest, VerifyDomainRefusesADomainWhoseRecordCannotBeLookedUp) {
  const std::string longest = domain_of_length(242);
  ASSERT_TRUE(service().verify_domain(kScope, longest).ok());
  const std::string over = domain_of_length(243);
  auto r = service().verify_domain(kScope, over);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "Invalid domain name " + over + ".");
  EXPECT_EQ(identity_count(), 1u);
}

TEST_F(IdentityServiceTest, AFailedDomainReverifiedIsPendingAgainWithAFresh72HourWindow) {
  std::string token = verify_domain("example.com");
  // 72 h pass and the record is conclusively absent: the scheduler fails it.
  clock_.advance(hours(72));
  core::Claim c = stored("example.com");
  c = core::apply_check(core::policy_for(c.kind), c, core::CheckOutcome::kAbsent, clock_.now());
  ASSERT_EQ(c.status, ClaimStatus::kFailed);
  ASSERT_OK(store_->update_claim(c));
  EXPECT_EQ(attributes({"example.com"}).at("example.com").status, ClaimStatus::kFailed);

  clock_.advance(hours(10));
  const core::TimePoint now = clock_.now();
  EXPECT_EQ(verify_domain("example.com"), token) << "the same token";
  core::Claim again = stored("example.com");
  EXPECT_EQ(again.status, ClaimStatus::kPending);
  EXPECT_EQ(again.deadline, now + hours(72));
  EXPECT_EQ(again.next_check_at, now);
  EXPECT_EQ(again.attempts, 0);
  EXPECT_EQ(again.created_at, T0);
  EXPECT_EQ(again.id, c.id);
  EXPECT_EQ(attributes({"example.com"}).at("example.com").status, ClaimStatus::kPending);
  EXPECT_EQ(identity_count(), 1u);
}

// The create itself finds the identity (CreateRules::existing_identity), with
// no read before it, under a quota or not: a repeat answers the identity.
TEST_F(IdentityServiceTest, ARepeatVerifyAnswersTheIdentityTheCreateFinds) {
  for (size_t quota : {size_t{0}, size_t{2}}) {
    SCOPED_TRACE("quota " + std::to_string(quota));
    ASSERT_OK(store_->clear_claims());
    service_ = make_service(IdentityOptions{.max_identities = quota});
    std::string token = verify_domain("example.com");
    verify_email("a@example.com");
    EXPECT_EQ(verify_domain("example.com"), token);  // at a full quota, for 2
    verify_email("a@example.com");
    EXPECT_EQ(identity_count(), 2u);
    // A Failed domain is reopened with its token.
    clock_.advance(hours(72));
    core::Claim c = stored("example.com");
    c = core::apply_check(core::policy_for(c.kind), c, core::CheckOutcome::kAbsent, clock_.now());
    ASSERT_EQ(c.status, ClaimStatus::kFailed);
    ASSERT_OK(store_->update_claim(c));
    EXPECT_EQ(verify_domain("example.com"), token);
    core::Claim again = stored("example.com");
    EXPECT_EQ(again.id, c.id);
    EXPECT_EQ(again.status, ClaimStatus::kPending);
    EXPECT_EQ(again.deadline, clock_.now() + hours(72));
    EXPECT_EQ(identity_count(), 2u);
  }
}

TEST_F(IdentityServiceTest, AVerifiedDomainReverifiedStaysVerified) {
  std::string token = verify_domain("example.com");
  set_status("example.com", ClaimStatus::kVerified);
  clock_.advance(hours(100));
  EXPECT_EQ(verify_domain("example.com"), token);
  EXPECT_EQ(stored("example.com").status, ClaimStatus::kVerified);
}

// --- VerifyEmailIdentity ---------------------------------------------------

TEST_F(IdentityServiceTest, RepeatVerifyEmailDoesNotDuplicate) {
  verify_email("user@example.com");
  verify_email("user@example.com");
  verify_email("user@EXAMPLE.com");  // the domain part is case-insensitive
  EXPECT_EQ(identity_count(), 1u);
  auto page = service().list(kScope, IdentityType::kEmailAddress, std::nullopt, std::nullopt);
  ASSERT_OK(page);
  EXPECT_EQ(page->identities, std::vector<std::string>{"user@example.com"});
  core::Claim c = stored("user@example.com");
  EXPECT_EQ(c.kind, ClaimKind::kSesEmail);
  EXPECT_EQ(c.deadline, T0 + hours(24));
  // An email claim keeps its link nonce (32 hex digits), the same across
  // repeats within the window so every link sent stays usable.
  EXPECT_EQ(c.token.size(), 32u);
  EXPECT_EQ(c.token.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(IdentityServiceTest, EmailLocalPartsAreCaseSensitive) {
  verify_email("user@example.com");
  verify_email("User@example.com");
  EXPECT_EQ(identity_count(), 2u);
}

TEST_F(IdentityServiceTest, AFailedEmailReverifiedIsPendingAgain) {
  verify_email("user@example.com");
  clock_.advance(hours(30));
  EXPECT_EQ(attributes({"user@example.com"}).at("user@example.com").status, ClaimStatus::kFailed);
  verify_email("user@example.com");
  EXPECT_EQ(attributes({"user@example.com"}).at("user@example.com").status, ClaimStatus::kPending);
  EXPECT_EQ(stored("user@example.com").deadline, T0 + hours(30) + hours(24));
  EXPECT_EQ(identity_count(), 1u);
}

TEST_F(IdentityServiceTest, VerifyEmailRejectsMalformedAddresses) {
  for (const char* bad : {"user@", "@example.com", "user@nodot", "us er@example.com"}) {
    auto r = service().verify_email(kScope, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(identity_count(), 0u);
}

// --- GetIdentityVerificationAttributes ------------------------------------

TEST_F(IdentityServiceTest, AttributesAreKeyedAsRequested) {
  std::string token = verify_domain("example.com");
  verify_email("user@example.com");
  auto attrs = attributes({"Example.COM", "example.com", "user@EXAMPLE.com", "unknown.example",
                           "not a domain!", "x@", "", "nobody@example.com"});
  std::vector<std::string> keys;
  for (const auto& [k, v] : attrs) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"Example.COM", "example.com", "user@EXAMPLE.com"}));
  EXPECT_EQ(attrs.at("Example.COM").token, token);
  EXPECT_EQ(attrs.at("example.com").token, token);
  EXPECT_EQ(attrs.at("example.com").status, ClaimStatus::kPending);
  EXPECT_EQ(attrs.at("user@EXAMPLE.com").kind, ClaimKind::kSesEmail);
  EXPECT_EQ(attrs.at("user@EXAMPLE.com").token, "");
  EXPECT_TRUE(attributes({}).empty());
}

TEST_F(IdentityServiceTest, AttributesAreScoped) {
  verify_domain("example.com");
  EXPECT_EQ(attributes({"example.com"}, kScope).count("example.com"), 1u);  // the control
  EXPECT_TRUE(attributes({"example.com"}, kOtherRegion).empty());
  EXPECT_TRUE(attributes({"example.com"}, kOtherAccount).empty());
}

TEST_F(IdentityServiceTest, AtMost100IdentitiesPerCall) {
  std::vector<std::string> hundred;
  for (int i = 0; i < 100; ++i) hundred.push_back("d" + std::to_string(i) + ".example");
  EXPECT_OK(service().get_attributes(kScope, hundred, kGetAttrs));
  hundred.push_back("one-more.example");
  auto r = service().get_attributes(kScope, hundred, kGetAttrs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "Too many identities in the request. The maximum is 100.");
}

TEST_F(IdentityServiceTest, AnEmailPendingPast24HoursReadsAsFailed) {
  verify_email("user@example.com");
  verify_domain("example.com");
  clock_.advance(hours(24) - seconds(1));
  EXPECT_EQ(attributes({"user@example.com"}).at("user@example.com").status, ClaimStatus::kPending);
  clock_.advance(seconds(1));
  EXPECT_EQ(attributes({"user@example.com"}).at("user@example.com").status, ClaimStatus::kFailed);
  // Reading does not write; domains move only on evidence, never on time alone.
  EXPECT_EQ(stored("user@example.com").status, ClaimStatus::kPending);
  clock_.advance(hours(100));
  EXPECT_EQ(attributes({"example.com"}).at("example.com").status, ClaimStatus::kPending);
}

// --- ListIdentities --------------------------------------------------------

TEST_F(IdentityServiceTest, ListFiltersByTypeInCreationOrder) {
  verify_domain("b.example");
  verify_email("z@example.com");
  verify_domain("a.example");
  verify_email("y@example.com");
  verify_domain("x.example", kOtherRegion);
  auto all = service().list(kScope, IdentityType::kAny, std::nullopt, std::nullopt);
  ASSERT_OK(all);
  EXPECT_EQ(all->identities,
            (std::vector<std::string>{"b.example", "z@example.com", "a.example", "y@example.com"}));
  EXPECT_FALSE(all->next_token);
  auto domains = service().list(kScope, IdentityType::kDomain, std::nullopt, std::nullopt);
  ASSERT_OK(domains);
  EXPECT_EQ(domains->identities, (std::vector<std::string>{"b.example", "a.example"}));
  auto emails = service().list(kScope, IdentityType::kEmailAddress, std::nullopt, std::nullopt);
  ASSERT_OK(emails);
  EXPECT_EQ(emails->identities, (std::vector<std::string>{"z@example.com", "y@example.com"}));
}

TEST_F(IdentityServiceTest, ListMaxItemsMustBeBetween1And1000) {
  for (int bad : {0, -1, 1001, 1'000'000}) {
    auto r = service().list(kScope, IdentityType::kAny, bad, std::nullopt);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.error().field, "MaxItems");
  }
  for (int good : {1, 1000})
    EXPECT_OK(service().list(kScope, IdentityType::kAny, good, std::nullopt));
}

TEST_F(IdentityServiceTest, PaginationVisitsEveryIdentityOnceAndEndsWithoutAToken) {
  std::vector<std::string> want;
  for (int i = 0; i < 25; ++i) {
    if (i % 3 == 0) {
      want.push_back("u" + std::to_string(i) + "@example.com");
      verify_email(want.back());
    } else {
      want.push_back("d" + std::to_string(i) + ".example");
      verify_domain(want.back());
    }
  }
  int pages = 0;
  EXPECT_EQ(list_all(IdentityType::kAny, 4, &pages), want);
  EXPECT_EQ(pages, 7);  // 6 full pages and 1
  EXPECT_EQ(list_all(IdentityType::kAny, 5, &pages), want);
  EXPECT_EQ(pages, 5) << "an exact multiple ends on a full page with no token";
  EXPECT_EQ(list_all(IdentityType::kAny, 25, &pages), want);
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(list_all(IdentityType::kAny, 1, &pages), want);
  EXPECT_EQ(pages, 25);

  std::vector<std::string> emails;
  for (const auto& w : want) {
    if (w.find('@') != std::string::npos) emails.push_back(w);
  }
  EXPECT_EQ(list_all(IdentityType::kEmailAddress, 2), emails);
}

TEST_F(IdentityServiceTest, PaginationSurvivesDeletingTheLastIdentitySeen) {
  for (int i = 0; i < 6; ++i) verify_domain("d" + std::to_string(i) + ".example");
  auto first = service().list(kScope, IdentityType::kAny, 3, std::nullopt);
  ASSERT_OK(first);
  ASSERT_TRUE(first->next_token);
  EXPECT_OK(service().delete_identity(kScope, "d2.example"));
  auto second = service().list(kScope, IdentityType::kAny, 3, first->next_token);
  ASSERT_OK(second);
  EXPECT_EQ(second->identities,
            (std::vector<std::string>{"d3.example", "d4.example", "d5.example"}));
  EXPECT_FALSE(second->next_token);
}

TEST_F(IdentityServiceTest, ATokenFromAnotherScopeOrListingOrTamperedIsInvalid) {
  for (int i = 0; i < 4; ++i) {
    verify_domain("d" + std::to_string(i) + ".example");
    verify_domain("d" + std::to_string(i) + ".example", kOtherRegion);
    verify_domain("d" + std::to_string(i) + ".example", kOtherAccount);
  }
  auto page = service().list(kScope, IdentityType::kAny, 2, std::nullopt);
  ASSERT_OK(page);
  ASSERT_TRUE(page->next_token);
  const std::string token = *page->next_token;

  auto expect_invalid = [&](const Scope& scope, IdentityType type, const std::string& t) {
    auto r = service().list(scope, type, 2, t);
    ASSERT_FALSE(r.ok()) << t;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "NextToken");
  };
  expect_invalid(kOtherRegion, IdentityType::kAny, token);
  expect_invalid(kOtherAccount, IdentityType::kAny, token);
  expect_invalid(kScope, IdentityType::kDomain, token);
  expect_invalid(kScope, IdentityType::kEmailAddress, token);
  std::string tampered = token;
  tampered[0] = tampered[0] == 'A' ? 'B' : 'A';
  expect_invalid(kScope, IdentityType::kAny, tampered);
  expect_invalid(kScope, IdentityType::kAny, "");
  expect_invalid(kScope, IdentityType::kAny, "garbage");
  expect_invalid(kScope, IdentityType::kAny, token + "A");

  // The genuine token still works where it came from.
  auto next = service().list(kScope, IdentityType::kAny, 2, token);
  ASSERT_OK(next);
  EXPECT_EQ(next->identities, (std::vector<std::string>{"d2.example", "d3.example"}));
}

// --- DeleteIdentity --------------------------------------------------------

TEST_F(IdentityServiceTest, DeleteRemovesTheIdentityByAnySpelling) {
  verify_domain("example.com");
  verify_domain("example.com", kOtherRegion);
  verify_email("user@example.com");
  EXPECT_OK(service().delete_identity(kScope, "EXAMPLE.com"));
  EXPECT_TRUE(attributes({"example.com"}).empty());
  EXPECT_EQ(attributes({"example.com"}, kOtherRegion).size(), 1u) << "other regions keep theirs";
  EXPECT_OK(service().delete_identity(kScope, "user@example.com"));
  EXPECT_EQ(identity_count(), 0u);
}

TEST_F(IdentityServiceTest, DeletingAnUnknownOrMalformedIdentitySucceeds) {
  verify_domain("example.com");
  EXPECT_OK(service().delete_identity(kScope, "unknown.example"));
  EXPECT_OK(service().delete_identity(kScope, "nobody@example.com"));
  EXPECT_OK(service().delete_identity(kScope, "not a domain!"));
  EXPECT_OK(service().delete_identity(kScope, ""));
  EXPECT_OK(service().delete_identity(kOtherAccount, "example.com"));
  EXPECT_EQ(identity_count(), 1u);
}

TEST_F(IdentityServiceTest, ADeletedDomainStartsOverWithANewToken) {
  std::string first = verify_domain("example.com");
  EXPECT_OK(service().delete_identity(kScope, "example.com"));
  std::string second = verify_domain("example.com");
  EXPECT_NE(second, first);
  EXPECT_EQ(identity_count(), 1u);
}

// --- ListVerifiedEmailAddresses --------------------------------------------

TEST_F(IdentityServiceTest, ListVerifiedEmailsListsOnlyVerifiedEmails) {
  for (const char* e : {"verified@example.com", "pending@example.com", "unconfirmed@example.com",
                        "failed@example.com", "also-verified@example.com"}) {
    verify_email(e);
  }
  verify_domain("verified.example");
  verify_email("verified@example.com", kOtherRegion);
  set_status("verified@example.com", ClaimStatus::kVerified);
  set_status("also-verified@example.com", ClaimStatus::kVerified);
  set_status("unconfirmed@example.com", ClaimStatus::kUnconfirmed);
  set_status("failed@example.com", ClaimStatus::kFailed);
  set_status("verified.example", ClaimStatus::kVerified);

  auto r = service().list_verified_emails(kScope);
  ASSERT_OK(r);
  EXPECT_EQ(*r, (std::vector<std::string>{"verified@example.com", "also-verified@example.com"}));
  auto other = service().list_verified_emails(kOtherRegion);
  ASSERT_OK(other);
  EXPECT_TRUE(other->empty());
}

// --- VerifyDomainDkim ------------------------------------------------------

TEST_F(IdentityServiceTest, VerifyDomainDkimReturnsThreeStableTokensAndCreatesTheDomain) {
  auto r = service().verify_domain_dkim(kScope, "Example.com");
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 3u);
  for (const auto& t : *r) EXPECT_TRUE(std::regex_match(t, std::regex("[a-z2-7]{32}"))) << t;
  EXPECT_EQ(std::set<std::string>(r->begin(), r->end()).size(), 3u);

  auto again = service().verify_domain_dkim(kScope, "example.com");
  ASSERT_OK(again);
  EXPECT_EQ(*again, *r);

  auto attrs = attributes({"example.com"});
  ASSERT_EQ(attrs.size(), 1u);
  EXPECT_EQ(attrs.at("example.com").status, ClaimStatus::kPending);
  EXPECT_EQ(attrs.at("example.com").dkim_tokens, *r);
  EXPECT_EQ(attrs.at("example.com").token.size(), 44u);
  auto page = service().list(kScope, IdentityType::kDomain, std::nullopt, std::nullopt);
  ASSERT_OK(page);
  EXPECT_EQ(page->identities, std::vector<std::string>{"example.com"});
}

TEST_F(IdentityServiceTest, VerifyDomainDkimKeepsAnExistingDomainsToken) {
  std::string token = verify_domain("example.com");
  auto r = service().verify_domain_dkim(kScope, "example.com");
  ASSERT_OK(r);
  EXPECT_EQ(r->size(), 3u);
  EXPECT_EQ(verify_domain("example.com"), token);
  EXPECT_EQ(stored("example.com").dkim_tokens, *r);
  EXPECT_EQ(identity_count(), 1u);
}

// --- limits ----------------------------------------------------------------

TEST_F(IdentityServiceTest, TheIdentityQuotaIsPerAccountAndRegion) {
  service_ = make_service(IdentityOptions{.max_identities = 3});
  verify_domain("a.example");
  verify_email("b@example.com");
  verify_domain("c.example");
  auto r = service().verify_domain(kScope, "d.example");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kQuotaExceeded);
  EXPECT_EQ(r.error().message, "Maximum number of identities (3) reached.");
  auto e = service().verify_email(kScope, "e@example.com");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kQuotaExceeded);
  auto dkim = service().verify_domain_dkim(kScope, "f.example");
  ASSERT_FALSE(dkim.ok());
  EXPECT_EQ(dkim.error().code, ErrorCode::kQuotaExceeded);
  EXPECT_EQ(identity_count(), 3u);

  // Existing identities still answer; other scopes have their own quota.
  verify_domain("a.example");
  verify_email("b@example.com");
  verify_domain("d.example", kOtherRegion);
  // Deleting frees a slot.
  EXPECT_OK(service().delete_identity(kScope, "a.example"));
  verify_domain("d.example");
  EXPECT_EQ(identity_count(), 3u);
}

// Concurrent Verify calls (as from several nodes) cannot pass the quota
// together: it is counted in the transaction that inserts.
TEST_F(IdentityServiceTest, TheIdentityQuotaHoldsUnderConcurrentVerifies) {
  service_ = make_service(IdentityOptions{.max_identities = 5});
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const std::string n = std::to_string(t * 3 + i);
        core::Status st;
        if ((t + i) % 2) {
          st = service().verify_email(kScope, "u" + n + "@example.com");
        } else if (auto r = service().verify_domain(kScope, "d" + n + ".example"); !r.ok()) {
          st = r.error();
        }
        if (st.ok()) ++ok;
        else if (st.error().code == ErrorCode::kQuotaExceeded) ++refused;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(refused.load(), 19);
  EXPECT_EQ(identity_count(), 5u);
}

TEST_F(IdentityServiceTest, VerifyDomainIsThrottledPerAccountAtOnePerSecond) {
  RateLimiter limiter(clock_, {{"VerifyDomainIdentity", 1.0}});
  service_ = make_service({}, &limiter);
  std::string token = verify_domain("example.com");
  auto r = service().verify_domain(kScope, "example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kThrottled);
  EXPECT_EQ(r.error().message, "Rate exceeded");
  // A throttled call changes nothing.
  auto other = service().verify_domain(kScope, "other.example");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kThrottled);
  EXPECT_EQ(identity_count(), 1u);
  // Another account has its own bucket.
  verify_domain("example.com", kOtherAccount);

  clock_.advance(seconds(1));
  EXPECT_EQ(verify_domain("example.com"), token);
}

TEST_F(IdentityServiceTest, GetAttributesIsThrottledByTheOperationNamed) {
  RateLimiter limiter(clock_, {{kGetAttrs, 1.0}});
  service_ = make_service({}, &limiter);
  verify_domain("example.com");
  EXPECT_OK(service().get_attributes(kScope, {"example.com"}, kGetAttrs));
  auto r = service().get_attributes(kScope, {"example.com"}, kGetAttrs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kThrottled);
  EXPECT_EQ(r.error().message, "Rate exceeded");
  // GetIdentityDkimAttributes is another operation with its own (here: no) limit.
  EXPECT_OK(service().get_attributes(kScope, {"example.com"}, "GetIdentityDkimAttributes"));
  clock_.advance(seconds(1));
  EXPECT_OK(service().get_attributes(kScope, {"example.com"}, kGetAttrs));
}

TEST_F(IdentityServiceTest, EverySesOperationIsThrottledByItsOwnName) {
  // Each operation, called twice in the same instant: with its own name at
  // 1/s the first call passes (positive control) and the second is throttled.
  using Call = std::function<core::Status(IdentityService&)>;
  auto status = [](const auto& r) -> core::Status {
    if (r.ok()) return {};
    return r.error();
  };
  const std::vector<std::pair<std::string, Call>> ops = {
      {"VerifyDomainIdentity",
       [&](IdentityService& s) { return status(s.verify_domain(kScope, "a.example")); }},
      {"VerifyEmailIdentity",
       [&](IdentityService& s) { return s.verify_email(kScope, "a@example.com"); }},
      {"VerifyEmailAddress",
       [&](IdentityService& s) {
         return s.verify_email(kScope, "a@example.com", "VerifyEmailAddress");
       }},
      {kGetAttrs,
       [&](IdentityService& s) {
         return status(s.get_attributes(kScope, {"a.example"}, kGetAttrs));
       }},
      {"GetIdentityDkimAttributes",
       [&](IdentityService& s) { return status(s.get_dkim_attributes(kScope, {"a.example"})); }},
      {"ListIdentities",
       [&](IdentityService& s) {
         return status(s.list(kScope, IdentityType::kAny, std::nullopt, std::nullopt));
       }},
      {"ListVerifiedEmailAddresses",
       [&](IdentityService& s) { return status(s.list_verified_emails(kScope)); }},
      {"DeleteIdentity",
       [&](IdentityService& s) { return s.delete_identity(kScope, "gone.example"); }},
      {"DeleteVerifiedEmailAddress",
       [&](IdentityService& s) {
         return s.delete_identity(kScope, "gone@example.com", "DeleteVerifiedEmailAddress");
       }},
      {"VerifyDomainDkim",
       [&](IdentityService& s) { return status(s.verify_domain_dkim(kScope, "a.example")); }},
  };
  for (const auto& [name, call] : ops) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(RateLimiter::known_operation(name));
    RateLimiter limiter(clock_, {{name, 1.0}});
    auto s = make_service({}, &limiter);
    EXPECT_OK(call(*s));
    auto second = call(*s);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kThrottled);
    EXPECT_EQ(second.error().message, "Rate exceeded");
  }
}

// --- concurrency -----------------------------------------------------------

TEST_F(IdentityServiceTest, ConcurrentVerifyOfOneNewDomainMakesOneIdentityAndOneToken) {
  for (int round = 0; round < 5; ++round) {
    const std::string domain = "race" + std::to_string(round) + ".example";
    std::mutex mu;
    std::vector<std::string> tokens;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        auto r = service().verify_domain(kScope, domain);
        std::lock_guard lock(mu);
        if (r.ok()) tokens.push_back(*r);
        else ADD_FAILURE() << testing::describe(r.error());
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(tokens.size(), 8u) << domain;
    EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), 1u) << domain;
    EXPECT_EQ(tokens.front(), stored(domain).token);
    EXPECT_EQ(identity_count(), static_cast<size_t>(round + 1));
  }
}

}  // namespace
}  // namespace vouch::service
