// SesV2Api end to end without a socket: SigV4-signed (service "ses")
// requests go through SesV2Api::handle into a real IdentityService over
// SQLite; deferred work runs on this thread. Routes, status codes,
// x-amzn-ErrorType and the exact JSON bodies (epoch-second timestamps, the
// members AWS leaves out), and that v1 and v2 share the identities.
#include "api/sesv2/sesv2_api.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/api_test_util.h"
#include "core/evidence_json.h"
#include "core/status_machine.h"
#include "service/accounts.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::api::sesv2 {
namespace {

using nlohmann::json;

const core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 2026-01-01T00:30:00Z
constexpr int64_t kNowSeconds = 1767227400;
constexpr char kAccount[] = "123456789012";
constexpr char kKey[] = "AKIAVOUCHSESV2000001";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESV2KEY00";
const core::Scope kScope{kAccount, "us-east-1"};
const std::string kArn = "arn:aws:ses:us-east-1:123456789012:identity/";

struct Env {
  explicit Env(std::map<std::string, double> rates = {})
      : sqlite(test_util::open_sqlite(dir.path() + "/vouch.db")),
        limiter(clock, std::move(rates)),
        identities(*sqlite, clock, random, limiter, tokens),
        accounts(*sqlite),
        auth(accounts, clock, {}),
        api(identities, auth) {
    auto s = sqlite->put_account({kAccount, kKey, kSecret});
    EXPECT_TRUE(s.ok()) << s.error().message;
  }

  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& service = "ses") {
    http::Request req = test_util::signed_request(
        method, target, body, {kKey, kSecret, "us-east-1", service, true}, clock.now(),
        body.empty() ? "" : "application/json");
    req.request_id = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
    http::HandlerResult o = api.handle(req);
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    return std::get<http::Response>(std::move(o));
  }
  json ok(const std::string& method, const std::string& target, const json& body = nullptr) {
    http::Response r = call(method, target, body.is_null() ? "" : body.dump());
    EXPECT_EQ(r.status, 200) << method << " " << target << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    return json::parse(r.body, nullptr, false);
  }
  json create(const std::string& name, json extra = json::object()) {
    extra["EmailIdentity"] = name;
    return ok("POST", "/v2/email/identities", extra);
  }

  testing::TempDir dir;
  std::unique_ptr<store::sqlite::SqliteStore> sqlite;
  core::ManualClock clock{kNow};
  core::SeededRandom random{20260101};
  service::RateLimiter limiter;
  service::PageTokens tokens{std::string(32, 'k')};
  service::IdentityService identities;
  service::Accounts accounts;
  Authenticator auth;
  SesV2Api api;
};

// Status, x-amzn-ErrorType and the message.
void expect_error(const http::Response& r, int status, std::string_view type,
                  const std::string& message = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const std::string* t = nullptr;
  for (const auto& h : r.headers) {
    if (http::iequals(h.name, "x-amzn-ErrorType")) t = &h.value;
  }
  ASSERT_NE(t, nullptr) << r.body;
  EXPECT_EQ(*t, type) << r.body;
  json body = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(body.is_object() && body.contains("message")) << r.body;
  if (!message.empty()) {
    EXPECT_EQ(body["message"], message);
  }
}

TEST(SesV2ApiTest, OwnsOnlyItsPrefix) {
  EXPECT_TRUE(SesV2Api::owns("/v2/email/identities"));
  EXPECT_TRUE(SesV2Api::owns("/v2/email/tags"));
  EXPECT_FALSE(SesV2Api::owns("/v2/emailx"));
  EXPECT_FALSE(SesV2Api::owns("/"));
  EXPECT_FALSE(SesV2Api::owns("/domainverifications"));
}

