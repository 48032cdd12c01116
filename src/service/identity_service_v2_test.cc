// SES v2's verbs in IdentityService over a real SQLite store: one identity
// store with v1 (either API sees and deletes what the other made), Create's
// AlreadyExists where v1 Verify repeats, Easy DKIM at creation, a v2 domain
// verified by its DKIM records or its TXT token, pages to the last, signing
// on/off, tags by ARN (limits, scope, the hidden settings), throttles.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status_machine.h"
#include "service/identity_service.h"
#include "service/service_test_base.h"

namespace vouch::service {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;
using core::ErrorCode;
using core::Scope;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'750'000'000));
const Scope kScope{"111122223333", "us-east-1"};
const Scope kOtherRegion{"111122223333", "eu-west-1"};
const std::string kArn = "arn:aws:ses:us-east-1:111122223333:identity/";

class EmailIdentityTest : public IdentityServiceTestBase {
 protected:
  EmailIdentityTest() : IdentityServiceTestBase(T0, 11, "v2-test-key") {}

  void SetUp() override {
    ServiceTestBase::SetUp();
    if (HasFatalFailure()) return;
    service_ = make_identity_service(IdentityOptions{5});
  }

  EmailIdentity create(const std::string& name, core::Tags tags = {}) {
    auto r = service_->create_email_identity(kScope, {name, std::move(tags)});
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : EmailIdentity{};
  }

  EmailIdentity get(const std::string& name) {
    auto r = service_->get_email_identity(kScope, name);
    EXPECT_TRUE(r.ok()) << testing::describe(r.error());
    return r.ok() ? *r : EmailIdentity{};
  }

