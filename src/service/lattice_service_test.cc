// The VPC Lattice domain-verification operations (spec §2, §7 rows 1-3) over a
// real SQLite store in a temp dir, with a ManualClock and a seeded Random.
#include "service/lattice_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/arn.h"
#include "core/encoding.h"
#include "core/status_machine.h"
#include "crypto/crypto.h"
#include "store/sqlite/sqlite_store.h"
#include "service/service_test_base.h"
#include "testing/temp_dir.h"

namespace vouch::service {
namespace {

using core::Claim;
using core::ClaimStatus;
using core::ErrorCode;
using core::Scope;
using core::Tags;
using std::chrono::hours;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'767'225'600));  // 2026-01-01T00:00:00Z
const Scope kScope{"111122223333", "us-east-1"};
const Scope kOtherRegion{"111122223333", "eu-west-1"};
const Scope kOtherAccount{"444455556666", "us-east-1"};

// What the API layer would store for replays: enough of the claim that a
// re-render after a change would differ from the first rendering.
std::string render(const Claim& c) {
  std::string s = "{id=" + c.id + ";domain=" + c.subject + ";label=" + lattice_txt_label(c) +
                  ";value=" + c.token + ";tags=";
  for (const auto& [k, v] : c.tags) s += k + ":" + v + ",";
  return s + "}";
}

class LatticeServiceTest : public ServiceTestBase {
 protected:
  LatticeServiceTest() : ServiceTestBase(T0, 20260101, std::string(32, 'k')) {}

  void SetUp() override {
    ServiceTestBase::SetUp();
    if (HasFatalFailure()) return;
    service_ = make_service();
  }

  std::unique_ptr<LatticeService> make_service(LatticeOptions options = {},
                                               RateLimiter* limiter = nullptr) {
    return std::make_unique<LatticeService>(*store_, clock_, random_,
                                            limiter ? *limiter : unlimited_, tokens_, options);
  }

  LatticeService& svc() { return *service_; }

  core::Result<StartResult> try_start(const std::string& domain,
                                      std::optional<std::string> token = std::nullopt,
                                      Tags tags = {}, const Scope& scope = kScope) {
    StartRequest req{domain, std::move(tags), std::move(token)};
    return service_->start(scope, std::move(req), render);
  }

  // A fresh verification; fails the test if the start does not create one.
  Claim start(const std::string& domain, std::optional<std::string> token = std::nullopt,
              Tags tags = {}, const Scope& scope = kScope) {
    auto r = try_start(domain, std::move(token), std::move(tags), scope);
    EXPECT_TRUE(r.ok()) << domain << ": " << testing::describe(r.error());
    if (!r.ok()) return Claim{};
    EXPECT_TRUE(r->created.has_value()) << domain << " was replayed, not created";
    return r->created ? *r->created : Claim{};
  }

  void set_status(const Scope& scope, const std::string& id, ClaimStatus status) {
    auto found = store_->get_claim(scope, id);
    ASSERT_OK(found);
    ASSERT_TRUE(found->has_value()) << id;
    Claim c = **found;
    if (status == ClaimStatus::kVerified) {
      c = core::apply_check(core::policy_for(c.kind), std::move(c), core::CheckOutcome::kFound,
                            clock_.now());
      ASSERT_EQ(c.status, ClaimStatus::kVerified);
    } else {
      c.status = status;
    }
    ASSERT_OK(store_->update_claim(std::move(c)));
  }

  size_t count(const Scope& scope = kScope) {
    auto n = store_->count_claims(scope, {core::ClaimKind::kLatticeDomain});
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : 0;
  }

  std::vector<std::string> list_ids(const Scope& scope, int page_size, int* pages = nullptr) {
    std::vector<std::string> ids;
    std::optional<std::string> next;
    int n = 0;
    do {
      auto page = service_->list(scope, page_size, next);
      EXPECT_TRUE(page.ok()) << testing::describe(page.error());
      if (!page.ok()) break;
      EXPECT_LE(page->items.size(), static_cast<size_t>(page_size));
      for (const auto& c : page->items) ids.push_back(c.id);
      if (page->next_token) {
        EXPECT_FALSE(page->items.empty());
      }
      next = page->next_token;
      ++n;
      if (n > 1000) {
        ADD_FAILURE() << "pagination does not end";
        break;
      }
    } while (next);
    if (pages) *pages = n;
    return ids;
  }

  static void expect_error(const core::Error& e, ErrorCode code, const std::string& field = {}) {
    EXPECT_EQ(e.code, code) << testing::describe(e);
    if (!field.empty()) {
      EXPECT_EQ(e.field, field) << testing::describe(e);
    }
  }