TEST(SesV2ApiTest, CreateAndGetAnEmailAddress) {
  Env env;
  EXPECT_EQ(env.create("someone@example.com"),
            json::parse(R"({"IdentityType":"EMAIL_ADDRESS","VerifiedForSendingStatus":false})"));
  json got = env.ok("GET", "/v2/email/identities/someone%40example.com");
  EXPECT_EQ(got, json::parse(R"({
    "IdentityType": "EMAIL_ADDRESS",
    "FeedbackForwardingStatus": true,
    "VerifiedForSendingStatus": false,
    "DkimAttributes": {"SigningEnabled": false, "Status": "NOT_STARTED",
                       "SigningAttributesOrigin": "AWS_SES",
                       "NextSigningKeyLength": "RSA_1024_BIT"},
    "MailFromAttributes": {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"},
    "Policies": {},
    "Tags": [],
    "VerificationStatus": "PENDING",
    "VerificationInfo": {}})"));
}

TEST(SesV2ApiTest, CreateADomainAnswersItsEasyDkim) {
  Env env;
  json created = env.create("Example.com", {{"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
  ASSERT_TRUE(created["DkimAttributes"]["Tokens"].is_array());
  json tokens = created["DkimAttributes"]["Tokens"];
  EXPECT_EQ(tokens.size(), 3u);
  json dkim{{"SigningEnabled", true},
            {"Status", "PENDING"},
            {"Tokens", tokens},
            {"SigningHostedZone", "dkim.amazonses.com"},
            {"SigningAttributesOrigin", "AWS_SES"},
            {"NextSigningKeyLength", "RSA_2048_BIT"},
            {"CurrentSigningKeyLength", "RSA_2048_BIT"},
            {"LastKeyGenerationTimestamp", kNowSeconds}};  // a number: epoch seconds
  EXPECT_EQ(created, (json{{"IdentityType", "DOMAIN"},
                           {"VerifiedForSendingStatus", false},
                           {"DkimAttributes", dkim}}));
  json got = env.ok("GET", "/v2/email/identities/example.com");
  EXPECT_EQ(got["DkimAttributes"], dkim);
  EXPECT_EQ(got["Tags"], json::parse(R"([{"Key":"k","Value":"v"}])"));
  // All three records seen: verified, with when.
  auto records = env.sqlite->find_claims(kScope, core::ClaimKind::kSesDkim, {"example.com"});
  ASSERT_TRUE(records.ok());
  for (auto c : *records) {
    c = core::apply_check(core::policy_for(c.kind), std::move(c), core::CheckOutcome::kFound,
                          env.clock.now());
    ASSERT_TRUE(env.sqlite->update_claim(std::move(c)).ok());
  }
  got = env.ok("GET", "/v2/email/identities/example.com");
  EXPECT_EQ(got["VerificationStatus"], "SUCCESS");
  EXPECT_EQ(got["VerifiedForSendingStatus"], true);
  EXPECT_EQ(got["DkimAttributes"]["Status"], "SUCCESS");
  EXPECT_EQ(got["VerificationInfo"], (json{{"LastSuccessTimestamp", kNowSeconds}}));
}

// A check's evidence shows as VerificationInfo: when, AWS's ErrorType and
// the zone's SOA; the error goes once the identity is verified.
TEST(SesV2ApiTest, VerificationInfoComesFromTheLastEvidence) {
  Env env;
  ASSERT_TRUE(env.identities.verify_domain(kScope, "example.com").ok());
  EXPECT_EQ(env.ok("GET", "/v2/email/identities/example.com")["VerificationInfo"], json::object());
  auto c = env.sqlite->find_identity(kScope, "example.com");
  ASSERT_TRUE(c.ok() && *c);
  core::Evidence e;
  e.at = kNow;
  e.outcome = core::CheckOutcome::kAbsent;
  e.perspectives = {{"127.0.0.1:53", core::PerspectiveEvidence::Result::kAbsent, {}, "NXDOMAIN"}};
  e.soa = core::Soa{"ns1.example.com", "hostmaster.example.com", 2026120401};
  auto claim = core::apply_check(core::policy_for(c->value().kind), **c, e.outcome, kNow);
  auto recorded = env.sqlite->record_check(claim, core::evidence_text(e), std::nullopt);
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(env.ok("GET", "/v2/email/identities/example.com")["VerificationInfo"],
            (json{{"LastCheckedTimestamp", kNowSeconds},
                  {"ErrorType", "HOST_NOT_FOUND"},
                  {"SOARecord",
                   {{"PrimaryNameServer", "ns1.example.com"},
                    {"AdminEmail", "hostmaster.example.com"},
                    {"SerialNumber", 2026120401}}}}));
  e.outcome = core::CheckOutcome::kFound;
  e.perspectives[0].result = core::PerspectiveEvidence::Result::kFound;
  claim = core::apply_check(core::policy_for(claim.kind), *recorded, e.outcome, kNow);
  ASSERT_TRUE(env.sqlite->record_check(claim, core::evidence_text(e), std::nullopt).ok());
  json info = env.ok("GET", "/v2/email/identities/example.com")["VerificationInfo"];
  EXPECT_EQ(info["LastSuccessTimestamp"], kNowSeconds);
  EXPECT_FALSE(info.contains("ErrorType"));
  EXPECT_EQ(info["SOARecord"]["SerialNumber"], 2026120401);
}

TEST(SesV2ApiTest, ErrorsAsAwsSendsThem) {
  Env env;
  env.create("example.com");
  expect_error(env.call("POST", "/v2/email/identities", R"({"EmailIdentity":"example.com"})"), 400,
               "AlreadyExistsException", "Email identity example.com already exist.");
  expect_error(env.call("GET", "/v2/email/identities/nope.example"), 404, "NotFoundException",
               "Email identity nope.example does not exist.");
  expect_error(env.call("DELETE", "/v2/email/identities/nope.example"), 404, "NotFoundException");
  expect_error(
      env.call("PUT", "/v2/email/identities/nope.example/dkim", R"({"SigningEnabled":true})"), 400,
      "BadRequestException", "Domain nope.example is not verified for DKIM signing.");
  expect_error(env.call("POST", "/v2/email/identities", "{}"), 400, "BadRequestException",
               "1 validation error detected: Value null at 'EmailIdentity' failed to satisfy "
               "constraint: Member must not be null");
  expect_error(env.call("POST", "/v2/email/identities", R"({"EmailIdentity":7})"), 400,
               "BadRequestException");
  expect_error(env.call("POST", "/v2/email/identities", "[1]"), 400, "SerializationException");
  expect_error(env.call("POST", "/v2/email/identities", R"({"EmailIdentity":"bad_name"})"), 400,
               "BadRequestException", "Invalid domain name bad_name.");
  expect_error(env.call("POST", "/v2/email/identities",
                        R"({"EmailIdentity":"t.example","Tags":[{"Key":"aws:x","Value":"1"}]})"),
               400, "BadRequestException");
  expect_error(env.call("POST", "/v2/email/identities",
                        R"({"EmailIdentity":"t.example","Tags":[{"Key":"k"}]})"),
               400, "BadRequestException");
  expect_error(
      env.call("POST", "/v2/email/identities", R"({"EmailIdentity":"t.example","Tags":{"k":"v"}})"),
      400, "BadRequestException");
  // A BYODKIM key that is no key is refused, an unknown key length too.
  expect_error(env.call("POST", "/v2/email/identities",
                        R"({"EmailIdentity":"byo.example","DkimSigningAttributes":
                            {"DomainSigningSelector":"s","DomainSigningPrivateKey":"a2V5"}})"),
               400, "BadRequestException",
               "Invalid DomainSigningPrivateKey: it is not a DER-encoded private key (PKCS#1 or "
               "PKCS#8).");
  expect_error(env.call("POST", "/v2/email/identities",
                        R"({"EmailIdentity":"k.example","DkimSigningAttributes":
                            {"NextSigningKeyLength":"RSA_4096_BIT"}})"),
               400, "BadRequestException");
  expect_error(env.call("POST", "/v2/email/identities",
                        R"({"EmailIdentity":"cs.example","ConfigurationSetName":"none"})"),
               404, "NotFoundException", "Configuration set <none> does not exist.");
  expect_error(env.call("GET", "/v2/email/identities/cs.example"), 404, "NotFoundException");
  expect_error(env.call("GET", "/v2/email/identities?PageSize=x"), 400, "BadRequestException");
  expect_error(env.call("GET", "/v2/email/identities?PageSize=1001"), 400, "BadRequestException");
  expect_error(env.call("GET", "/v2/email/identities?NextToken=forged"), 400,
               "BadRequestException");
  expect_error(env.call("GET", "/v2/email/identities/bad%zz"), 400, "BadRequestException");
  // Unknown routes and methods, and a v1 scope's service on another name.
  expect_error(env.call("PUT", "/v2/email/identities"), 404, "UnknownOperationException");
  // HEAD answers as GET does (the server drops the body).
  expect_error(env.call("HEAD", "/v2/email/identities/nope.example"), 404, "NotFoundException");
  EXPECT_EQ(env.call("HEAD", "/v2/email/identities").status, 200);
  expect_error(env.call("GET", "/v2/email/identities/example.com/policies"), 404,
               "UnknownOperationException");
  expect_error(env.call("GET", "/v2/email/configuration-sets"), 404, "UnknownOperationException");
  http::Response r = env.call("GET", "/v2/email/identities", "", "vpc-lattice");
  EXPECT_EQ(r.status, 403) << r.body;
}

TEST(SesV2ApiTest, ThrottledIsTooManyRequests) {
  Env env({{"ListEmailIdentities", 1.0}});
  env.ok("GET", "/v2/email/identities");
  http::Response r = env.call("GET", "/v2/email/identities");
  expect_error(r, 429, "TooManyRequestsException");
}

TEST(SesV2ApiTest, LimitExceeded) {
  Env env;
  service::IdentityService one(*env.sqlite, env.clock, env.random, env.limiter, env.tokens,
                               service::IdentityOptions{1});
  SesV2Api api(one, env.auth);
  ASSERT_TRUE(one.create_email_identity(kScope, {"a.example", {}}).ok());
  http::Request req = test_util::signed_request(
      "POST", "/v2/email/identities", R"({"EmailIdentity":"b.example"})",
      {kKey, kSecret, "us-east-1", "ses", true}, env.clock.now(), "application/json");
  http::HandlerResult o = api.handle(req);
  ASSERT_TRUE(std::holds_alternative<http::Deferred>(o));
  expect_error(std::get<http::Deferred>(o)(), 400, "LimitExceededException");
}

TEST(SesV2ApiTest, ListPagesAndSharesTheV1Identities) {
  Env env;
  ASSERT_TRUE(env.identities.verify_domain(kScope, "v1.example").ok());
  env.create("v2.example");
  env.create("a@v2.example");
  json page = env.ok("GET", "/v2/email/identities?PageSize=2");
  EXPECT_EQ(page["EmailIdentities"], json::parse(R"([
    {"IdentityType":"DOMAIN","IdentityName":"v1.example","SendingEnabled":false,"VerificationStatus":"PENDING"},
    {"IdentityType":"DOMAIN","IdentityName":"v2.example","SendingEnabled":false,"VerificationStatus":"PENDING"}])"));
  ASSERT_TRUE(page["NextToken"].is_string());
  const std::string next = page["NextToken"];
  std::string encoded;
  for (char c : next) {
    if (std::isalnum(static_cast<unsigned char>(c))) encoded += c;
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      encoded += buf;
    }
  }
  page = env.ok("GET", "/v2/email/identities?PageSize=2&NextToken=" + encoded);
  EXPECT_EQ(page, json::parse(R"({"EmailIdentities":[
    {"IdentityType":"EMAIL_ADDRESS","IdentityName":"a@v2.example","SendingEnabled":false,"VerificationStatus":"PENDING"}]})"));
  // Deleting through v2 deletes for v1.
  env.ok("DELETE", "/v2/email/identities/v1.example");
  auto v1 = env.identities.list(kScope, service::IdentityType::kAny, {}, {});
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->identities, (std::vector<std::string>{"v2.example", "a@v2.example"}));
}