  // Marks every claim of `kind` for `subject` as a check would.
  void verify_records(ClaimKind kind, const std::string& subject) {
    auto claims = store_->find_claims(kScope, kind, {subject});
    ASSERT_OK(claims);
    ASSERT_FALSE(claims->empty());
    for (auto c : *claims) {
      c.status = ClaimStatus::kVerified;
      c.last_verified_at = clock_.now();
      ASSERT_OK(store_->update_claim(c));
    }
  }
};

TEST_F(EmailIdentityTest, CreateADomainStartsEasyDkimAndKeepsATxtToken) {
  auto e = create("Example.COM", {{"team", "mail"}});
  EXPECT_EQ(e.name, "example.com");
  EXPECT_EQ(e.kind, ClaimKind::kSesDomain);
  EXPECT_EQ(e.status, ClaimStatus::kPending);
  ASSERT_EQ(e.dkim.tokens.size(), 3u);
  EXPECT_EQ(e.dkim.status, DkimStatus::kPending);
  EXPECT_TRUE(e.dkim.signing_enabled);
  EXPECT_EQ(e.dkim.key_bits, 2048);
  EXPECT_EQ(e.tags, (core::Tags{{"team", "mail"}}));
  EXPECT_EQ(e.dkim_keys_at, T0);
  EXPECT_FALSE(e.last_success);
  auto records = store_->find_claims(kScope, ClaimKind::kSesDkim, {"example.com"});
  ASSERT_OK(records);
  EXPECT_EQ(records->size(), 3u);
  // v1 sees the same identity, its TXT token and its DKIM tokens.
  auto v1 = service_->get_attributes(kScope, {"example.com"}, "GetIdentityVerificationAttributes");
  ASSERT_OK(v1);
  EXPECT_FALSE(v1->at("example.com").token.empty());
  auto dkim = service_->get_dkim_attributes(kScope, {"example.com"});
  ASSERT_OK(dkim);
  EXPECT_EQ(dkim->at("example.com").tokens, e.dkim.tokens);
  EXPECT_TRUE(dkim->at("example.com").signing_enabled);
  // v1 Verify of it stays idempotent, with the same tokens.
  auto token = service_->verify_domain(kScope, "example.com");
  ASSERT_OK(token);
  EXPECT_EQ(*token, v1->at("example.com").token);
  auto tokens = service_->verify_domain_dkim(kScope, "example.com");
  ASSERT_OK(tokens);
  EXPECT_EQ(*tokens, e.dkim.tokens);
}

TEST_F(EmailIdentityTest, CreateAnAddressHasNoDkim) {
  auto e = create("someone@Example.com");
  EXPECT_EQ(e.name, "someone@example.com");
  EXPECT_EQ(e.kind, ClaimKind::kSesEmail);
  EXPECT_EQ(e.dkim.status, DkimStatus::kNotStarted);
  EXPECT_TRUE(e.dkim.tokens.empty());
  EXPECT_FALSE(e.dkim.signing_enabled);
}

// As on AWS: an address signs with its domain's keys, so it shows them.
TEST_F(EmailIdentityTest, AnAddressShowsItsDomainsDkimButKeepsItsOwnStatus) {
  create("someone@example.com");
  ASSERT_OK(service_->verify_domain(kScope, "example.com"));
  EXPECT_EQ(get("someone@example.com").dkim.status, DkimStatus::kNotStarted);  // no DKIM yet
  auto domain = create("other.example");
  create("x@other.example");
  auto e = get("x@other.example");
  EXPECT_EQ(e.dkim.tokens, domain.dkim.tokens);
  EXPECT_EQ(e.dkim.status, DkimStatus::kPending);
  verify_records(ClaimKind::kSesDkim, "other.example");
  e = get("x@other.example");
  EXPECT_EQ(e.dkim.status, DkimStatus::kSuccess);
  EXPECT_EQ(e.status, ClaimStatus::kPending);  // its own link is still unclicked
  EXPECT_EQ(get("other.example").status, ClaimStatus::kVerified);
}

TEST_F(EmailIdentityTest, CreateOfAnExistingIdentityIsAlreadyExistsWhoeverMadeIt) {
  create("example.com");
  expect_error(service_->create_email_identity(kScope, {"example.com", {}}), ErrorCode::kConflict,
               "Email identity example.com already exist.");
  ASSERT_OK(service_->verify_domain(kScope, "v1.example"));
  ASSERT_OK(service_->verify_email(kScope, "a@v1.example"));
  expect_error(service_->create_email_identity(kScope, {"v1.example", {}}), ErrorCode::kConflict);
  expect_error(service_->create_email_identity(kScope, {"a@v1.example", {}}), ErrorCode::kConflict);
  // Another Region is another store.
  EXPECT_OK(service_->create_email_identity(kOtherRegion, {"example.com", {}}));
}

TEST_F(EmailIdentityTest, CreateValidatesLikeAws) {
  expect_error(service_->create_email_identity(kScope, {"not_a_domain", {}}),
               ErrorCode::kInvalidArgument, "Invalid domain name not_a_domain.");
  expect_error(service_->create_email_identity(kScope, {"a b@example.com", {}}),
               ErrorCode::kInvalidArgument, "Invalid email address a b@example.com.");
  // <token>._domainkey.<domain> must fit a DNS name.
  expect_error(service_->create_email_identity(kScope, {domain_of_length(210), {}}),
               ErrorCode::kInvalidArgument);
  expect_error(service_->create_email_identity(kScope, {"t.example", {{"aws:x", "1"}}}),
               ErrorCode::kInvalidArgument);
  CreateEmailIdentityRequest odd{"k.example", {}, 512};
  expect_error(service_->create_email_identity(kScope, odd), ErrorCode::kInvalidArgument);
  CreateEmailIdentityRequest small{"k.example", {}, 1024};
  auto e = service_->create_email_identity(kScope, small);
  ASSERT_OK(e);
  EXPECT_EQ(e->dkim.key_bits, 1024);
  EXPECT_TRUE(e->tags.empty());  // the key length is no user tag
}

TEST_F(EmailIdentityTest, CreateCountsTowardsTheIdentityLimit) {
  for (int i = 0; i < 5; ++i) create("d" + std::to_string(i) + ".example");
  expect_error(service_->create_email_identity(kScope, {"one-more.example", {}}),
               ErrorCode::kQuotaExceeded);
}

TEST_F(EmailIdentityTest, GetAndDeleteOfAnUnknownIdentityAreNotFound) {
  expect_error(service_->get_email_identity(kScope, "nope.example"), ErrorCode::kNotFound,
               "Email identity nope.example does not exist.");
  expect_error(service_->get_email_identity(kScope, "not a name"), ErrorCode::kNotFound);
  expect_error(service_->delete_email_identity(kScope, "nope.example"), ErrorCode::kNotFound,
               "Email identity nope.example does not exist.");
  // v1 DeleteIdentity of it still succeeds.
  EXPECT_OK(service_->delete_identity(kScope, "nope.example"));
}

TEST_F(EmailIdentityTest, DeleteThroughEitherApiDeletesForBoth) {
  create("example.com");
  ASSERT_OK(service_->delete_identity(kScope, "example.com"));
  expect_error(service_->get_email_identity(kScope, "example.com"), ErrorCode::kNotFound);
  auto dkim = store_->find_claims(kScope, ClaimKind::kSesDkim, {"example.com"});
  ASSERT_OK(dkim);
  EXPECT_TRUE(dkim->empty());

  ASSERT_OK(service_->verify_domain_dkim(kScope, "v1.example"));
  ASSERT_OK(service_->delete_email_identity(kScope, "V1.example"));
  auto page = service_->list(kScope, IdentityType::kAny, {}, {});
  ASSERT_OK(page);
  EXPECT_TRUE(page->identities.empty());
  dkim = store_->find_claims(kScope, ClaimKind::kSesDkim, {"v1.example"});
  ASSERT_OK(dkim);
  EXPECT_TRUE(dkim->empty());
}

TEST_F(EmailIdentityTest, AV1DomainShowsWithDkimNotStartedThenItsTokens) {
  ASSERT_OK(service_->verify_domain(kScope, "v1.example"));
  auto e = get("v1.example");
  EXPECT_EQ(e.kind, ClaimKind::kSesDomain);
  EXPECT_EQ(e.status, ClaimStatus::kPending);
  EXPECT_EQ(e.dkim.status, DkimStatus::kNotStarted);
  auto tokens = service_->verify_domain_dkim(kScope, "v1.example");
  ASSERT_OK(tokens);
  EXPECT_EQ(get("v1.example").dkim.tokens, *tokens);
}

TEST_F(EmailIdentityTest, AV2DomainIsVerifiedByAllItsDkimRecords) {
  create("example.com");
  clock_.advance(seconds(30));
  verify_records(ClaimKind::kSesDkim, "example.com");
  auto e = get("example.com");
  EXPECT_EQ(e.status, ClaimStatus::kVerified);
  EXPECT_EQ(e.dkim.status, DkimStatus::kSuccess);
  EXPECT_EQ(e.last_success, T0 + seconds(30));
  auto page = service_->list_email_identities(kScope, {}, {});
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].status, ClaimStatus::kVerified);
  auto v1 = service_->get_attributes(kScope, {"example.com"}, "GetIdentityVerificationAttributes");
  ASSERT_OK(v1);
  EXPECT_EQ(v1->at("example.com").status, ClaimStatus::kVerified);
}