  std::unique_ptr<LatticeService> service_;
};

// ---------------------------------------------------------------------------
// StartDomainVerification

TEST_F(LatticeServiceTest, StartCreatesAPendingVerification) {
  Claim c = start("Example.COM", std::nullopt, {{"env", "prod"}});
  EXPECT_TRUE(std::regex_match(c.id, std::regex("dv-[0-9a-f]{17}"))) << c.id;
  EXPECT_EQ(c.scope, kScope);
  EXPECT_EQ(c.kind, core::ClaimKind::kLatticeDomain);
  EXPECT_EQ(c.subject, "example.com");
  EXPECT_EQ(c.status, ClaimStatus::kPending);
  EXPECT_EQ(c.created_at, T0);
  EXPECT_TRUE(std::regex_match(lattice_txt_label(c), std::regex("_[a-z2-7]{20}")))
      << lattice_txt_label(c);
  EXPECT_EQ(c.record_name, lattice_txt_label(c) + ".example.com");
  EXPECT_TRUE(std::regex_match(c.token, std::regex("vpc-lattice:[a-z2-7]{32}"))) << c.token;
  EXPECT_EQ(c.tags, (Tags{{"env", "prod"}}));
  EXPECT_GT(c.seq, 0);

  auto got = svc().get(kScope, c.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->id, c.id);
  EXPECT_EQ(got->token, c.token);
  EXPECT_EQ(got->record_name, c.record_name);
  EXPECT_EQ(got->created_at, T0);
  EXPECT_EQ(got->tags, c.tags);
}

TEST_F(LatticeServiceTest, InternationalDomainsBecomePunycode) {
  Claim c = start("B\xC3\xBC"
                  "cher.example");  // Bücher.example
  EXPECT_EQ(c.subject, "xn--bcher-kva.example");
  // The same domain in its ASCII form is then a duplicate.
  auto dup = try_start("xn--bcher-kva.example");
  ASSERT_FALSE(dup.ok());
  expect_error(dup.error(), ErrorCode::kConflict);
  EXPECT_EQ(dup.error().resource_id, c.id);
}

TEST_F(LatticeServiceTest, DomainNameValidation) {
  for (std::string bad :
       std::vector<std::string>{"", "ab", std::string(256, 'a'), "not a domain", "example",
                                "-a.example.com", "a..example.com", "example.com.", "exa_mple.com",
                                "*.example.com", std::string(64, 'a') + ".com"}) {
    SCOPED_TRACE(bad);
    auto r = try_start(bad);
    ASSERT_FALSE(r.ok());
    expect_error(r.error(), ErrorCode::kInvalidArgument, "domainName");
    EXPECT_EQ(r.error().message.rfind("1 validation error detected: Value '", 0), 0u)
        << r.error().message;
  }
  EXPECT_EQ(count(), 0u);
  // Three characters is the minimum length, 63 the longest label.
  start("a.b");
  start(std::string(63, 'a') + ".com");
}

// _<20 chars>.<domain> must fit a DNS name: 231 characters is the longest.
TEST_F(LatticeServiceTest, ADomainWhoseRecordCannotBeLookedUpIsRefused) {
  const std::string longest = domain_of_length(231);
  EXPECT_EQ(start(longest).record_name.size(), 253u);
  auto r = try_start(domain_of_length(232));
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), ErrorCode::kInvalidArgument, "domainName");
  EXPECT_NE(r.error().message.find("Member must be a valid domain name"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(count(), 1u);
}

TEST_F(LatticeServiceTest, ClientTokenValidation) {
  for (std::string bad :
       {std::string(), std::string(65, 't'), std::string("   "), std::string("\t\n")}) {
    SCOPED_TRACE("token '" + bad + "'");
    auto r = try_start("example.com", bad);
    ASSERT_FALSE(r.ok());
    expect_error(r.error(), ErrorCode::kInvalidArgument, "clientToken");
  }
  EXPECT_EQ(count(), 0u);
  start("a.example.com", std::string(64, 't'));
  start("b.example.com", std::string(" x "));
  start("c.example.com", std::string("!"));
}

TEST_F(LatticeServiceTest, TagValidationOnStart) {
  Tags fifty, fifty_one;
  for (int i = 0; i < 51; ++i) {
    if (i < 50) fifty["k" + std::to_string(i)] = "v";
    fifty_one["k" + std::to_string(i)] = "v";
  }
  auto r = try_start("example.com", std::nullopt, fifty_one);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), ErrorCode::kInvalidArgument, "tags");
  r = try_start("example.com", std::nullopt, {{"aws:x", "v"}});
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), ErrorCode::kInvalidArgument, "tags.aws:x");
  r = try_start("example.com", std::nullopt, {{"k", "v*"}});
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), ErrorCode::kInvalidArgument, "tags.k");
  EXPECT_EQ(count(), 0u);
  Claim c = start("example.com", std::nullopt, fifty);
  EXPECT_EQ(c.tags.size(), 50u);
}

