// MAIL FROM in IdentityService over a real SQLite store: the aggregate rule,
// the subdomain rule (an address's MAIL FROM is below its domain), an MX and
// an SPF claim per MAIL FROM domain (replaced when it changes, deleted when
// cleared or with the identity, a failed pair restarted when set again), and
// BehaviorOnMxFailure kept on the identity whatever the domain.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "service/identity_service.h"
#include "service/service_test_base.h"

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
constexpr const char* kSet = "SetIdentityMailFromDomain";

TEST(MailFromStatus, Aggregate) {
  using S = ClaimStatus;
  const S P = S::kPending, V = S::kVerified, U = S::kUnconfirmed, F = S::kFailed;
  EXPECT_EQ(mail_from_status({}), MailFromStatus::kPending);
  EXPECT_EQ(mail_from_status({V, V}), MailFromStatus::kSuccess);
  EXPECT_EQ(mail_from_status({V, P}), MailFromStatus::kPending);  // both are needed
  EXPECT_EQ(mail_from_status({U, V}), MailFromStatus::kTemporaryFailure);
  EXPECT_EQ(mail_from_status({U, F}), MailFromStatus::kFailed);
}

class MailFromServiceTest : public IdentityServiceTestBase {
 protected:
  MailFromServiceTest() : IdentityServiceTestBase(T0, 11, "mail-from-test-key") {}

  void SetUp() override {
    IdentityServiceTestBase::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK(service_->verify_domain(kScope, "example.com"));
  }

  core::Status set(const std::string& identity, const std::string& domain, bool reject = false,
                   const std::string& op = kSet) {
    return service_->set_mail_from(kScope, identity, domain, reject, op);
  }

  std::vector<Claim> claims(const std::string& subject, ClaimKind kind) {
    auto r = store_->find_claims(kScope, kind, {subject});
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<Claim>{};
  }

  MailFromView view(const std::string& identity) {
    auto r = service_->get_mail_from_attributes(kScope, {identity});
    EXPECT_OK(r);
    if (!r.ok() || !r->count(identity)) {
      ADD_FAILURE() << "no attributes for " << identity;
      return {};
    }
    return r->at(identity);
  }

  void set_status(const std::string& subject, ClaimKind kind, ClaimStatus s) {
    auto c = claims(subject, kind);
    ASSERT_EQ(c.size(), 1u);
    c[0].status = s;
    ASSERT_OK(store_->update_claim(c[0]));
  }
};

TEST_F(MailFromServiceTest, SetMakesAnMxAndAnSpfClaimDueAtOnce) {
  ASSERT_OK(set("example.com", "Bounce.Example.COM"));
  auto mx = claims("example.com", ClaimKind::kSesMailFromMx);
  auto spf = claims("example.com", ClaimKind::kSesMailFromSpf);
  ASSERT_EQ(mx.size(), 1u);
  ASSERT_EQ(spf.size(), 1u);
  EXPECT_EQ(mx[0].record_name, "bounce.example.com");
  EXPECT_EQ(mx[0].token, "feedback-smtp.us-east-1.amazonses.com");
  EXPECT_EQ(spf[0].record_name, "bounce.example.com");
  EXPECT_EQ(spf[0].token, "include:amazonses.com");
  for (const Claim& c : {mx[0], spf[0]}) {
    EXPECT_EQ(c.status, ClaimStatus::kPending);
    EXPECT_EQ(c.next_check_at, T0);
    EXPECT_EQ(c.deadline, T0 + hours(72));
  }
  auto v = view("example.com");
  EXPECT_EQ(v.domain, "bounce.example.com");
  EXPECT_EQ(v.status, MailFromStatus::kPending);
  EXPECT_FALSE(v.reject_on_mx_failure);
  // MAIL FROM claims are no identities.
  auto listed = service_->list(kScope, IdentityType::kAny, std::nullopt, std::nullopt);
  ASSERT_OK(listed);
  EXPECT_EQ(listed->identities, std::vector<std::string>{"example.com"});
}