TEST_F(EmailIdentityTest, AV2DomainIsVerifiedByItsTxtTokenToo) {
  create("example.com");
  auto claim = store_->find_identity(kScope, "example.com");
  ASSERT_OK(claim);
  ASSERT_TRUE(*claim);
  Claim c = **claim;
  c.status = ClaimStatus::kVerified;
  c.last_verified_at = T0;
  ASSERT_OK(store_->update_claim(c));
  auto e = get("example.com");
  EXPECT_EQ(e.status, ClaimStatus::kVerified);
  EXPECT_EQ(e.dkim.status, DkimStatus::kPending);  // DKIM keeps its own status
  EXPECT_EQ(e.last_success, T0);
}

TEST_F(EmailIdentityTest, ListPagesToTheLastInCreationOrderAcrossBothApis) {
  create("a.example");
  ASSERT_OK(service_->verify_email(kScope, "b@example.com"));
  create("c@example.com");
  ASSERT_OK(service_->verify_domain(kScope, "d.example"));
  std::vector<std::string> seen;
  std::optional<std::string> next;
  int pages = 0;
  do {
    auto page = service_->list_email_identities(kScope, 3, next);
    ASSERT_OK(page);
    ++pages;
    for (const auto& i : page->items) seen.push_back(i.name);
    next = page->next_token;
  } while (next);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"a.example", "b@example.com", "c@example.com", "d.example"}));
  auto page = service_->list_email_identities(kScope, 0, {});  // 0: the default size
  ASSERT_OK(page);
  EXPECT_EQ(page->items.size(), 4u);
  EXPECT_FALSE(page->next_token);
  expect_error(service_->list_email_identities(kScope, 1001, {}), ErrorCode::kInvalidArgument);
  expect_error(service_->list_email_identities(kScope, -1, {}), ErrorCode::kInvalidArgument);
  expect_error(service_->list_email_identities(kScope, {}, std::string("forged")),
               ErrorCode::kInvalidArgument);
  // A v1 ListIdentities token is not a v2 one, nor another Region's.
  auto v1 = service_->list(kScope, IdentityType::kAny, 1, {});
  ASSERT_OK(v1);
  ASSERT_TRUE(v1->next_token);
  expect_error(service_->list_email_identities(kScope, 1, v1->next_token),
               ErrorCode::kInvalidArgument);
  auto first = service_->list_email_identities(kScope, 1, {});
  ASSERT_OK(first);
  expect_error(service_->list_email_identities(kOtherRegion, 1, first->next_token),
               ErrorCode::kInvalidArgument);
}