// ---------------------------------------------------------------------------
// Client-token idempotency

TEST_F(LatticeServiceTest, SameTokenAndParametersReplaysTheFirstResponse) {
  auto first = try_start("example.com", "token-1", {{"a", "1"}, {"b", "2"}});
  ASSERT_OK(first);
  ASSERT_TRUE(first->created);
  const std::string original = render(*first->created);

  clock_.advance(hours(1));
  auto again = try_start("EXAMPLE.com", "token-1", {{"b", "2"}, {"a", "1"}});
  ASSERT_OK(again);
  EXPECT_FALSE(again->created.has_value());
  EXPECT_EQ(again->replayed_response, original);
  EXPECT_EQ(count(), 1u);
}

TEST_F(LatticeServiceTest, ReplayIsByteIdenticalAfterTaggingAndDeleting) {
  auto first = try_start("example.com", "token-1", {{"a", "1"}});
  ASSERT_OK(first);
  ASSERT_TRUE(first->created);
  const Claim c = *first->created;
  const std::string original = render(c);
  const std::string arn = core::domain_verification_arn(kScope, c.id);

  ASSERT_OK(svc().tag(kScope, arn, {{"b", "2"}, {"a", "changed"}}));
  auto after_tag = try_start("example.com", "token-1", {{"a", "1"}});
  ASSERT_OK(after_tag);
  EXPECT_FALSE(after_tag->created.has_value());
  EXPECT_EQ(after_tag->replayed_response, original);

  ASSERT_OK(svc().remove(kScope, c.id));
  auto after_delete = try_start("example.com", "token-1", {{"a", "1"}});
  ASSERT_OK(after_delete);
  EXPECT_FALSE(after_delete->created.has_value());
  EXPECT_EQ(after_delete->replayed_response, original);
  EXPECT_EQ(count(), 0u) << "a replay must not create a resource";
}

TEST_F(LatticeServiceTest, SameTokenWithDifferentParametersIsAConflict) {
  start("example.com", "token-1", {{"a", "1"}});
  for (auto [domain, tags] : std::vector<std::pair<std::string, Tags>>{
           {"other.example.com", {{"a", "1"}}},  // another domain
           {"example.com", {{"a", "2"}}},        // another tag value
           {"example.com", {}},                  // no tags
           {"example.com", {{"a", "1"}, {"b", "1"}}}}) {
    auto r = try_start(domain, "token-1", tags);
    ASSERT_FALSE(r.ok()) << domain;
    expect_error(r.error(), ErrorCode::kConflict);
  }
  EXPECT_EQ(count(), 1u);
}

// '=' is a legal tag character: the hash of the parameters must still tell
// which side of the first '=' is the key.
TEST_F(LatticeServiceTest, TagsThatOnlyMoveAnEqualsSignAreDifferentParameters) {
  start("example.com", "token-1", {{"a", "b=c"}});
  auto same = try_start("example.com", "token-1", {{"a", "b=c"}});
  ASSERT_OK(same);
  EXPECT_FALSE(same->created.has_value()) << "the same parameters replay";
  for (const Tags& tags : {Tags{{"a=b", "c"}}, Tags{{"a=b=c", ""}}}) {
    auto r = try_start("example.com", "token-1", tags);
    ASSERT_FALSE(r.ok()) << tags.begin()->first;
    expect_error(r.error(), ErrorCode::kConflict);
  }
  EXPECT_EQ(count(), 1u);
}

// Tokens stored before the hash changed replay across the upgrade wherever
// the old form was unambiguous (no '=' in a key).
TEST_F(LatticeServiceTest, TokensStoredWithTheOldHashStillReplay) {
  Claim c = start("example.com");
  ASSERT_OK(svc().remove(kScope, c.id));
  const std::string old_hash = core::hex_encode(crypto::sha256("example.com\na=1\nb=x=y"));
  Claim other = c;
  other.id = "dv-0123456789abcdefa";
  core::CreateRules rules{0, false, hours(8), clock_.now()};
  ASSERT_OK(store_->create_claim_once(other, core::IdempotencyKey{"old-token", old_hash, "first"},
                                      rules));
  auto replay = try_start("example.com", "old-token", {{"a", "1"}, {"b", "x=y"}});
  ASSERT_OK(replay);
  EXPECT_FALSE(replay->created.has_value());
  EXPECT_EQ(replay->replayed_response, "first");
  auto mismatch = try_start("example.com", "old-token", {{"a", "1"}});
  ASSERT_FALSE(mismatch.ok());
  expect_error(mismatch.error(), ErrorCode::kConflict);
}

