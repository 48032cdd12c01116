// Custom verification email templates: their rules (name, URLs, HTML tags,
// size, a verified From, 50 per scope), paging, and a send whose link
// verifies and redirects to the template's URLs.
#include "service/verification_templates.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "mail/link_token.h"
#include "service/identity_service.h"
#include "service/service_test_base.h"

namespace vouch::service {
namespace {

using core::ClaimStatus;
using core::ErrorCode;
using core::Scope;
using std::chrono::hours;
using std::chrono::seconds;

const core::TimePoint T0 = core::TimePoint(seconds(1'700'000'000));
const Scope kScope{"111122223333", "us-east-1"};
const std::string kFrom = "sender@example.com";

class VerificationTemplatesTest : public ServiceTestBase {
 protected:
  VerificationTemplatesTest() : ServiceTestBase(T0, 11, "page-token-key") {}

  void SetUp() override {
    ServiceTestBase::SetUp();
    if (HasFatalFailure()) return;
    identities_ = std::make_unique<IdentityService>(*store_, clock_, random_, unlimited_, tokens_);
    identities_->enable_mail(
        {"from@vouch.test", "http://vouch.test", &links_, nullptr, &clock_, seconds(0)});
    templates_ = std::make_unique<VerificationTemplates>(*store_, *identities_, unlimited_,
                                                         tokens_);
  }

  std::vector<core::Mail> outbox(const std::string& to) {
    auto r = store_->list_mail(to, std::nullopt);
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<core::Mail>{};
  }

  static std::string token_of(const core::Mail& m) {
    const std::string marker = "token=";
    auto at = m.text_body.find(marker);
    EXPECT_NE(at, std::string::npos);
    auto end = m.text_body.find_first_of(" \r\n\"<", at);
    return m.text_body.substr(at + marker.size(), end - at - marker.size());
  }

  // Verifies `address` the way a person does: the mail's link, confirmed.
  void verify_address(const std::string& address) {
    ASSERT_OK(identities_->verify_email(kScope, address));
    auto mails = outbox(address);
    ASSERT_FALSE(mails.empty());
    auto r = identities_->confirm_email(token_of(mails.back()));
    ASSERT_OK(r);
    ASSERT_EQ(r->outcome, ConfirmOutcome::kVerified);
  }

  static core::VerificationTemplate make(const std::string& name, const std::string& from = kFrom) {
    return {kScope,
            name,
            from,
            "Please confirm",
            "<html><body><h1>Welcome</h1></body></html>",
            "https://app.example.com/ok",
            "https://app.example.com/failed",
            0};
  }

  mail::LinkTokens links_{"link-key"};
  std::unique_ptr<IdentityService> identities_;
  std::unique_ptr<VerificationTemplates> templates_;
};

TEST(TemplateRules, NamesUrlsAndTags) {
  EXPECT_TRUE(valid_template_name("Welcome_Template-1"));
  EXPECT_TRUE(valid_template_name(std::string(64, 'a')));
  EXPECT_FALSE(valid_template_name(std::string(65, 'a')));
  EXPECT_FALSE(valid_template_name(""));
  EXPECT_FALSE(valid_template_name("has space"));
  EXPECT_FALSE(valid_template_name("dot.ted"));

  EXPECT_TRUE(valid_redirect_url("https://example.com"));
  EXPECT_TRUE(valid_redirect_url("http://127.0.0.1:8080/ok?x=1#f"));
  EXPECT_FALSE(valid_redirect_url("ftp://example.com/"));
  EXPECT_FALSE(valid_redirect_url("javascript:alert(1)"));
  EXPECT_FALSE(valid_redirect_url("/relative"));
  EXPECT_FALSE(valid_redirect_url("https://"));
  EXPECT_FALSE(valid_redirect_url("https://a b.example/"));
  EXPECT_FALSE(valid_redirect_url("https://user@evil.example/"));

  EXPECT_EQ(disallowed_tag("<!DOCTYPE html><html><body><p class=x>a < b</p><br/></body></html>"),
            "");
  EXPECT_EQ(disallowed_tag("<p>x</p><script>alert(1)</script>"), "script");
  EXPECT_EQ(disallowed_tag("<P>x</P><IFRAME src=x>"), "iframe");
  EXPECT_EQ(disallowed_tag("<!-- <script> in a comment is text -->"), "");
}

TEST_F(VerificationTemplatesTest, TheFromAddressMustBeAVerifiedIdentity) {
  auto refused = templates_->create(make("T"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().field, kFromField);
  // Pending is not verified either.
  ASSERT_OK(identities_->verify_email(kScope, kFrom));
  EXPECT_FALSE(templates_->create(make("T")).ok());
  // Positive control: once the address is verified, the template is made.
  auto mails = outbox(kFrom);
  ASSERT_OK(identities_->confirm_email(token_of(mails.back())));
  EXPECT_OK(templates_->create(make("T")));
}

TEST_F(VerificationTemplatesTest, AVerifiedDomainCoversItsAddresses) {
  ASSERT_OK(identities_->verify_domain(kScope, "example.org"));
  auto domain = store_->find_identity(kScope, "example.org");
  ASSERT_OK(domain);
  ASSERT_TRUE(domain->has_value());
  EXPECT_FALSE(templates_->create(make("T", "anyone@example.org")).ok());
  core::Claim c = **domain;
  c.status = ClaimStatus::kVerified;
  ASSERT_OK(store_->update_claim(c));
  EXPECT_OK(templates_->create(make("T", "anyone@example.org")));
  EXPECT_FALSE(templates_->create(make("U", "anyone@other.example")).ok());
}

TEST_F(VerificationTemplatesTest, BadFieldsAreRefusedWithTheFieldNamed) {
  verify_address(kFrom);
  auto bad_name = make("bad name");
  auto bad_url = make("T");
  bad_url.success_url = "javascript:alert(1)";
  auto script = make("T");
  script.content = "<p>hi</p><script>steal()</script>";
  auto huge = make("T");
  huge.content = std::string(VerificationTemplates::kMaxContentBytes + 1, 'a');
  for (const auto& [t, field] : {std::pair{bad_name, std::string("TemplateName")},
                                 std::pair{bad_url, std::string("SuccessRedirectionURL")},
                                 std::pair{script, std::string(kContentField)},
                                 std::pair{huge, std::string(kContentField)}}) {
    auto st = templates_->create(t);
    ASSERT_FALSE(st.ok()) << field;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(st.error().field, field);
  }
  EXPECT_OK(templates_->create(make("T")));
}

TEST_F(VerificationTemplatesTest, ANameIsTakenOnceAndFiftyIsTheLimit) {
  verify_address(kFrom);
  ASSERT_OK(templates_->create(make("T0")));
  auto again = templates_->create(make("T0"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "Custom verification email template T0 already exists");
  for (size_t i = 1; i < VerificationTemplates::kMaxTemplates; ++i) {
    ASSERT_OK(templates_->create(make("T" + std::to_string(i))));
  }
  auto full = templates_->create(make("TooMany"));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kQuotaExceeded);
}

TEST_F(VerificationTemplatesTest, AnUpdateChangesOnlyWhatItNames) {
  verify_address(kFrom);
  ASSERT_OK(templates_->create(make("T")));
  TemplateChanges changes;
  changes.subject = "New subject";
  ASSERT_OK(templates_->update(kScope, "T", changes));
  auto got = templates_->get(kScope, "T");
  ASSERT_OK(got);
  EXPECT_EQ(got->subject, "New subject");
  EXPECT_EQ(got->content, make("T").content);
  changes.failure_url = "not a url";
  EXPECT_FALSE(templates_->update(kScope, "T", changes).ok());
  auto missing = templates_->update(kScope, "Absent", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(VerificationTemplatesTest, TheListingPagesToTheLastPage) {
  verify_address(kFrom);
  for (int i = 0; i < 5; ++i) ASSERT_OK(templates_->create(make("T" + std::to_string(i))));
  std::vector<std::string> names;
  std::optional<std::string> next;
  int pages = 0;
  do {
    auto page = templates_->list(kScope, 2, next);
    ASSERT_OK(page);
    for (const auto& t : page->items) names.push_back(t.name);
    next = page->next_token;
    ++pages;
  } while (next && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"T0", "T1", "T2", "T3", "T4"}));
  EXPECT_FALSE(templates_->list(kScope, 51, std::nullopt).ok());
  EXPECT_FALSE(templates_->list(kScope, 2, "forged").ok());
}

TEST_F(VerificationTemplatesTest, ASentLinkVerifiesAndRedirectsToSuccessThenFailure) {
  verify_address(kFrom);
  ASSERT_OK(templates_->create(make("T")));
  auto id = templates_->send(kScope, "new.user@example.com", "T");
  ASSERT_OK(id);
  EXPECT_FALSE(id->empty());
  auto mails = outbox("new.user@example.com");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].from, kFrom);
  EXPECT_EQ(mails[0].subject, "Please confirm");
  EXPECT_NE(mails[0].html_body.find("<h1>Welcome</h1>"), std::string::npos);
  const std::string token = token_of(mails[0]);
  EXPECT_TRUE(identities_->is_custom_link(token));

  auto first = identities_->follow_custom_link(token);
  ASSERT_OK(first);
  EXPECT_EQ(first->outcome, ConfirmOutcome::kVerified);
  EXPECT_EQ(first->redirect, "https://app.example.com/ok");
  auto again = identities_->follow_custom_link(token);
  ASSERT_OK(again);
  EXPECT_EQ(again->outcome, ConfirmOutcome::kAlreadyVerified);
  EXPECT_EQ(again->redirect, "https://app.example.com/failed");
}

TEST_F(VerificationTemplatesTest, AnExpiredLinkRedirectsToFailure) {
  verify_address(kFrom);
  ASSERT_OK(templates_->create(make("T")));
  ASSERT_OK(templates_->send(kScope, "late@example.com", "T"));
  const std::string token = token_of(outbox("late@example.com").at(0));
  clock_.advance(hours(25));
  auto r = identities_->follow_custom_link(token);
  ASSERT_OK(r);
  EXPECT_EQ(r->outcome, ConfirmOutcome::kExpired);
  EXPECT_EQ(r->redirect, "https://app.example.com/failed");
}

TEST_F(VerificationTemplatesTest, APlainLinkIsNotACustomOne) {
  ASSERT_OK(identities_->verify_email(kScope, "plain@example.com"));
  EXPECT_FALSE(identities_->is_custom_link(token_of(outbox("plain@example.com").at(0))));
  EXPECT_FALSE(identities_->is_custom_link("garbage"));
}

TEST_F(VerificationTemplatesTest, SendNeedsTheTemplateAndAStillVerifiedFrom) {
  auto missing = templates_->send(kScope, "a@example.com", "Absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  verify_address(kFrom);
  ASSERT_OK(templates_->create(make("T")));
  ASSERT_OK(identities_->delete_identity(kScope, kFrom));
  auto unverified = templates_->send(kScope, "a@example.com", "T");
  ASSERT_FALSE(unverified.ok());
  EXPECT_EQ(unverified.error().field, kFromField);
  EXPECT_TRUE(outbox("a@example.com").empty());
}

TEST_F(VerificationTemplatesTest, TemplateOperationsAreThrottledAtOncePerSecond) {
  RateLimiter aws(clock_, RateLimiter::aws_defaults());
  VerificationTemplates throttled(*store_, *identities_, aws, tokens_);
  ASSERT_OK(throttled.list(kScope, std::nullopt, std::nullopt));
  auto second = throttled.list(kScope, std::nullopt, std::nullopt);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kThrottled);
  clock_.advance(seconds(1));
  EXPECT_OK(throttled.list(kScope, std::nullopt, std::nullopt));
}

}  // namespace
}  // namespace vouch::service
