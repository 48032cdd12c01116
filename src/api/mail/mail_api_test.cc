// MailApi without a socket: the verification link's GET/HEAD change nothing
// and only a same-site POST confirms; the signed inbox shows the caller's own
// account and Region.
#include "api/mail/mail_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_test_util.h"
#include "mail/link_token.h"
#include "service/accounts.h"
#include "testing/temp_dir.h"

namespace vouch::api::mail {
namespace {

const core::TimePoint kNow{std::chrono::seconds(1767227400)};
constexpr char kAccount[] = "123456789012";
constexpr char kKey[] = "AKIAVOUCHTESTKEY0001";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kPublic[] = "https://verify.example:8443/base";
const core::Scope kScope{kAccount, "us-east-1"};

struct Env {
  explicit Env(InboxAccess inbox = InboxAccess::kSigned)
      : sqlite(test_util::open_sqlite(dir.path() + "/vouch.db")),
        identities(store, clock, random, limiter, tokens),
        accounts(store),
        auth(accounts, clock, {}),
        inbox_service(store),
        api(identities, inbox_service, auth, {inbox, kPublic}) {
    EXPECT_TRUE(store.put_account(core::Account{kAccount, kKey, kSecret}).ok());
    identities.enable_mail({"from@vouch.test", kPublic, &links, nullptr, &clock, core::Seconds(0)});
  }

  http::Response run(http::Request req) {
    http::HandlerResult o = api.handle(req);
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    return std::get<http::Response>(std::move(o));
  }

  // The token in the newest message to `to`.
  std::string token_for(const std::string& to) {
    EXPECT_TRUE(identities.verify_email(kScope, to).ok());
    auto mails = store.list_mail(to, std::nullopt);
    EXPECT_TRUE(mails.ok() && !mails->empty());
    const std::string& body = mails->back().text_body;
    auto at = body.find("token=") + 6;
    return body.substr(at, body.find_first_of(" \r\n", at) - at);
  }

  core::ClaimStatus status(const std::string& subject) {
    auto c = store.find_identity(kScope, subject);
    EXPECT_TRUE(c.ok() && *c);
    return (**c).status;
  }