TEST_F(LatticeServiceTest, TokensAreScopedToAccountAndRegion) {
  Claim a = start("example.com", "token-1");
  Claim b = start("example.com", "token-1", {}, kOtherRegion);
  Claim c = start("example.com", "token-1", {}, kOtherAccount);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.id, c.id);
  EXPECT_NE(b.id, c.id);
  // The control: in its own scope, the token replays the first verification.
  auto same = try_start("example.com", "token-1");
  ASSERT_OK(same);
  EXPECT_FALSE(same->created.has_value());
}

TEST_F(LatticeServiceTest, ClientTokensAreForgottenAfterEightHours) {
  Claim first = start("example.com", "token-1");
  ASSERT_OK(svc().remove(kScope, first.id));

  clock_.advance(hours(8) - seconds(1));
  auto still = try_start("example.com", "token-1");
  ASSERT_OK(still);
  EXPECT_FALSE(still->created.has_value()) << "within the window the token is remembered";

  clock_.advance(seconds(2));
  auto fresh = try_start("example.com", "token-1");
  ASSERT_OK(fresh);
  ASSERT_TRUE(fresh->created.has_value()) << "after 8 h the token is forgotten";
  EXPECT_NE(fresh->created->id, first.id);

  // The new start registered the token afresh: a mismatch is a conflict again.
  auto other = try_start("other.example.com", "token-1");
  ASSERT_FALSE(other.ok());
  expect_error(other.error(), ErrorCode::kConflict);
}

TEST_F(LatticeServiceTest, ExpiredTokenWithDifferentParametersCreates) {
  start("example.com", "token-1");
  clock_.advance(hours(8) + seconds(1));
  Claim other = start("other.example.com", "token-1");
  EXPECT_EQ(other.subject, "other.example.com");
}

TEST_F(LatticeServiceTest, FailedStartsDoNotConsumeTheToken) {
  auto bad = try_start("not a domain", "token-1");
  ASSERT_FALSE(bad.ok());
  start("example.com", "token-1");
}

// ---------------------------------------------------------------------------
// One live verification per domain; quota

TEST_F(LatticeServiceTest, DuplicateLiveDomainIsAConflictNamingTheExistingId) {
  Claim c = start("example.com");
  auto dup = try_start("Example.Com", "another-token");
  ASSERT_FALSE(dup.ok());
  expect_error(dup.error(), ErrorCode::kConflict);
  EXPECT_EQ(dup.error().resource_id, c.id);
  EXPECT_NE(dup.error().message.find(c.id), std::string::npos) << dup.error().message;

  set_status(kScope, c.id, ClaimStatus::kVerified);
  dup = try_start("example.com");
  ASSERT_FALSE(dup.ok());
  expect_error(dup.error(), ErrorCode::kConflict);
  EXPECT_EQ(dup.error().resource_id, c.id);
  EXPECT_EQ(count(), 1u);

  // Other regions and accounts are independent.
  start("example.com", std::nullopt, {}, kOtherRegion);
  start("example.com", std::nullopt, {}, kOtherAccount);
  // Subdomains are separate domains.
  start("sub.example.com");
}

TEST_F(LatticeServiceTest, TimedOutVerificationDoesNotBlockANewStart) {
  Claim old = start("example.com");
  set_status(kScope, old.id, ClaimStatus::kFailed);
  Claim fresh = start("example.com");
  EXPECT_NE(fresh.id, old.id);
  auto got_old = svc().get(kScope, old.id);
  ASSERT_OK(got_old);
  EXPECT_EQ(got_old->status, ClaimStatus::kFailed);
  // The new one is live and blocks a third.
  auto third = try_start("example.com");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().resource_id, fresh.id);
}

TEST_F(LatticeServiceTest, DeletedVerificationDoesNotBlockANewStart) {
  Claim old = start("example.com");
  ASSERT_OK(svc().remove(kScope, old.id));
  Claim fresh = start("example.com");
  EXPECT_NE(fresh.id, old.id);
}