// Newer SDKs list with POST /v2/email/list-identities and a JSON body.
TEST(SesV2ApiTest, ListByPostWithAFilter) {
  Env env;
  env.create("a.example");
  env.create("b@example.com");
  env.create("c.example");
  json page = env.ok("POST", "/v2/email/list-identities",
                     {{"PageSize", 1}, {"Filter", {{"IDENTITY_TYPE", "DOMAIN"}}}});
  ASSERT_EQ(page["EmailIdentities"].size(), 1u);
  EXPECT_EQ(page["EmailIdentities"][0]["IdentityName"], "a.example");
  page = env.ok("POST", "/v2/email/list-identities",
                {{"PageSize", 1},
                 {"NextToken", page["NextToken"]},
                 {"Filter", {{"IDENTITY_TYPE", "DOMAIN"}}}});
  EXPECT_EQ(page, json::parse(R"({"EmailIdentities":[{"IdentityType":"DOMAIN",
    "IdentityName":"c.example","SendingEnabled":false,"VerificationStatus":"PENDING"}]})"));
  page = env.ok(
      "POST", "/v2/email/list-identities",
      {{"Filter", {{"IDENTITY_NAME_CONTAINS", "@"}, {"VERIFICATION_STATUS", "PENDING"}}}});
  ASSERT_EQ(page["EmailIdentities"].size(), 1u);
  EXPECT_EQ(page["EmailIdentities"][0]["IdentityName"], "b@example.com");
  EXPECT_EQ(env.ok("POST", "/v2/email/list-identities",
                   {{"Filter", {{"IDENTITY_TYPE", "MANAGED_DOMAIN"}}}}),
            json::parse(R"({"EmailIdentities":[]})"));
  EXPECT_EQ(env.ok("POST", "/v2/email/list-identities", json::object())["EmailIdentities"].size(),
            3u);
  expect_error(env.call("POST", "/v2/email/list-identities", R"({"Filter":{"COLOUR":"blue"}})"),
               400, "BadRequestException", "Invalid filter key: COLOUR.");
  expect_error(env.call("POST", "/v2/email/list-identities", R"({"Filter":{"IDENTITY_TYPE":"X"}})"),
               400, "BadRequestException");
  expect_error(
      env.call("POST", "/v2/email/list-identities", R"({"Filter":{"VERIFICATION_STATUS":"X"}})"),
      400, "BadRequestException");
  expect_error(env.call("POST", "/v2/email/list-identities", R"({"PageSize":5000})"), 400,
               "BadRequestException");
  expect_error(env.call("POST", "/v2/email/list-identities", R"({"PageSize":"5"})"), 400,
               "BadRequestException");
  expect_error(env.call("GET", "/v2/email/list-identities"), 404, "UnknownOperationException");
}

