// SES v1 and v2 custom verification email templates without a socket: each
// API's error codes and statuses for the same service errors, v1's Delete of
// a missing template succeeding where v2's is NotFound, and a template made
// through one API read through the other.
#include <gtest/gtest.h>

#include "api/api_test_util.h"
#include "api/ses/ses_api.h"
#include "api/sesv2/sesv2_api.h"
#include "service/accounts.h"
#include "service/verification_templates.h"
#include "testing/temp_dir.h"

namespace vouch::api {
namespace {

const core::TimePoint kNow{std::chrono::seconds(1767227400)};
constexpr char kAccount[] = "123456789012";
constexpr char kKey[] = "AKIAVOUCHTESTKEY0001";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const core::Scope kScope{kAccount, "us-east-1"};

struct Env {
  Env()
      : sqlite(test_util::open_sqlite(dir.path() + "/vouch.db")),
        identities(store, clock, random, limiter, tokens),
        templates(store, identities, limiter, tokens),
        accounts(store),
        auth(accounts, clock, {}),
        v1(identities, auth),
        v2(identities, auth) {
    EXPECT_TRUE(store.put_account(core::Account{kAccount, kKey, kSecret}).ok());
    v1.set_templates(&templates);
    v2.set_templates(&templates);
    // The From address, verified.
    core::Claim c;
    c.id = "id-00000000000000000001";
    c.scope = kScope;
    c.kind = core::ClaimKind::kSesEmail;
    c.subject = "sender@example.com";
    c.status = core::ClaimStatus::kVerified;
    c.created_at = kNow;
    c.deadline = kNow;
    EXPECT_TRUE(store.insert_claim(c).ok());
  }

  static http::Response done(http::HandlerResult o) {
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    return std::get<http::Response>(std::move(o));
  }
  http::Response call(const std::string& action, const std::string& params) {
    auto req = test_util::signed_request("POST", "/",
                                         "Action=" + action + "&Version=2010-12-01&" + params,
                                         {kKey, kSecret, "us-east-1", "ses"}, clock.now(),
                                         "application/x-www-form-urlencoded; charset=utf-8");
    return done(v1.handle(req));
  }
  http::Response rest(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    auto req = test_util::signed_request(method, path, body, {kKey, kSecret, "us-east-1", "ses"},
                                         clock.now(), body.empty() ? "" : "application/json");
    return done(v2.handle(req));
  }

  testing::TempDir dir;
  std::unique_ptr<store::sqlite::SqliteStore> sqlite;
  store::sqlite::SqliteStore& store = *sqlite;
  core::ManualClock clock{kNow};
  core::SeededRandom random{5};
  service::RateLimiter limiter{clock, {}};
  service::PageTokens tokens{std::string(32, 'k')};
  service::IdentityService identities;
  service::VerificationTemplates templates;
  service::Accounts accounts;
  Authenticator auth;
  ses::SesApi v1;
  sesv2::SesV2Api v2;
};

const std::string kV1Template =
    "TemplateName=T&FromEmailAddress=sender%40example.com&TemplateSubject=S&"
    "TemplateContent=%3Cp%3Ehi%3C%2Fp%3E&SuccessRedirectionURL=https%3A%2F%2Fa.example%2Fok&"
    "FailureRedirectionURL=https%3A%2F%2Fa.example%2Fno";

std::string v2_template(const std::string& name, const std::string& from = "sender@example.com") {
  return R"({"TemplateName":")" + name + R"(","FromEmailAddress":")" + from +
         R"(","TemplateSubject":"S","TemplateContent":"<p>hi</p>",)"
         R"("SuccessRedirectionURL":"https://a.example/ok","FailureRedirectionURL":"https://a.example/no"})";
}

bool has(const http::Response& r, const std::string& text) {
  return r.body.find(text) != std::string::npos;
}