TEST_F(LatticeServiceTest, QuotaOfFivePerAccountAndRegion) {
  for (int i = 0; i < 5; ++i)
    start("d" + std::to_string(i) + ".example.com", "t" + std::to_string(i));
  auto sixth = try_start("d5.example.com", "t5");
  ASSERT_FALSE(sixth.ok());
  expect_error(sixth.error(), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(count(), 5u);

  // A replay of an acknowledged start is not a new resource.
  auto replay = try_start("d0.example.com", "t0");
  ASSERT_OK(replay);
  EXPECT_FALSE(replay->created.has_value());
  // A duplicate domain is named as such, not as a quota error.
  auto dup = try_start("d1.example.com");
  ASSERT_FALSE(dup.ok());
  expect_error(dup.error(), ErrorCode::kConflict);

  // Other regions and accounts have their own quota.
  start("d5.example.com", std::nullopt, {}, kOtherRegion);
  start("d5.example.com", std::nullopt, {}, kOtherAccount);

  // The rejected token was not consumed; a delete frees a slot.
  auto list = svc().list(kScope, 1, std::nullopt);
  ASSERT_OK(list);
  ASSERT_OK(svc().remove(kScope, list->items.at(0).id));
  start("d5.example.com", "t5");
  EXPECT_EQ(count(), 5u);
}

TEST_F(LatticeServiceTest, QuotaIsASetting) {
  auto s = make_service(LatticeOptions{.quota = 2});
  StartRequest a{"a.example.com", {}, {}}, b{"b.example.com", {}, {}}, c{"c.example.com", {}, {}};
  ASSERT_OK(s->start(kScope, a, render));
  ASSERT_OK(s->start(kScope, b, render));
  auto r = s->start(kScope, c, render);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), ErrorCode::kQuotaExceeded);
  EXPECT_NE(r.error().message.find("(2)"), std::string::npos) << r.error().message;

  auto unlimited = make_service(LatticeOptions{.quota = 0});
  for (int i = 0; i < 12; ++i) {
    StartRequest req{"u" + std::to_string(i) + ".example.com", {}, {}};
    ASSERT_OK(unlimited->start(kScope, req, render));
  }
}

// ---------------------------------------------------------------------------
// Get / delete by id or ARN

TEST_F(LatticeServiceTest, GetByIdUpperCaseIdAndArn) {
  Claim c = start("example.com");
  auto by_id = svc().get(kScope, c.id);
  ASSERT_OK(by_id);
  EXPECT_EQ(by_id->id, c.id);

  std::string upper = c.id;
  for (size_t i = 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  auto by_upper = svc().get(kScope, upper);
  ASSERT_OK(by_upper);
  EXPECT_EQ(by_upper->id, c.id);

  auto by_arn = svc().get(kScope, core::domain_verification_arn(kScope, c.id));
  ASSERT_OK(by_arn);
  EXPECT_EQ(by_arn->id, c.id);
}

TEST_F(LatticeServiceTest, OtherScopesAreNotFound) {
  Claim c = start("example.com");
  // Another account's or region's ARN, from this scope.
  for (const Scope& s : {kOtherRegion, kOtherAccount}) {
    auto r = svc().get(kScope, core::domain_verification_arn(s, c.id));
    ASSERT_FALSE(r.ok());
    expect_error(r.error(), ErrorCode::kNotFound);
  }
  // This claim's id or ARN, from another scope.
  for (const Scope& s : {kOtherRegion, kOtherAccount}) {
    auto by_id = svc().get(s, c.id);
    ASSERT_FALSE(by_id.ok());
    expect_error(by_id.error(), ErrorCode::kNotFound);
    auto by_arn = svc().get(s, core::domain_verification_arn(kScope, c.id));
    ASSERT_FALSE(by_arn.ok());
    expect_error(by_arn.error(), ErrorCode::kNotFound);
    auto del = svc().remove(s, c.id);
    ASSERT_FALSE(del.ok());
    expect_error(del.error(), ErrorCode::kNotFound);
    auto tags = svc().list_tags(s, core::domain_verification_arn(kScope, c.id));
    ASSERT_FALSE(tags.ok());
    expect_error(tags.error(), ErrorCode::kNotFound);
    auto tag = svc().tag(s, core::domain_verification_arn(kScope, c.id), {{"k", "v"}});
    ASSERT_FALSE(tag.ok());
    expect_error(tag.error(), ErrorCode::kNotFound);
  }
  ASSERT_OK(svc().get(kScope, c.id));  // untouched
  ASSERT_OK(svc().get(kScope, core::domain_verification_arn(kScope, c.id)));
  EXPECT_TRUE(svc().list_tags(kScope, core::domain_verification_arn(kScope, c.id))->empty());
}

TEST_F(LatticeServiceTest, UnknownIdIsNotFoundAndMalformedIsInvalid) {
  auto r = svc().get(kScope, "dv-0123456789abcdef0");
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), ErrorCode::kNotFound);
  EXPECT_EQ(r.error().resource_id, "dv-0123456789abcdef0");

  for (std::string bad :
       {"", "dv-123", "nope", "dv-0123456789abcdefg",
        "arn:aws:vpc-lattice:us-east-1:111122223333:service/svc-0123456789abcdef0",
        "arn:aws:s3:::bucket"}) {
    SCOPED_TRACE(bad);
    auto g = svc().get(kScope, bad);
    ASSERT_FALSE(g.ok());
    expect_error(g.error(), ErrorCode::kInvalidArgument, "domainVerificationIdentifier");
    auto d = svc().remove(kScope, bad);
    ASSERT_FALSE(d.ok());
    expect_error(d.error(), ErrorCode::kInvalidArgument, "domainVerificationIdentifier");
  }
}

