// SES v2's BYODKIM on the wire, without a socket: CreateEmailIdentity with
// DkimSigningAttributes, PUT .../dkim/signing both ways, the DkimAttributes
// of a BYODKIM domain, and the BadRequestExceptions for what AWS refuses.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/api_test_util.h"
#include "api/sesv2/sesv2_api.h"
#include "core/encoding.h"
#include "service/accounts.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::api::sesv2 {
namespace {

using nlohmann::json;

const core::TimePoint kNow{std::chrono::seconds(1767227400)};
constexpr char kAccount[] = "123456789012";
constexpr char kKey[] = "AKIAVOUCHSESV2000002";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESV2KEY02";

// A 1024-bit RSA private key as the API takes it (base64 PKCS#1 DER).
std::string private_key() {
  EVP_PKEY* k = EVP_RSA_gen(1024);
  unsigned char* der = nullptr;
  const int len = i2d_PrivateKey(k, &der);
  std::string out = core::base64_encode({der, static_cast<size_t>(len)});
  OPENSSL_free(der);
  EVP_PKEY_free(k);
  return out;
}

struct Env {
  Env()
      : sqlite(test_util::open_sqlite(dir.path() + "/vouch.db")),
        identities(*sqlite, clock, random, limiter, tokens),
        accounts(*sqlite),
        auth(accounts, clock, {}),
        api(identities, auth) {
    EXPECT_TRUE(sqlite->put_account({kAccount, kKey, kSecret}).ok());
  }