  testing::TempDir dir;
  std::unique_ptr<store::sqlite::SqliteStore> sqlite;
  store::sqlite::SqliteStore& store = *sqlite;
  core::ManualClock clock{kNow};
  core::SeededRandom random{7};
  service::RateLimiter limiter{clock, {}};
  service::PageTokens tokens{std::string(32, 'k')};
  vouch::mail::LinkTokens links{"link-key"};
  service::IdentityService identities;
  service::Accounts accounts;
  Authenticator auth;
  service::Inbox inbox_service;
  MailApi api;
};

http::Request request(const std::string& method, const std::string& target, std::string body = "",
                      std::vector<http::Header> headers = {}) {
  http::Request r;
  r.method = method;
  r.target = target;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

const std::string* header(const http::Response& r, const std::string& name) {
  for (const auto& h : r.headers) {
    if (http::iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

TEST(OriginOf, KeepsSchemeHostAndPort) {
  EXPECT_EQ(origin_of("https://verify.example:8443/base"), "https://verify.example:8443");
  EXPECT_EQ(origin_of("http://127.0.0.1:4566"), "http://127.0.0.1:4566");
}

TEST(VerifyLink, GetAndHeadShowAConfirmPageAndChangeNothing) {
  Env env;
  const std::string token = env.token_for("a@example.com");
  for (const char* method : {"GET", "HEAD", "GET"}) {
    auto page = env.run(request(method, "/_vouch/verify-email?token=" + token));
    EXPECT_EQ(page.status, 200) << method;
    EXPECT_NE(page.body.find("<form method=\"post\" action=\"verify-email\">"), std::string::npos);
    EXPECT_NE(page.body.find("a@example.com"), std::string::npos);
    ASSERT_TRUE(header(page, "X-Frame-Options"));
    EXPECT_EQ(*header(page, "X-Frame-Options"), "DENY");
    EXPECT_EQ(*header(page, "Cache-Control"), "no-store");
    EXPECT_EQ(*header(page, "Referrer-Policy"), "no-referrer");
    EXPECT_NE(header(page, "Content-Security-Policy")->find("frame-ancestors 'none'"),
              std::string::npos);
  }
  EXPECT_EQ(env.status("a@example.com"), core::ClaimStatus::kPending);
  // Positive control: the page's POST verifies.
  auto done = env.run(
      request("POST", "/_vouch/verify-email", "token=" + token,
              {{"Origin", "https://verify.example:8443"}, {"Sec-Fetch-Site", "same-origin"}}));
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(env.status("a@example.com"), core::ClaimStatus::kVerified);
  EXPECT_EQ(env.run(request("GET", "/_vouch/verify-email?token=" + token)).status, 410);
}

TEST(VerifyLink, ACustomVerificationLinkVerifiesOnGetAndRedirects) {
  Env env;
  ASSERT_TRUE(env.store
                  .insert_template({kScope, "T", "s@example.com", "S", "<p>x</p>",
                                    "https://app.example/ok", "https://app.example/no", 0},
                                   0)
                  .ok());
  ASSERT_TRUE(env.identities
                  .send_custom_verification(kScope, "c@example.com",
                                            {"T", "s@example.com", "S", "<p>x</p>"})
                  .ok());
  auto mails = env.store.list_mail("c@example.com", std::nullopt);
  ASSERT_TRUE(mails.ok() && mails->size() == 1u);
  const std::string& body = mails->back().text_body;
  const auto at = body.find("token=") + 6;
  const std::string link = "/_vouch/verify-email?" +
                           body.substr(at - 6, body.find_first_of(" \r\n", at) - at + 6);
  // HEAD (a scanner's look) changes nothing.
  EXPECT_EQ(env.run(request("HEAD", link)).status, 200);
  EXPECT_EQ(env.status("c@example.com"), core::ClaimStatus::kPending);
  auto first = env.run(request("GET", link + "&SuccessRedirectionURL=https://evil.example"));
  EXPECT_EQ(first.status, 303);
  ASSERT_TRUE(header(first, "Location"));
  EXPECT_EQ(*header(first, "Location"), "https://app.example/ok");
  EXPECT_EQ(*header(first, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(env.status("c@example.com"), core::ClaimStatus::kVerified);
  auto again = env.run(request("GET", link));
  EXPECT_EQ(again.status, 303);
  EXPECT_EQ(*header(again, "Location"), "https://app.example/no");
  // With its template deleted, the link still verifies and shows vouch's page.
  ASSERT_TRUE(env.store.delete_template(kScope, "T").ok());
  EXPECT_EQ(env.run(request("GET", link)).status, 410);
}

TEST(VerifyLink, CrossSitePostsAreRefused) {
  Env env;
  const std::string token = env.token_for("b@example.com");
  const std::vector<std::vector<http::Header>> refused = {
      {{"Origin", "https://evil.example"}},
      {{"Origin", "null"}},
      {{"Origin", "http://verify.example:8443"}},  // another scheme is another origin
      {{"Sec-Fetch-Site", "cross-site"}},
      {{"Origin", "https://verify.example:8443"}, {"Sec-Fetch-Site", "cross-site"}},
  };
  for (const auto& h : refused) {
    EXPECT_EQ(env.run(request("POST", "/_vouch/verify-email", "token=" + token, h)).status, 403);
  }
  EXPECT_EQ(env.status("b@example.com"), core::ClaimStatus::kPending);
  // No Origin at all (not a browser): the token alone decides.
  EXPECT_EQ(env.run(request("POST", "/_vouch/verify-email", "token=" + token)).status, 200);
  EXPECT_EQ(env.status("b@example.com"), core::ClaimStatus::kVerified);
}

TEST(VerifyLink, OtherMethodsAndMissingTokens) {
  Env env;
  EXPECT_EQ(env.run(request("PUT", "/_vouch/verify-email?token=x")).status, 405);
  EXPECT_EQ(env.run(request("POST", "/_vouch/verify-email", "")).status, 400);
  EXPECT_EQ(env.run(request("GET", "/_vouch/verify-email")).status, 400);
  EXPECT_EQ(env.run(request("POST", "/_vouch/verify-email", "token=garbage")).status, 400);
}

TEST(Inbox, SignedInboxShowsOnlyTheCallersAccountAndRegion) {
  Env env;
  ASSERT_TRUE(env.identities.verify_email(kScope, "mine@example.com").ok());
  ASSERT_TRUE(env.identities.verify_email({kAccount, "eu-west-1"}, "west@example.com").ok());
  ASSERT_TRUE(
      env.identities.verify_email({"999988887777", "us-east-1"}, "theirs@example.com").ok());
  EXPECT_EQ(env.run(request("GET", "/_aws/ses")).status, 403);
  EXPECT_EQ(env.run(request("DELETE", "/_aws/ses")).status, 403);
  auto signed_get = test_util::signed_request(
      "GET", "/_aws/ses", "", {kKey, kSecret, "us-east-1", "ses"}, env.clock.now(), "");
  auto r = env.run(signed_get);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("mine@example.com"), std::string::npos);
  EXPECT_EQ(r.body.find("west@example.com"), std::string::npos);
  EXPECT_EQ(r.body.find("theirs@example.com"), std::string::npos);
}

TEST(Inbox, OpenInboxInTestModeShowsEveryAccount) {
  Env env(InboxAccess::kOpen);
  ASSERT_TRUE(env.identities.verify_email(kScope, "mine@example.com").ok());
  ASSERT_TRUE(
      env.identities.verify_email({"999988887777", "us-east-1"}, "theirs@example.com").ok());
  auto r = env.run(request("GET", "/_aws/ses"));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("mine@example.com"), std::string::npos);
  EXPECT_NE(r.body.find("theirs@example.com"), std::string::npos);
  EXPECT_EQ(Env(InboxAccess::kOff).run(request("GET", "/_aws/ses")).status, 404);
}

// Pages come from service::Inbox: `limit` per page and a nextToken while
// there is more; bad parameters are 400s; DELETE hides what was delivered.
TEST(Inbox, PagesWithLimitAndNextToken) {
  Env env(InboxAccess::kOpen);
  for (const char* to : {"a@example.com", "b@example.com", "c@example.com"}) {
    ASSERT_TRUE(env.identities.verify_email(kScope, to).ok());
  }
  auto first = env.run(request("GET", "/_aws/ses?limit=2"));
  ASSERT_EQ(first.status, 200) << first.body;
  auto body = nlohmann::json::parse(first.body);
  ASSERT_EQ(body.at("messages").size(), 2u);
  EXPECT_EQ(body.at("messages")[0].at("Status"), "queued");
  ASSERT_TRUE(body.contains("nextToken"));
  EXPECT_EQ(body.at("nextToken"), body.at("messages")[1].at("Id"));
  auto second = env.run(
      request("GET", "/_aws/ses?limit=2&nextToken=" + body.at("nextToken").get<std::string>()));
  auto rest = nlohmann::json::parse(second.body);
  ASSERT_EQ(rest.at("messages").size(), 1u);
  EXPECT_EQ(rest.at("messages")[0].at("Destination").at("ToAddresses")[0], "c@example.com");
  EXPECT_FALSE(rest.contains("nextToken"));
  EXPECT_EQ(env.run(request("GET", "/_aws/ses?limit=0")).status, 400);
  EXPECT_EQ(env.run(request("GET", "/_aws/ses?limit=1001")).status, 400);
  EXPECT_EQ(env.run(request("GET", "/_aws/ses?nextToken=x")).status, 400);
  EXPECT_EQ(env.run(request("GET", "/_aws/ses?limit=1000")).status, 200);  // positive control
  EXPECT_EQ(env.run(request("POST", "/_aws/ses")).status, 405);
}

TEST(Inbox, DeleteHidesDeliveredMailOnly) {
  Env env(InboxAccess::kOpen);
  ASSERT_TRUE(env.identities.verify_email(kScope, "sent@example.com").ok());
  auto mails = env.store.list_mail("sent@example.com", std::nullopt);
  ASSERT_TRUE(mails.ok() && mails->size() == 1);
  core::Mail m = mails->front();
  m.state = core::Mail::State::kSent;
  ASSERT_TRUE(env.store.update_mail(m).ok());
  ASSERT_TRUE(env.identities.verify_email(kScope, "queued@example.com").ok());
  EXPECT_EQ(env.run(request("DELETE", "/_aws/ses")).status, 204);
  auto body = nlohmann::json::parse(env.run(request("GET", "/_aws/ses")).body);
  ASSERT_EQ(body.at("messages").size(), 1u);
  EXPECT_EQ(body.at("messages")[0].at("Destination").at("ToAddresses")[0], "queued@example.com");
}

}  // namespace
}  // namespace vouch::api::mail