TEST_F(LatticeServiceTest, DeleteByIdAndByArn) {
  Claim a = start("a.example.com");
  Claim b = start("b.example.com");
  ASSERT_OK(svc().remove(kScope, a.id));
  ASSERT_OK(svc().remove(kScope, core::domain_verification_arn(kScope, b.id)));
  for (const auto& id : {a.id, b.id}) {
    auto g = svc().get(kScope, id);
    ASSERT_FALSE(g.ok());
    expect_error(g.error(), ErrorCode::kNotFound);
    auto again = svc().remove(kScope, id);
    ASSERT_FALSE(again.ok());
    expect_error(again.error(), ErrorCode::kNotFound);
  }
  EXPECT_EQ(count(), 0u);
}

// ---------------------------------------------------------------------------
// ListDomainVerifications

TEST_F(LatticeServiceTest, ListPagesEveryVerificationExactlyOnceInCreationOrder) {
  auto s = make_service(LatticeOptions{.quota = 0});
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) {
    StartRequest req{"d" + std::to_string(i) + ".example.com", {}, {}};
    auto r = s->start(kScope, req, render);
    ASSERT_OK(r);
    created.push_back(r->created->id);
    StartRequest other{"d" + std::to_string(i) + ".example.com", {}, {}};
    ASSERT_OK(s->start(kOtherRegion, other, render));  // must not show up
  }
  service_ = std::move(s);
  int pages = 0;
  EXPECT_EQ(list_ids(kScope, 3, &pages), created);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(list_ids(kScope, 2, &pages), created);
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(list_ids(kScope, 1, &pages), created);
  EXPECT_EQ(pages, 7);
  EXPECT_EQ(list_ids(kScope, 7, &pages), created);
  EXPECT_EQ(pages, 1) << "no nextToken on an exactly full last page";
  EXPECT_EQ(list_ids(kScope, 100, &pages), created);
  EXPECT_EQ(pages, 1);
}

TEST_F(LatticeServiceTest, ListWithinTheQuotaHasThreePagesOfTwo) {
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) created.push_back(start("d" + std::to_string(i) + ".example.com").id);
  int pages = 0;
  auto ids = list_ids(kScope, 2, &pages);
  EXPECT_EQ(ids, created);
  EXPECT_EQ(pages, 3);
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), 5u);
}

TEST_F(LatticeServiceTest, ListItemsCarryTheClaim) {
  Claim c = start("example.com", std::nullopt, {{"k", "v"}});
  auto page = svc().list(kScope, std::nullopt, std::nullopt);
  ASSERT_OK(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->next_token.has_value());
  EXPECT_EQ(page->items[0].id, c.id);
  EXPECT_EQ(page->items[0].subject, "example.com");
  EXPECT_EQ(page->items[0].tags, c.tags);
  EXPECT_EQ(page->items[0].created_at, T0);
}

TEST_F(LatticeServiceTest, EmptyListHasNoNextToken) {
  auto page = svc().list(kScope, 5, std::nullopt);
  ASSERT_OK(page);
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->next_token.has_value());
}

TEST_F(LatticeServiceTest, ListSurvivesDeletionsBetweenPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(start("d" + std::to_string(i) + ".example.com").id);
  auto p1 = svc().list(kScope, 2, std::nullopt);
  ASSERT_OK(p1);
  ASSERT_TRUE(p1->next_token);
  ASSERT_OK(svc().remove(kScope, ids[1]));  // the last item of page 1
  ASSERT_OK(svc().remove(kScope, ids[2]));  // the first item of page 2
  auto p2 = svc().list(kScope, 2, p1->next_token);
  ASSERT_OK(p2);
  ASSERT_EQ(p2->items.size(), 2u);
  EXPECT_EQ(p2->items[0].id, ids[3]);
  EXPECT_EQ(p2->items[1].id, ids[4]);
  EXPECT_FALSE(p2->next_token.has_value());
}

TEST_F(LatticeServiceTest, MaxResultsRange) {
  for (int bad : {0, -1, 101, 1000}) {
    auto r = svc().list(kScope, bad, std::nullopt);
    ASSERT_FALSE(r.ok()) << bad;
    expect_error(r.error(), ErrorCode::kInvalidArgument, "maxResults");
  }
  ASSERT_OK(svc().list(kScope, 1, std::nullopt));
  ASSERT_OK(svc().list(kScope, 100, std::nullopt));
}