  http::Response call(const std::string& method, const std::string& target,
                      const json& body = nullptr) {
    const std::string text = body.is_null() ? "" : body.dump();
    http::Request req = test_util::signed_request(
        method, target, text, {kKey, kSecret, "us-east-1", "ses", true}, clock.now(),
        text.empty() ? "" : "application/json");
    http::HandlerResult o = api.handle(req);
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    return std::get<http::Response>(std::move(o));
  }
  json ok(const std::string& method, const std::string& target, const json& body = nullptr) {
    http::Response r = call(method, target, body);
    EXPECT_EQ(r.status, 200) << method << " " << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  // A BadRequestException, and its message.
  std::string bad(const std::string& method, const std::string& target, const json& body) {
    http::Response r = call(method, target, body);
    EXPECT_EQ(r.status, 400) << r.body;
    bool typed = false;
    for (const auto& h : r.headers) {
      if (http::iequals(h.name, "x-amzn-ErrorType")) typed = h.value == "BadRequestException";
    }
    EXPECT_TRUE(typed) << r.body;
    return json::parse(r.body, nullptr, false).value("message", "");
  }

  testing::TempDir dir;
  std::unique_ptr<store::sqlite::SqliteStore> sqlite;
  core::ManualClock clock{kNow};
  core::SeededRandom random{20261204};
  service::RateLimiter limiter{clock, {}};
  service::PageTokens tokens{std::string(32, 'k')};
  service::IdentityService identities;
  service::Accounts accounts;
  Authenticator auth;
  SesV2Api api;
};

const std::string kSigning = "/v2/email/identities/byo.example/dkim/signing";

TEST(SesV2DkimTest, CreateWithAKeyAnswersTheSelectorAndExternal) {
  Env env;
  const std::string key = private_key();
  json j = env.ok("POST", "/v2/email/identities",
                  {{"EmailIdentity", "byo.example"},
                   {"DkimSigningAttributes",
                    {{"DomainSigningSelector", "sel1"}, {"DomainSigningPrivateKey", key}}}});
  const json dkim = {{"SigningEnabled", true},
                     {"Status", "PENDING"},
                     {"Tokens", {"sel1"}},
                     {"SigningAttributesOrigin", "EXTERNAL"}};
  EXPECT_EQ(j, json({{"IdentityType", "DOMAIN"},
                     {"VerifiedForSendingStatus", false},
                     {"DkimAttributes", dkim}}));
  EXPECT_EQ(env.ok("GET", "/v2/email/identities/byo.example")["DkimAttributes"], dkim);
  const std::string all = env.ok("GET", "/v2/email/identities/byo.example").dump();
  EXPECT_EQ(all.find(key.substr(40, 40)), std::string::npos);
}

TEST(SesV2DkimTest, PutSigningSwitchesBothWays) {
  Env env;
  env.ok("POST", "/v2/email/identities", {{"EmailIdentity", "byo.example"}});
  json byo = env.ok(
      "PUT", kSigning,
      {{"SigningAttributesOrigin", "EXTERNAL"},
       {"SigningAttributes",
        {{"DomainSigningSelector", "s1"}, {"DomainSigningPrivateKey", private_key()}}}});
  EXPECT_EQ(byo, json({{"DkimStatus", "PENDING"}, {"DkimTokens", {"s1"}}}));
  json easy = env.ok("PUT", kSigning, {{"SigningAttributesOrigin", "AWS_SES"}});
  EXPECT_EQ(easy["DkimStatus"], "PENDING");
  EXPECT_EQ(easy["DkimTokens"].size(), 3u);
  EXPECT_EQ(easy["SigningHostedZone"], "dkim.amazonses.com");
  json got = env.ok("GET", "/v2/email/identities/byo.example")["DkimAttributes"];
  EXPECT_EQ(got["SigningAttributesOrigin"], "AWS_SES");
  EXPECT_EQ(got["Tokens"], easy["DkimTokens"]);
  EXPECT_EQ(env.call("GET", kSigning).status, 404);  // no such operation
}

TEST(SesV2DkimTest, OlderSdksPutSigningUnderV1) {
  // botocore before 1.31 (and the AWS CLI v1 bundling it) use /v1/ for this one operation.
  Env env;
  EXPECT_TRUE(SesV2Api::owns("/v1/email/identities/byo.example/dkim/signing"));
  env.ok("POST", "/v2/email/identities", {{"EmailIdentity", "byo.example"}});
  json j = env.ok(
      "PUT", "/v1/email/identities/byo.example/dkim/signing",
      {{"SigningAttributesOrigin", "EXTERNAL"},
       {"SigningAttributes",
        {{"DomainSigningSelector", "old"}, {"DomainSigningPrivateKey", private_key()}}}});
  EXPECT_EQ(j["DkimTokens"], json({"old"}));
  // Nothing else lives under /v1/.
  EXPECT_EQ(env.call("GET", "/v1/email/identities/byo.example").status, 404);
  EXPECT_EQ(env.call("GET", "/v1/email/identities/byo.example/dkim/signing").status, 404);
  EXPECT_EQ(env.call("PUT", "/v1/email/identities/byo.example/dkim", json::object()).status, 404);
}

TEST(SesV2DkimTest, WhatAwsRefusesIsABadRequest) {
  Env env;
  env.ok("POST", "/v2/email/identities", {{"EmailIdentity", "byo.example"}});
  const std::string key = private_key();
  const json both = {{"DomainSigningSelector", "s1"}, {"DomainSigningPrivateKey", key}};
  EXPECT_EQ(env.bad("PUT", kSigning, json::object()),
            "1 validation error detected: Value null at 'SigningAttributesOrigin' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_EQ(env.bad("PUT", kSigning, {{"SigningAttributesOrigin", "AWS_SES_EU_WEST_1"}}),
            "Deterministic Easy DKIM (AWS_SES_EU_WEST_1) is not supported by this server: use "
            "AWS_SES or EXTERNAL.");
  EXPECT_NE(env.bad("PUT", kSigning, {{"SigningAttributesOrigin", "NOPE"}})
                .find("Member must satisfy enum value set"),
            std::string::npos);
  EXPECT_EQ(env.bad("PUT", kSigning, {{"SigningAttributesOrigin", "EXTERNAL"}}),
            "SigningAttributes with DomainSigningSelector and DomainSigningPrivateKey are "
            "required when SigningAttributesOrigin is EXTERNAL.");
  env.bad("PUT", kSigning, {{"SigningAttributesOrigin", "AWS_SES"}, {"SigningAttributes", both}});
  json with_origin = both;
  with_origin["DomainSigningAttributesOrigin"] = "EXTERNAL";
  env.bad("PUT", kSigning,
          {{"SigningAttributesOrigin", "EXTERNAL"}, {"SigningAttributes", with_origin}});
  env.bad("PUT", kSigning, {{"SigningAttributesOrigin", "EXTERNAL"}, {"SigningAttributes", "x"}});
  EXPECT_EQ(env.bad("PUT", kSigning,
                    {{"SigningAttributesOrigin", "EXTERNAL"},
                     {"SigningAttributes", {{"DomainSigningSelector", "s1"}}}}),
            "DomainSigningSelector and DomainSigningPrivateKey must be specified together.");
  // On Create the origin may only name a DEED parent, which vouch does not model.
  for (const char* origin : {"AWS_SES", "EXTERNAL", "AWS_SES_US_EAST_1"}) {
    env.bad("POST", "/v2/email/identities",
            {{"EmailIdentity", "c.example"},
             {"DkimSigningAttributes", {{"DomainSigningAttributesOrigin", origin}}}});
  }
  // None of it changed anything; the control: the good call works.
  EXPECT_EQ(env.call("GET", "/v2/email/identities/c.example").status, 404);
  EXPECT_EQ(
      env.ok("PUT", kSigning,
             {{"SigningAttributesOrigin", "EXTERNAL"}, {"SigningAttributes", both}})["DkimTokens"],
      json({"s1"}));
}

}  // namespace
}  // namespace vouch::api::sesv2