TEST(SesV2ApiTest, DkimSigningAndTags) {
  Env env;
  env.create("example.com");
  EXPECT_EQ(env.ok("PUT", "/v2/email/identities/example.com/dkim", json::object()), json::object());
  EXPECT_EQ(env.ok("GET", "/v2/email/identities/example.com")["DkimAttributes"]["SigningEnabled"],
            false);  // an absent SigningEnabled is false, as SDKs leave it out
  env.ok("PUT", "/v2/email/identities/example.com/dkim", {{"SigningEnabled", true}});
  EXPECT_EQ(env.ok("GET", "/v2/email/identities/example.com")["DkimAttributes"]["SigningEnabled"],
            true);
  expect_error(env.call("PUT", "/v2/email/identities/example.com/dkim", R"({"SigningEnabled":1})"),
               400, "BadRequestException");

  const std::string arn = kArn + "example.com";
  const std::string q =
      "?ResourceArn=arn%3Aaws%3Ases%3Aus-east-1%3A123456789012%3Aidentity%2Fexample.com";
  EXPECT_EQ(env.ok("POST", "/v2/email/tags",
                   {{"ResourceArn", arn},
                    {"Tags", {{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", "2"}}}}}),
            json::object());
  EXPECT_EQ(env.ok("GET", "/v2/email/tags" + q),
            json::parse(R"({"Tags":[{"Key":"a","Value":"1"},{"Key":"b","Value":"2"}]})"));
  EXPECT_EQ(env.ok("DELETE", "/v2/email/tags" + q + "&TagKeys=a&TagKeys=zz"), json::object());
  EXPECT_EQ(env.ok("GET", "/v2/email/tags" + q),
            json::parse(R"({"Tags":[{"Key":"b","Value":"2"}]})"));
  expect_error(env.call("GET", "/v2/email/tags"), 400, "BadRequestException");
  expect_error(env.call("DELETE", "/v2/email/tags" + q), 400, "BadRequestException");
  expect_error(env.call("POST", "/v2/email/tags", json{{"ResourceArn", arn}}.dump()), 400,
               "BadRequestException");
  expect_error(env.call("GET", "/v2/email/tags?ResourceArn=nope"), 400, "BadRequestException");
  expect_error(env.call("GET", "/v2/email/tags?ResourceArn=arn%3Aaws%3Ases%3Aus-east-1%3A"
                               "123456789012%3Aidentity%2Fother.example"),
               404, "NotFoundException");
  expect_error(env.call("PUT", "/v2/email/tags" + q), 404, "UnknownOperationException");
}

TEST(SesV2ApiTest, MailFromAttributesPutAndGet) {
  Env env;
  env.create("example.com");
  const std::string path = "/v2/email/identities/example.com/mail-from";
  EXPECT_EQ(
      env.ok("PUT", path,
             {{"MailFromDomain", "bounce.example.com"}, {"BehaviorOnMxFailure", "REJECT_MESSAGE"}}),
      json::object());
  EXPECT_EQ(env.ok("GET", "/v2/email/identities/example.com")["MailFromAttributes"],
            json({{"BehaviorOnMxFailure", "REJECT_MESSAGE"},
                  {"MailFromDomain", "bounce.example.com"},
                  {"MailFromDomainStatus", "PENDING"}}));
  // An empty body clears it and resets the behaviour.
  EXPECT_EQ(env.ok("PUT", path, json::object()), json::object());
  EXPECT_EQ(env.ok("GET", "/v2/email/identities/example.com")["MailFromAttributes"],
            json({{"BehaviorOnMxFailure", "USE_DEFAULT_VALUE"}}));
  expect_error(env.call("PUT", path, R"({"MailFromDomain":"bounce.example.net"})"), 400,
               "BadRequestException",
               "Provided MAIL-FROM domain <bounce.example.net> is not subdomain of the domain of "
               "the identity <example.com>.");
  expect_error(env.call("PUT", path, R"({"BehaviorOnMxFailure":"BOUNCE"})"), 400,
               "BadRequestException");
  expect_error(env.call("PUT", path, R"({"MailFromDomain":7})"), 400, "BadRequestException");
  expect_error(env.call("PUT", "/v2/email/identities/nope.example/mail-from",
                        R"({"MailFromDomain":"m.nope.example"})"),
               404, "NotFoundException", "Email identity nope.example does not exist.");
}

}  // namespace
}  // namespace vouch::api::sesv2