TEST_F(LatticeServiceTest, TamperedOrForeignNextTokensAreRejected) {
  for (int i = 0; i < 3; ++i) {
    start("d" + std::to_string(i) + ".example.com");
    start("d" + std::to_string(i) + ".example.com", std::nullopt, {}, kOtherAccount);
    start("d" + std::to_string(i) + ".example.com", std::nullopt, {}, kOtherRegion);
  }
  auto p1 = svc().list(kScope, 1, std::nullopt);
  ASSERT_OK(p1);
  ASSERT_TRUE(p1->next_token);
  const std::string token = *p1->next_token;
  ASSERT_OK(svc().list(kScope, 1, token));

  std::vector<std::string> forged;
  // Every single-character change.
  for (size_t i = 0; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    forged.push_back(t);
  }
  forged.push_back(token + "A");
  forged.push_back(token.substr(0, token.size() - 1));
  forged.push_back("");
  forged.push_back("garbage");
  forged.push_back("!!!!");
  // A token naming another seq without the key.
  std::string raw = "1.0123456789abcdef";
  forged.push_back(
      core::base64url_encode(std::span(reinterpret_cast<const uint8_t*>(raw.data()), raw.size())));
  // A token made with another key, and the same listing of another scope.
  PageTokens other_key(std::string(32, 'x'));
  forged.push_back(other_key.encode(kScope, "lattice:domainverifications", 1));
  auto foreign_account = svc().list(kOtherAccount, 1, std::nullopt);
  ASSERT_OK(foreign_account);
  forged.push_back(*foreign_account->next_token);
  auto foreign_region = svc().list(kOtherRegion, 1, std::nullopt);
  ASSERT_OK(foreign_region);
  forged.push_back(*foreign_region->next_token);
  // A token of another listing (the SES one) in the same scope.
  forged.push_back(tokens_.encode(kScope, "ses:Domain", p1->items[0].seq));

  for (const auto& t : forged) {
    SCOPED_TRACE(t);
    auto r = svc().list(kScope, 1, t);
    ASSERT_FALSE(r.ok());
    expect_error(r.error(), ErrorCode::kInvalidArgument, "nextToken");
  }
  // And the other scopes' tokens work only in their own scope.
  ASSERT_OK(svc().list(kOtherAccount, 1, *foreign_account->next_token));
}

// ---------------------------------------------------------------------------
// Tags

TEST_F(LatticeServiceTest, TagMergesUntagRemoves) {
  Claim c = start("example.com", std::nullopt, {{"a", "1"}, {"b", "2"}});
  const std::string arn = core::domain_verification_arn(kScope, c.id);
  ASSERT_OK(svc().tag(kScope, arn, {{"b", "20"}, {"c", "3"}}));
  auto tags = svc().list_tags(kScope, arn);
  ASSERT_OK(tags);
  EXPECT_EQ(*tags, (Tags{{"a", "1"}, {"b", "20"}, {"c", "3"}}));
  auto got = svc().get(kScope, c.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->tags, *tags);

  ASSERT_OK(svc().untag(kScope, arn, {"a", "missing", "c"}));
  tags = svc().list_tags(kScope, arn);
  ASSERT_OK(tags);
  EXPECT_EQ(*tags, (Tags{{"b", "20"}}));

  ASSERT_OK(svc().untag(kScope, arn, {}));
  ASSERT_OK(svc().tag(kScope, arn, {}));
  tags = svc().list_tags(kScope, arn);
  ASSERT_OK(tags);
  EXPECT_EQ(*tags, (Tags{{"b", "20"}}));
}

TEST_F(LatticeServiceTest, FiftyTagLimitAppliesAfterTheMerge) {
  Tags initial;
  for (int i = 0; i < 45; ++i) initial["k" + std::to_string(i)] = "v";
  Claim c = start("example.com", std::nullopt, initial);
  const std::string arn = core::domain_verification_arn(kScope, c.id);

  Tags six;
  for (int i = 100; i < 106; ++i) six["k" + std::to_string(i)] = "v";
  auto st = svc().tag(kScope, arn, six);
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kInvalidArgument, "tags");
  EXPECT_EQ(svc().list_tags(kScope, arn)->size(), 45u) << "a rejected TagResource changes nothing";

  // Overwriting existing keys does not count against the limit.
  Tags five_new_and_overwrites = {{"k0", "x"}, {"k1", "x"}};
  for (int i = 100; i < 105; ++i) five_new_and_overwrites["k" + std::to_string(i)] = "v";
  ASSERT_OK(svc().tag(kScope, arn, five_new_and_overwrites));
  auto tags = svc().list_tags(kScope, arn);
  ASSERT_OK(tags);
  EXPECT_EQ(tags->size(), 50u);
  EXPECT_EQ(tags->at("k0"), "x");

  st = svc().tag(kScope, arn, {{"one-more", "v"}});
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kInvalidArgument, "tags");
  ASSERT_OK(svc().untag(kScope, arn, {"k0"}));
  ASSERT_OK(svc().tag(kScope, arn, {{"one-more", "v"}}));
  EXPECT_EQ(svc().list_tags(kScope, arn)->size(), 50u);
}