TEST_F(MailFromServiceTest, StatusFollowsBothRecords) {
  ASSERT_OK(set("example.com", "mail.example.com"));
  set_status("example.com", ClaimKind::kSesMailFromMx, ClaimStatus::kVerified);
  EXPECT_EQ(view("example.com").status, MailFromStatus::kPending);
  set_status("example.com", ClaimKind::kSesMailFromSpf, ClaimStatus::kVerified);
  EXPECT_EQ(view("example.com").status, MailFromStatus::kSuccess);
  auto v2 = service_->get_email_identity(kScope, "example.com");
  ASSERT_OK(v2);
  EXPECT_EQ(v2->mail_from.status, MailFromStatus::kSuccess);
  EXPECT_EQ(v2->mail_from.domain, "mail.example.com");
  set_status("example.com", ClaimKind::kSesMailFromMx, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(view("example.com").status, MailFromStatus::kTemporaryFailure);
  set_status("example.com", ClaimKind::kSesMailFromMx, ClaimStatus::kFailed);
  EXPECT_EQ(view("example.com").status, MailFromStatus::kFailed);
  // Set again: the failed record starts over, the verified one stays.
  clock_.advance(hours(100));
  ASSERT_OK(set("example.com", "mail.example.com"));
  auto mx = claims("example.com", ClaimKind::kSesMailFromMx);
  ASSERT_EQ(mx.size(), 1u);
  EXPECT_EQ(mx[0].status, ClaimStatus::kPending);
  EXPECT_EQ(mx[0].deadline, clock_.now() + hours(72));
  EXPECT_EQ(claims("example.com", ClaimKind::kSesMailFromSpf)[0].status, ClaimStatus::kVerified);
}

TEST_F(MailFromServiceTest, OnlyASubdomainOfTheIdentitysDomain) {
  for (const std::string bad : {"example.com", "notexample.com", "mail.example.net"}) {
    auto s = set("example.com", bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().message, "Provided MAIL-FROM domain <" + bad +
                                     "> is not subdomain of the domain of the identity "
                                     "<example.com>.");
  }
  auto malformed = set("example.com", "bad..example.com");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_TRUE(claims("example.com", ClaimKind::kSesMailFromMx).empty());
  // An address: below its domain (which need not be an identity).
  ASSERT_OK(service_->verify_email(kScope, "someone@mail.example.org"));
  EXPECT_FALSE(set("someone@mail.example.org", "example.org").ok());
  ASSERT_OK(set("someone@mail.example.org", "bounce.mail.example.org"));
  EXPECT_EQ(view("someone@mail.example.org").domain, "bounce.mail.example.org");
}

TEST_F(MailFromServiceTest, UnknownIdentitiesAreNotFoundInEachDialect) {
  auto v1 = set("nope.example", "m.nope.example");
  ASSERT_FALSE(v1.ok());
  EXPECT_EQ(v1.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(v1.error().message, "Identity nope.example does not exist.");
  auto v2 = set("nope.example", "m.nope.example", false, "PutEmailIdentityMailFromAttributes");
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.error().message, "Email identity nope.example does not exist.");
  auto r = service_->get_mail_from_attributes(kScope, {"nope.example", "example.com"});
  ASSERT_OK(r);
  EXPECT_EQ(r->size(), 1u);
}

TEST_F(MailFromServiceTest, ChangingClearingAndDeletingReplaceTheClaims) {
  ASSERT_OK(set("example.com", "a.example.com", true));
  const std::string first = claims("example.com", ClaimKind::kSesMailFromMx)[0].id;
  ASSERT_OK(set("example.com", "b.example.com", true));
  auto mx = claims("example.com", ClaimKind::kSesMailFromMx);
  ASSERT_EQ(mx.size(), 1u);
  EXPECT_NE(mx[0].id, first);
  EXPECT_EQ(mx[0].record_name, "b.example.com");
  EXPECT_EQ(claims("example.com", ClaimKind::kSesMailFromSpf).size(), 1u);

  ASSERT_OK(set("example.com", "", true));  // cleared: the behaviour stays
  EXPECT_TRUE(claims("example.com", ClaimKind::kSesMailFromMx).empty());
  EXPECT_TRUE(claims("example.com", ClaimKind::kSesMailFromSpf).empty());
  auto v = view("example.com");
  EXPECT_EQ(v.domain, "");
  EXPECT_TRUE(v.reject_on_mx_failure);

  ASSERT_OK(set("example.com", "c.example.com"));
  EXPECT_FALSE(view("example.com").reject_on_mx_failure);
  ASSERT_OK(service_->delete_identity(kScope, "example.com"));
  EXPECT_TRUE(claims("example.com", ClaimKind::kSesMailFromMx).empty());
  EXPECT_TRUE(claims("example.com", ClaimKind::kSesMailFromSpf).empty());
}

TEST_F(MailFromServiceTest, TheBehaviourIsStoredOnTheIdentity) {
  ASSERT_OK(set("example.com", "", true));
  auto found = store_->find_identity(kScope, "example.com");
  ASSERT_OK(found);
  ASSERT_TRUE(*found);
  EXPECT_TRUE((*found)->reject_on_mx_failure);
  auto v2 = service_->get_email_identity(kScope, "example.com");
  ASSERT_OK(v2);
  EXPECT_TRUE(v2->mail_from.reject_on_mx_failure);
  EXPECT_EQ(v2->mail_from.domain, "");
}

}  // namespace
}  // namespace vouch::service