TEST_F(EmailIdentityTest, ListFiltersFillPagesAcrossSkippedRows) {
  IdentityService big(*store_, clock_, random_, unlimited_, tokens_, IdentityOptions{0});
  for (int i = 0; i < 150; ++i)
    ASSERT_OK(big.verify_email(kScope, "u" + std::to_string(i) + "@x.example"));
  ASSERT_OK(big.create_email_identity(kScope, {"late.example", {}}));
  ASSERT_OK(big.create_email_identity(kScope, {"later.example", {}}));
  EmailIdentityFilter domains;
  domains.kind = ClaimKind::kSesDomain;
  auto page = big.list_email_identities(kScope, 1, {}, domains);
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "late.example");
  ASSERT_TRUE(page->next_token);
  page = big.list_email_identities(kScope, 1, page->next_token, domains);
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "later.example");
  EXPECT_FALSE(page->next_token);
  // A name filter reads past more rows than one batch holds.
  EmailIdentityFilter named;
  named.name_contains = "later";
  page = big.list_email_identities(kScope, 5, {}, named);
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->next_token);
  EmailIdentityFilter verified;
  verified.status = ClaimStatus::kVerified;
  page = big.list_email_identities(kScope, {}, {}, verified);
  ASSERT_OK(page);
  EXPECT_TRUE(page->items.empty());
  EmailIdentityFilter none;
  none.match_none = true;
  page = big.list_email_identities(kScope, {}, {}, none);
  ASSERT_OK(page);
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->next_token);
}

TEST_F(EmailIdentityTest, SigningOffAndOnShowsInBothApis) {
  create("example.com");
  ASSERT_OK(service_->put_dkim_signing(kScope, "example.com", false));
  EXPECT_FALSE(get("example.com").dkim.signing_enabled);
  auto v1 = service_->get_dkim_attributes(kScope, {"example.com"});
  ASSERT_OK(v1);
  EXPECT_FALSE(v1->at("example.com").signing_enabled);
  EXPECT_EQ(v1->at("example.com").tokens.size(), 3u);
  EXPECT_TRUE(get("example.com").tags.empty());  // kept beside the tags, not among them
  ASSERT_OK(service_->put_dkim_signing(kScope, "example.com", true));
  EXPECT_TRUE(get("example.com").dkim.signing_enabled);
  // An address under a DKIM domain: a no-op.
  EXPECT_OK(service_->put_dkim_signing(kScope, "x@example.com", true));
  // No identity, or no DKIM: BadRequest, as AWS answers it.
  expect_error(service_->put_dkim_signing(kScope, "nope.example", true),
               ErrorCode::kInvalidArgument,
               "Domain nope.example is not verified for DKIM signing.");
  ASSERT_OK(service_->verify_domain(kScope, "txt-only.example"));
  expect_error(service_->put_dkim_signing(kScope, "txt-only.example", true),
               ErrorCode::kInvalidArgument);
  expect_error(service_->put_dkim_signing(kScope, "x@nope.example", true),
               ErrorCode::kInvalidArgument);
}