TEST_F(LatticeServiceTest, TagInputValidation) {
  Claim c = start("example.com");
  const std::string arn = core::domain_verification_arn(kScope, c.id);
  auto st = svc().tag(kScope, arn, {{"aws:k", "v"}});
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kInvalidArgument, "tags.aws:k");
  st = svc().tag(kScope, arn, {{std::string(129, 'k'), "v"}});
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kInvalidArgument);

  std::vector<std::string> keys200, keys201;
  for (int i = 0; i < 201; ++i) {
    if (i < 200) keys200.push_back("k" + std::to_string(i));
    keys201.push_back("k" + std::to_string(i));
  }
  ASSERT_OK(svc().untag(kScope, arn, keys200));
  st = svc().untag(kScope, arn, keys201);
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kInvalidArgument, "tagKeys");
  st = svc().untag(kScope, arn, {"aws:k"});
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kInvalidArgument, "tagKeys");
}

TEST_F(LatticeServiceTest, TagOperationsNeedAnArnOfAnExistingVerification) {
  Claim c = start("example.com");
  // A bare id is not an ARN.
  auto st = svc().tag(kScope, c.id, {{"k", "v"}});
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kInvalidArgument, "resourceArn");
  auto lt = svc().list_tags(kScope, c.id);
  ASSERT_FALSE(lt.ok());
  expect_error(lt.error(), ErrorCode::kInvalidArgument, "resourceArn");
  // Another Lattice resource type: no such resource here.
  lt = svc().list_tags(kScope,
                       "arn:aws:vpc-lattice:us-east-1:111122223333:service/svc-0123456789abcdef0");
  ASSERT_FALSE(lt.ok());
  expect_error(lt.error(), ErrorCode::kNotFound);
  // Another service's ARN is invalid.
  lt = svc().list_tags(kScope, "arn:aws:s3:::bucket");
  ASSERT_FALSE(lt.ok());
  expect_error(lt.error(), ErrorCode::kInvalidArgument, "resourceArn");
  // A well-formed ARN of nothing.
  const std::string ghost = core::domain_verification_arn(kScope, "dv-0123456789abcdef0");
  st = svc().untag(kScope, ghost, {"k"});
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kNotFound);
  // A deleted verification.
  const std::string arn = core::domain_verification_arn(kScope, c.id);
  ASSERT_OK(svc().remove(kScope, c.id));
  st = svc().tag(kScope, arn, {{"k", "v"}});
  ASSERT_FALSE(st.ok());
  expect_error(st.error(), ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Throttling (only when configured)

TEST_F(LatticeServiceTest, ThrottlesOnlyConfiguredOperations) {
  RateLimiter limiter(clock_, {{"StartDomainVerification", 1.0}});
  auto s = make_service({}, &limiter);
  StartRequest a{"a.example.com", {}, {}}, b{"b.example.com", {}, {}};
  ASSERT_OK(s->start(kScope, a, render));
  auto r = s->start(kScope, b, render);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), ErrorCode::kThrottled);
  // Other operations and other accounts are not limited.
  for (int i = 0; i < 5; ++i) ASSERT_OK(s->list(kScope, std::nullopt, std::nullopt));
  ASSERT_OK(s->start(kOtherAccount, b, render));
  clock_.advance(seconds(1));
  ASSERT_OK(s->start(kScope, b, render));
  EXPECT_EQ(count(), 2u);
}

TEST_F(LatticeServiceTest, UnlimitedByDefault) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(svc().list(kScope, std::nullopt, std::nullopt));
    auto g = svc().get(kScope, "dv-0123456789abcdef0");
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().code, ErrorCode::kNotFound);
  }
}

// ---------------------------------------------------------------------------
// Durability across a reopen of the store

TEST_F(LatticeServiceTest, EverythingSurvivesReopeningTheStore) {
  auto first = try_start("example.com", "token-1", {{"k", "v"}});
  ASSERT_OK(first);
  const Claim c = *first->created;
  service_.reset();
  store_.reset();
  auto reopened = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
  ASSERT_OK(reopened);
  store_ = std::move(*reopened);
  service_ = make_service();

  auto got = svc().get(kScope, c.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->tags, c.tags);
  EXPECT_EQ(got->created_at, c.created_at);
  EXPECT_EQ(got->token, c.token);
  auto replay = try_start("example.com", "token-1", {{"k", "v"}});
  ASSERT_OK(replay);
  EXPECT_FALSE(replay->created.has_value());
  EXPECT_EQ(replay->replayed_response, render(c));
  EXPECT_EQ(count(), 1u);
}

}  // namespace
}  // namespace vouch::service