TEST(TemplateApis, V1CodesForEachError) {
  Env env;
  auto created = env.call("CreateCustomVerificationEmailTemplate", kV1Template);
  EXPECT_EQ(created.status, 200) << created.body;
  EXPECT_FALSE(has(created, "CreateCustomVerificationEmailTemplateResult"));
  auto dup = env.call("CreateCustomVerificationEmailTemplate", kV1Template);
  EXPECT_EQ(dup.status, 400);
  EXPECT_TRUE(has(dup, "<Code>CustomVerificationEmailTemplateAlreadyExists</Code>")) << dup.body;
  auto unverified = env.call("UpdateCustomVerificationEmailTemplate",
                             "TemplateName=T&FromEmailAddress=x%40other.example");
  EXPECT_TRUE(has(unverified, "<Code>FromEmailAddressNotVerified</Code>")) << unverified.body;
  auto script = env.call("UpdateCustomVerificationEmailTemplate",
                         "TemplateName=T&TemplateContent=%3Cscript%3E");
  EXPECT_TRUE(has(script, "<Code>CustomVerificationEmailInvalidContent</Code>")) << script.body;
  auto missing = env.call("GetCustomVerificationEmailTemplate", "TemplateName=Absent");
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(has(missing, "<Code>CustomVerificationEmailTemplateDoesNotExist</Code>"));
  auto no_name = env.call("GetCustomVerificationEmailTemplate", "X=1");
  EXPECT_TRUE(has(no_name, "<Code>MissingParameter</Code>"));
  auto set = env.call("SendCustomVerificationEmail",
                      "EmailAddress=a%40example.com&TemplateName=T&ConfigurationSetName=cs");
  EXPECT_TRUE(has(set, "<Code>ConfigurationSetDoesNotExist</Code>"));
  // v1 Delete of a missing template succeeds.
  EXPECT_EQ(env.call("DeleteCustomVerificationEmailTemplate", "TemplateName=Absent").status, 200);
}

TEST(TemplateApis, V2CodesAndStatuses) {
  Env env;
  EXPECT_EQ(
      env.rest("POST", "/v2/email/custom-verification-email-templates", v2_template("T")).status,
      200);
  auto dup = env.rest("POST", "/v2/email/custom-verification-email-templates", v2_template("T"));
  EXPECT_EQ(dup.status, 400);
  EXPECT_TRUE(has(dup, "Custom verification email template T already exists")) << dup.body;
  auto bad_from = env.rest("POST", "/v2/email/custom-verification-email-templates",
                           v2_template("U", "x@other.example"));
  EXPECT_EQ(bad_from.status, 400);
  auto missing = env.rest("GET", "/v2/email/custom-verification-email-templates/Absent");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(env.rest("DELETE", "/v2/email/custom-verification-email-templates/Absent").status, 404);
  EXPECT_EQ(env.rest("GET", "/v2/email/custom-verification-email-templates?PageSize=0").status,
            400);
  EXPECT_EQ(env.rest("GET", "/v2/email/custom-verification-email-templates/T/x").status, 404);
  // v1 sees what v2 made; the listing leaves the content out.
  auto got = env.call("GetCustomVerificationEmailTemplate", "TemplateName=T");
  EXPECT_TRUE(has(got, "<TemplateContent>&lt;p&gt;hi&lt;/p&gt;</TemplateContent>")) << got.body;
  auto list = env.rest("GET", "/v2/email/custom-verification-email-templates");
  EXPECT_EQ(list.status, 200);
  EXPECT_TRUE(has(list, "\"TemplateName\":\"T\""));
  EXPECT_FALSE(has(list, "TemplateContent"));
  auto sent = env.rest("POST", "/v2/email/outbound-custom-verification-emails",
                       R"({"EmailAddress":"new@example.com","TemplateName":"T"})");
  EXPECT_EQ(sent.status, 200);
  EXPECT_TRUE(has(sent, "\"MessageId\""));
}

}  // namespace
}  // namespace vouch::api