TEST_F(EmailIdentityTest, TagsByArn) {
  create("example.com", {{"a", "1"}});
  const std::string arn = kArn + "example.com";
  ASSERT_OK(service_->tag_identity(kScope, arn, {{"b", "2"}, {"a", "3"}}));
  auto tags = service_->identity_tags(kScope, arn);
  ASSERT_OK(tags);
  EXPECT_EQ(*tags, (core::Tags{{"a", "3"}, {"b", "2"}}));
  ASSERT_OK(service_->untag_identity(kScope, arn, {"a", "absent"}));
  ASSERT_OK(service_->put_dkim_signing(kScope, "example.com", false));
  tags = service_->identity_tags(kScope, arn);
  ASSERT_OK(tags);
  EXPECT_EQ(*tags, (core::Tags{{"b", "2"}}));
  // 50 user tags at most; the hidden settings do not count.
  core::Tags many;
  for (int i = 0; i < 49; ++i) many["k" + std::to_string(i)] = "v";
  ASSERT_OK(service_->tag_identity(kScope, arn, many));
  expect_error(service_->tag_identity(kScope, arn, {{"one-more", "v"}}),
               ErrorCode::kInvalidArgument);
  expect_error(service_->tag_identity(kScope, arn, {{"aws:x", "v"}}), ErrorCode::kInvalidArgument);
  expect_error(service_->untag_identity(kScope, arn, {"aws:vouch:dkim-signing-off"}),
               ErrorCode::kInvalidArgument);
  // An address identity's ARN names it as given.
  create("x@example.com");
  EXPECT_OK(service_->tag_identity(kScope, kArn + "x@example.com", {{"k", ""}}));
}

TEST_F(EmailIdentityTest, TagsOfAnArnThatNamesNothingHere) {
  create("example.com");
  expect_error(service_->identity_tags(kScope, "not-an-arn"), ErrorCode::kInvalidArgument);
  expect_error(service_->identity_tags(kScope, "arn:aws:vpc-lattice:us-east-1:111122223333:"
                                               "domainverification/dv-0123456789abcdef0"),
               ErrorCode::kInvalidArgument);
  expect_error(service_->identity_tags(kScope, kArn), ErrorCode::kInvalidArgument);
  expect_error(service_->identity_tags(kScope, kArn + "nope.example"), ErrorCode::kNotFound);
  expect_error(
      service_->identity_tags(kScope, "arn:aws:ses:eu-west-1:111122223333:identity/example.com"),
      ErrorCode::kNotFound);
  expect_error(
      service_->identity_tags(kScope, "arn:aws:ses:us-east-1:999999999999:identity/example.com"),
      ErrorCode::kNotFound);
}

TEST_F(EmailIdentityTest, EachOperationHasItsOwnRate) {
  RateLimiter limiter(clock_, {{"GetEmailIdentity", 1.0}, {"CreateEmailIdentity", 1.0}});
  IdentityService limited(*store_, clock_, random_, limiter, tokens_);
  ASSERT_OK(limited.create_email_identity(kScope, {"example.com", {}}));
  expect_error(limited.create_email_identity(kScope, {"other.example", {}}), ErrorCode::kThrottled);
  ASSERT_OK(limited.get_email_identity(kScope, "example.com"));
  expect_error(limited.get_email_identity(kScope, "example.com"), ErrorCode::kThrottled);
  // Per account and Region: another Region's bucket is full (and has no such identity).
  expect_error(limited.get_email_identity(kOtherRegion, "example.com"), ErrorCode::kNotFound);
  for (const char* op : {"CreateEmailIdentity", "GetEmailIdentity", "ListEmailIdentities",
                         "DeleteEmailIdentity", "PutEmailIdentityDkimAttributes", "ses:TagResource",
                         "ses:UntagResource", "ses:ListTagsForResource"}) {
    EXPECT_TRUE(RateLimiter::known_operation(op)) << op;
  }
}

}  // namespace
}  // namespace vouch::service
