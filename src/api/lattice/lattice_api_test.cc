// LatticeApi end to end without a socket: SigV4-signed http::Request values
// (service "vpc-lattice") go through LatticeApi::handle into a real
// LatticeService over SQLite in a temp dir; deferred work runs on this thread
// the way the server would run it. Status codes, x-amzn-ErrorType and the
// exact JSON bodies are checked (spec §1, §2, §7 rows 1-3 and 5).
#include "api/lattice/lattice_api.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "api/api_test_util.h"
#include "api/common/json.h"
#include "api/lattice/lattice_wire.h"
#include "auth/sigv4.h"
#include "core/arn.h"
#include "core/status_machine.h"
#include "service/accounts.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::api::lattice {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 2026-01-01T00:30:00Z
constexpr char kNowText[] = "2026-01-01T00:30:00.000Z";
constexpr char kAccount[] = "123456789012";
constexpr char kKey[] = "AKIAVOUCHLATTICE0001";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLATTICEKEY";
constexpr char kOtherAccount[] = "210987654321";
constexpr char kOtherKey[] = "AKIAVOUCHLATTICE0002";
constexpr char kOtherSecret[] = "other-account-secret-key-0123456789abcd";
constexpr const char* kMismatch = test_util::kSignatureMismatch;
const core::Scope kScope{kAccount, "us-east-1"};

using test_util::open_sqlite;
using testing::TempDir;  // a scratch directory that removes itself

// Percent-encodes everything but A-Za-z0-9-._~, as SDKs encode path labels.
std::string enc(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct Signer {
  std::string key = kKey;
  std::string secret = kSecret;
  std::string region = "us-east-1";
  std::string service = "vpc-lattice";
  bool content_sha256 = true;  // as the JS SDK v3 sends it
};

struct Env {
  explicit Env(std::map<std::string, double> rates = {}, service::LatticeOptions options = {})
      : sqlite(open_sqlite(dir.path() + "/vouch.db")),
        limiter(clock, std::move(rates)),
        verifications(*sqlite, clock, random, limiter, tokens, options),
        accounts(*sqlite),
        auth(accounts, clock, {}),
        api(verifications, auth) {
    for (auto& a : {core::Account{kAccount, kKey, kSecret},
                    core::Account{kOtherAccount, kOtherKey, kOtherSecret}}) {
      auto s = sqlite->put_account(a);
      EXPECT_TRUE(s.ok()) << s.error().message;
    }
  }

  http::Request request(const std::string& method, const std::string& target,
                        const std::string& body = "", const Signer& signer = {},
                        std::optional<core::TimePoint> when = {}) const {
    return test_util::signed_request(
        method, target, body,
        {signer.key, signer.secret, signer.region, signer.service, signer.content_sha256},
        when.value_or(clock.now()), body.empty() ? "" : "application/json");
  }

  http::HandlerResult outcome(http::Request req) {
    req.request_id = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
    return api.handle(req);
  }
  http::Response run(http::Request req) {
    http::HandlerResult o = outcome(std::move(req));
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    return std::get<http::Response>(std::move(o));
  }
  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = "", const Signer& signer = {}) {
    return run(request(method, target, body, signer));
  }

  http::Response start(const json& body, const Signer& signer = {}) {
    return call("POST", "/domainverifications", body.dump(), signer);
  }
  // Starts a verification that must succeed; returns the response body.
  json started(const std::string& domain, const json& extra = json::object()) {
    json body = extra;
    body["domainName"] = domain;
    http::Response r = start(body);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  void set_status(const std::string& id, core::ClaimStatus status) {
    auto found = sqlite->get_claim(kScope, id);
    ASSERT_TRUE(found.ok() && found->has_value()) << id;
    core::Claim c = **found;
    if (status == core::ClaimStatus::kVerified) {
      c = core::apply_check(core::policy_for(c.kind), std::move(c), core::CheckOutcome::kFound,
                            clock.now());
    } else {
      c.status = status;
    }
    auto updated = sqlite->update_claim(std::move(c));
    ASSERT_TRUE(updated.ok()) << updated.error().message;
  }

  TempDir dir;
  std::unique_ptr<store::sqlite::SqliteStore> sqlite;
  core::ManualClock clock{kNow};
  core::SeededRandom random{20260101};
  service::RateLimiter limiter;
  service::PageTokens tokens{std::string(32, 'k')};
  service::LatticeService verifications;
  service::Accounts accounts;
  Authenticator auth;
  LatticeApi api;
};

const std::string* header(const http::Response& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (http::iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::string arn_of(const std::string& id, const core::Scope& scope = kScope) {
  return core::domain_verification_arn(scope, id);
}

void expect_ok(const http::Response& r, int status, const std::string& body) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(header(r, "x-amzn-ErrorType"), nullptr) << r.body;
  EXPECT_EQ(r.body, body);
}

// Status, x-amzn-ErrorType and the exact body.
void expect_error(const http::Response& r, int status, std::string_view type, const json& body) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const std::string* t = header(r, "x-amzn-ErrorType");
  ASSERT_NE(t, nullptr) << "no x-amzn-ErrorType; body " << r.body;
  EXPECT_EQ(*t, type) << r.body;
  EXPECT_EQ(r.body, body.dump()) << "type " << type;
}

// Status and type; the body is a JSON object with a string message.
json expect_error_type(const http::Response& r, int status, std::string_view type) {
  EXPECT_EQ(r.status, status) << r.body;
  const std::string* t = header(r, "x-amzn-ErrorType");
  EXPECT_TRUE(t != nullptr && *t == type) << (t ? *t : std::string("<none>")) << " " << r.body;
  json body = json::parse(r.body, nullptr, false);
  EXPECT_TRUE(body.is_object()) << r.body;
  if (body.is_object()) {
    EXPECT_TRUE(body.contains("message") && body["message"].is_string()) << r.body;
  }
  return body;
}

json validation(const std::string& message, const std::string& field,
                const std::string& reason = "fieldValidationFailed") {
  json body{{"message", message}, {"reason", reason}};
  if (!field.empty()) body["fieldList"] = {{{"name", field}, {"message", message}}};
  return body;
}

std::string null_message(const std::string& field) {
  return "1 validation error detected: Value null at '" + field +
         "' failed to satisfy constraint: Member must not be null";
}

// ---------------------------------------------------------------------------
// StartDomainVerification

TEST(LatticeApiTest, StartAnswers201WithTheStartShape) {
  Env env;
  http::HandlerResult o = env.outcome(
      env.request("POST", "/domainverifications",
                  R"({"domainName":"Example.COM","clientToken":"t-1","tags":{"env":"prod"}})"));
  ASSERT_TRUE(std::holds_alternative<http::Deferred>(o)) << "a durable write runs deferred";
  http::Response r = std::get<http::Deferred>(o)();
  ASSERT_EQ(r.status, 201) << r.body;
  json j = json::parse(r.body);
  const std::string id = j.value("id", "");
  const std::string name = j["txtMethodConfig"].value("name", "");
  const std::string value = j["txtMethodConfig"].value("value", "");
  EXPECT_TRUE(std::regex_match(id, std::regex("dv-[0-9a-f]{17}"))) << id;
  EXPECT_TRUE(std::regex_match(name, std::regex("_[a-z2-7]{20}"))) << name;
  EXPECT_TRUE(std::regex_match(value, std::regex("vpc-lattice:[a-z2-7]{32}"))) << value;
  expect_ok(r, 201,
            R"({"arn":"arn:aws:vpc-lattice:us-east-1:123456789012:domainverification/)" + id +
                R"(","domainName":"example.com","id":")" + id +
                R"(","status":"PENDING","txtMethodConfig":{"name":")" + name + R"(","value":")" +
                value + R"("}})");
}

TEST(LatticeApiTest, StartWithoutClientTokenOrTags) {
  Env env;
  json a = env.started("a.example.com");
  json b = env.started("b.example.com");
  EXPECT_NE(a["id"], b["id"]);
  EXPECT_FALSE(a.contains("createdAt"));
  EXPECT_FALSE(a.contains("tags"));
  EXPECT_FALSE(a.contains("lastVerifiedTime"));
  // JSON nulls read as absent.
  http::Response r = env.start(
      {{"domainName", "c.example.com"}, {"clientToken", nullptr}, {"tags", nullptr}});
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST(LatticeApiTest, StartAcceptsAnIdn) {
  Env env;
  json j = env.started("B\xC3\xBC"
                       "cher.Example");
  EXPECT_EQ(j["domainName"], "xn--bcher-kva.example");
}

TEST(LatticeApiTest, IdempotentRetryReturnsTheFirstResponseByteForByte) {
  Env env;
  const std::string body = R"({"clientToken":"tok-1","domainName":"example.com","tags":{"a":"1"}})";
  http::Response first = env.call("POST", "/domainverifications", body);
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string id = json::parse(first.body)["id"];
  // Tag it and move time on: the retry still answers what the first call did.
  env.clock.advance(1h);
  http::Response tagged = env.call("POST", "/tags/" + enc(arn_of(id)), R"({"tags":{"b":"2"}})");
  ASSERT_EQ(tagged.status, 200) << tagged.body;
  http::Response again = env.call(
      "POST", "/domainverifications",
      R"({"tags":{"a":"1"},"domainName":"EXAMPLE.com","clientToken":"tok-1"})");
  expect_ok(again, 201, first.body);
  // Even after the delete.
  ASSERT_EQ(env.call("DELETE", "/domainverifications/" + id).status, 200);
  expect_ok(env.call("POST", "/domainverifications", body), 201, first.body);
  http::Response list = env.call("GET", "/domainverifications");
  expect_ok(list, 200, R"({"items":[]})");
}

TEST(LatticeApiTest, ClientTokenReuseWithOtherParametersIs409) {
  Env env;
  env.started("example.com", {{"clientToken", "tok-1"}});
  expect_error(env.start({{"domainName", "other.example.com"}, {"clientToken", "tok-1"}}), 409,
               "ConflictException",
               {{"message", "The client token tok-1 was already used for a request with "
                            "different parameters."},
                {"resourceId", "tok-1"},
                {"resourceType", "DOMAIN_VERIFICATION"}});
}

TEST(LatticeApiTest, DuplicateLiveDomainIs409NamingTheExistingId) {
  Env env;
  const std::string id = env.started("example.com")["id"];
  expect_error(env.start({{"domainName", "Example.com"}}), 409, "ConflictException",
               {{"message", "A domain verification for example.com already exists: " + id + "."},
                {"resourceId", id},
                {"resourceType", "DOMAIN_VERIFICATION"}});
  // A timed-out one does not block.
  env.set_status(id, core::ClaimStatus::kFailed);
  json fresh = env.started("example.com");
  EXPECT_NE(fresh["id"], id);
}

TEST(LatticeApiTest, SixthStartIs402) {
  Env env;
  for (int i = 0; i < 5; ++i) env.started("d" + std::to_string(i) + ".example.com");
  expect_error(env.start({{"domainName", "d5.example.com"}}), 402, "ServiceQuotaExceededException",
               {{"message", "You have reached the maximum number of domain verifications (5) in "
                            "this Region."},
                {"quotaCode", "L-73D0F278"},
                {"resourceType", "DOMAIN_VERIFICATION"},
                {"serviceCode", "vpc-lattice"}});
  // Another region has its own quota.
  Signer west;
  west.region = "us-west-2";
  EXPECT_EQ(env.start({{"domainName", "d5.example.com"}}, west).status, 201);
}

TEST(LatticeApiTest, MissingDomainNameIsAValidationErrorWithFieldList) {
  Env env;
  for (const std::string body : {"{}", R"({"domainName":null})", R"({"clientToken":"x"})", ""}) {
    SCOPED_TRACE(body);
    expect_error(env.call("POST", "/domainverifications", body), 400, "ValidationException",
                 validation(null_message("domainName"), "domainName"));
  }
}

TEST(LatticeApiTest, InvalidDomainNames) {
  Env env;
  expect_error(env.start({{"domainName", "ab"}}), 400, "ValidationException",
               validation("1 validation error detected: Value 'ab' at 'domainName' failed to "
                          "satisfy constraint: Member must have length between 3 and 255",
                          "domainName"));
  expect_error(env.start({{"domainName", "not a domain"}}), 400, "ValidationException",
               validation("1 validation error detected: Value 'not a domain' at 'domainName' "
                          "failed to satisfy constraint: Member must be a valid domain name",
                          "domainName"));
  expect_error_type(env.start({{"domainName", std::string(256, 'a')}}), 400, "ValidationException");
  expect_error(env.start({{"domainName", 42}}), 400, "ValidationException",
               validation("Value at 'domainName' must be a string.", "domainName"));
  expect_error_type(env.start({{"domainName", json::array({"a.com"})}}), 400,
                    "ValidationException");
}

TEST(LatticeApiTest, InvalidClientTokens) {
  Env env;
  for (const json& token : {json(""), json(std::string(65, 'x')), json("   ")}) {
    SCOPED_TRACE(token.dump());
    json body = expect_error_type(
        env.start({{"domainName", "example.com"}, {"clientToken", token}}), 400,
        "ValidationException");
    EXPECT_EQ(body.value("reason", ""), "fieldValidationFailed");
    EXPECT_EQ(body["fieldList"][0]["name"], "clientToken") << body;
  }
  expect_error(env.start({{"domainName", "example.com"}, {"clientToken", 7}}), 400,
               "ValidationException",
               validation("Value at 'clientToken' must be a string.", "clientToken"));
}

TEST(LatticeApiTest, InvalidTags) {
  Env env;
  expect_error(env.start({{"domainName", "example.com"}, {"tags", {{"aws:k", "v"}}}}), 400,
               "ValidationException",
               validation("1 validation error detected: Value 'aws:k' at 'tags.aws:k' failed to "
                          "satisfy constraint: Tag keys must not start with 'aws:'",
                          "tags.aws:k"));
  expect_error(env.start({{"domainName", "example.com"}, {"tags", {{"k", 1}}}}), 400,
               "ValidationException", validation("Value of tag 'k' must be a string.", "tags.k"));
  expect_error(env.start({{"domainName", "example.com"}, {"tags", json::array()}}), 400,
               "ValidationException",
               validation("Value at 'tags' must be a map of strings.", "tags"));
  json fifty_one = json::object();
  for (int i = 0; i < 51; ++i) fifty_one["k" + std::to_string(i)] = "v";
  json body = expect_error_type(env.start({{"domainName", "example.com"}, {"tags", fifty_one}}),
                                400, "ValidationException");
  EXPECT_EQ(body["fieldList"][0]["name"], "tags");
  expect_error_type(env.start({{"domainName", "example.com"}, {"tags", {{"k", "a*b"}}}}), 400,
                    "ValidationException");
  expect_ok(env.call("GET", "/domainverifications"), 200, R"({"items":[]})");
}

TEST(LatticeApiTest, NonJsonBodiesAreSerializationExceptions) {
  Env env;
  const json cannot_parse{{"message", "The request body could not be parsed as a JSON object."}};
  for (const std::string body : {"not json", "{\"domainName\":", "[1,2]", "\"example.com\"", "42",
                                 "{\"a\":1}{", "\xFF\xFE"}) {
    SCOPED_TRACE(body);
    expect_error(env.call("POST", "/domainverifications", body), 400, "SerializationException",
                 cannot_parse);
  }
  // The same for TagResource.
  expect_error(env.call("POST", "/tags/" + enc(arn_of("dv-0123456789abcdef0")), "{tags"), 400,
               "SerializationException", cannot_parse);
  // A body of another content type.
  auth::SignInput in;
  in.method = "POST";
  in.target = "/domainverifications";
  in.body = R"({"domainName":"example.com"})";
  in.region = "us-east-1";
  in.service = "vpc-lattice";
  in.access_key_id = kKey;
  in.secret_access_key = kSecret;
  in.when = env.clock.now();
  in.headers.push_back({"Content-Type", "text/plain"});
  http::Request req{"POST", in.target, {}, in.body, ""};
  for (auto& h : auth::sign(in)) req.headers.push_back({h.name, h.value});
  expect_error(env.run(req), 400, "SerializationException",
               {{"message", "Unsupported content type: text/plain; expected application/json"}});
  expect_ok(env.call("GET", "/domainverifications"), 200, R"({"items":[]})");
}

// ---------------------------------------------------------------------------
// GetDomainVerification

TEST(LatticeApiTest, GetByIdAndByEncodedArn) {
  Env env;
  json s = env.started("example.com", {{"tags", {{"env", "prod"}, {"team", ""}}}});
  const std::string id = s["id"];
  const std::string expected =
      R"({"arn":"arn:aws:vpc-lattice:us-east-1:123456789012:domainverification/)" + id +
      R"(","createdAt":")" + kNowText + R"(","domainName":"example.com","id":")" + id +
      R"(","status":"PENDING","tags":{"env":"prod","team":""},"txtMethodConfig":{"name":")" +
      s["txtMethodConfig"]["name"].get<std::string>() + R"(","value":")" +
      s["txtMethodConfig"]["value"].get<std::string>() + R"("}})";
  env.clock.advance(1h);  // createdAt stays the creation time
  expect_ok(env.call("GET", "/domainverifications/" + id), 200, expected);
  expect_ok(env.call("GET", "/domainverifications/" + enc(arn_of(id))), 200, expected);
  // Hex digits in upper case name the same verification.
  std::string upper = id;
  for (size_t i = 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  expect_ok(env.call("GET", "/domainverifications/" + upper), 200, expected);
}

TEST(LatticeApiTest, StatusesOnTheWire) {
  Env env;
  const std::string id = env.started("example.com")["id"];
  auto get = [&] { return json::parse(env.call("GET", "/domainverifications/" + id).body); };
  EXPECT_EQ(get()["status"], "PENDING");
  EXPECT_FALSE(get().contains("lastVerifiedTime"));

  env.clock.advance(90s);
  env.set_status(id, core::ClaimStatus::kVerified);
  json j = get();
  EXPECT_EQ(j["status"], "VERIFIED");
  EXPECT_EQ(j["lastVerifiedTime"], "2026-01-01T00:31:30.000Z");
  EXPECT_EQ(j["createdAt"], kNowText);

  env.set_status(id, core::ClaimStatus::kUnconfirmed);
  EXPECT_EQ(get()["status"], "VERIFIED");
  env.set_status(id, core::ClaimStatus::kFailed);
  EXPECT_EQ(get()["status"], "VERIFICATION_TIMED_OUT");

  EXPECT_EQ(status_name(core::ClaimStatus::kPending), "PENDING");
  EXPECT_EQ(status_name(core::ClaimStatus::kVerified), "VERIFIED");
  EXPECT_EQ(status_name(core::ClaimStatus::kUnconfirmed), "VERIFIED");
  EXPECT_EQ(status_name(core::ClaimStatus::kFailed), "VERIFICATION_TIMED_OUT");
}

TEST(LatticeApiTest, UnknownIdAndForeignArnsAre404) {
  Env env;
  const std::string id = env.started("example.com")["id"];
  expect_error(env.call("GET", "/domainverifications/dv-0123456789abcdef0"), 404,
               "ResourceNotFoundException",
               {{"message", "Domain verification dv-0123456789abcdef0 not found."},
                {"resourceId", "dv-0123456789abcdef0"},
                {"resourceType", "DOMAIN_VERIFICATION"}});
  for (const core::Scope& other :
       {core::Scope{kOtherAccount, "us-east-1"}, core::Scope{kAccount, "eu-west-1"}}) {
    const std::string foreign = arn_of(id, other);
    expect_error(env.call("GET", "/domainverifications/" + enc(foreign)), 404,
                 "ResourceNotFoundException",
                 {{"message", "Domain verification " + foreign + " not found."},
                  {"resourceId", foreign},
                  {"resourceType", "DOMAIN_VERIFICATION"}});
  }
  // The other account cannot see it by id or by its real ARN either.
  Signer other;
  other.key = kOtherKey;
  other.secret = kOtherSecret;
  expect_error_type(env.call("GET", "/domainverifications/" + id, "", other), 404,
                    "ResourceNotFoundException");
  expect_error_type(env.call("GET", "/domainverifications/" + enc(arn_of(id)), "", other), 404,
                    "ResourceNotFoundException");
  expect_error_type(env.call("DELETE", "/domainverifications/" + id, "", other), 404,
                    "ResourceNotFoundException");
  expect_error_type(env.call("GET", "/tags/" + enc(arn_of(id)), "", other), 404,
                    "ResourceNotFoundException");
  expect_ok(env.call("GET", "/domainverifications", "", other), 200, R"({"items":[]})");
  EXPECT_EQ(env.call("GET", "/domainverifications/" + id).status, 200);
}

TEST(LatticeApiTest, MalformedIdentifiersAre400) {
  Env env;
  for (const std::string label :
       {"nope", "dv-123", "dv-0123456789abcdefg", "arn%3Aaws%3As3%3A%3A%3Ab"}) {
    SCOPED_TRACE(label);
    json body = expect_error_type(env.call("GET", "/domainverifications/" + label), 400,
                                  "ValidationException");
    EXPECT_EQ(body["fieldList"][0]["name"], "domainVerificationIdentifier") << body;
  }
  expect_error(env.call("GET", "/domainverifications/%ZZ"), 400, "ValidationException",
               validation("The resource identifier in the path is not valid percent-encoding.", "",
                          "cannotParse"));
}

// ---------------------------------------------------------------------------
// ListDomainVerifications

TEST(LatticeApiTest, ListPagesWithOpaqueTokens) {
  Env env;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(env.started("d" + std::to_string(i) + ".example.com")["id"]);
  std::vector<std::string> seen;
  std::set<std::string> tokens;
  std::string target = "/domainverifications?maxResults=2";
  int pages = 0;
  while (true) {
    http::Response r = env.call("GET", target);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(header(r, "x-amzn-ErrorType"), nullptr);
    json j = json::parse(r.body);
    ++pages;
    ASSERT_TRUE(j["items"].is_array());
    EXPECT_LE(j["items"].size(), 2u);
    for (auto& item : j["items"]) {
      seen.push_back(item["id"]);
      // Summary members.
      EXPECT_EQ(item["createdAt"], kNowText);
      EXPECT_TRUE(item.contains("arn") && item.contains("domainName") && item.contains("status") &&
                  item.contains("txtMethodConfig") && item.contains("tags"))
          << item;
      EXPECT_EQ(item,
                json::parse(
                    env.call("GET", "/domainverifications/" + item["id"].get<std::string>()).body));
    }
    if (!j.contains("nextToken")) break;
    const std::string t = j["nextToken"];
    EXPECT_FALSE(t.empty());
    EXPECT_TRUE(tokens.insert(t).second) << "the same nextToken twice";
    EXPECT_EQ(t.find(ids[0]), std::string::npos);
    target = "/domainverifications?maxResults=2&nextToken=" + enc(t);
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, ids);
  // Query parameter order does not matter; the default page holds all.
  json all = json::parse(env.call("GET", "/domainverifications").body);
  EXPECT_EQ(all["items"].size(), 5u);
  EXPECT_FALSE(all.contains("nextToken"));
}

TEST(LatticeApiTest, ListRejectsBadMaxResultsAndForgedTokens) {
  Env env;
  for (int i = 0; i < 3; ++i) env.started("d" + std::to_string(i) + ".example.com");
  for (const std::string v : {"abc", "1.5", "", "2x"}) {
    SCOPED_TRACE(v);
    expect_error(env.call("GET", "/domainverifications?maxResults=" + v), 400,
                 "ValidationException",
                 validation("1 validation error detected: Value '" + v +
                                "' at 'maxResults' failed to satisfy constraint: Member must be an "
                                "integer",
                            "maxResults"));
  }
  for (const std::string v : {"0", "101", "-1"}) {
    SCOPED_TRACE(v);
    expect_error(env.call("GET", "/domainverifications?maxResults=" + v), 400,
                 "ValidationException",
                 validation("1 validation error detected: Value '" + v +
                                "' at 'maxResults' failed to satisfy constraint: Member must have "
                                "value between 1 and 100",
                            "maxResults"));
  }
  json p1 = json::parse(env.call("GET", "/domainverifications?maxResults=1").body);
  std::string t = p1["nextToken"];
  std::string forged = t;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {forged, std::string("garbage"), t + "x"}) {
    SCOPED_TRACE(bad);
    expect_error(env.call("GET", "/domainverifications?nextToken=" + enc(bad)), 400,
                 "ValidationException", validation("The nextToken is not valid.", "nextToken"));
  }
  // Another account's token is not a key into this account's list, and the
  // other way round.
  Signer other;
  other.key = kOtherKey;
  other.secret = kOtherSecret;
  expect_error(env.call("GET", "/domainverifications?nextToken=" + enc(t), "", other), 400,
               "ValidationException", validation("The nextToken is not valid.", "nextToken"));
  Signer west;
  west.region = "us-west-2";
  expect_error(env.call("GET", "/domainverifications?nextToken=" + enc(t), "", west), 400,
               "ValidationException", validation("The nextToken is not valid.", "nextToken"));
  EXPECT_EQ(env.call("GET", "/domainverifications?nextToken=" + enc(t)).status, 200);
  expect_error(env.call("GET", "/domainverifications?maxResults=%ZZ"), 400, "ValidationException",
               validation("The query string could not be parsed.", "", "cannotParse"));
}

// ---------------------------------------------------------------------------
// DeleteDomainVerification

TEST(LatticeApiTest, DeleteByIdAndArn) {
  Env env;
  const std::string a = env.started("a.example.com")["id"];
  const std::string b = env.started("b.example.com")["id"];
  http::HandlerResult o = env.outcome(env.request("DELETE", "/domainverifications/" + a));
  ASSERT_TRUE(std::holds_alternative<http::Deferred>(o));
  expect_ok(std::get<http::Deferred>(o)(), 200, "{}");
  expect_ok(env.call("DELETE", "/domainverifications/" + enc(arn_of(b))), 200, "{}");
  expect_error(env.call("DELETE", "/domainverifications/" + a), 404, "ResourceNotFoundException",
               {{"message", "Domain verification " + a + " not found."},
                {"resourceId", a},
                {"resourceType", "DOMAIN_VERIFICATION"}});
  expect_error_type(env.call("GET", "/domainverifications/" + b), 404, "ResourceNotFoundException");
  expect_ok(env.call("GET", "/domainverifications"), 200, R"({"items":[]})");
}

// ---------------------------------------------------------------------------
// Tags

TEST(LatticeApiTest, TagUntagListTags) {
  Env env;
  const std::string id = env.started("example.com", {{"tags", {{"a", "1"}}}})["id"];
  const std::string path = "/tags/" + enc(arn_of(id));
  ASSERT_EQ(
      path.rfind(
          "/tags/arn%3Aaws%3Avpc-lattice%3Aus-east-1%3A123456789012%3Adomainverification%2Fdv-", 0),
      0u)
      << path;
  expect_ok(env.call("GET", path), 200, R"({"tags":{"a":"1"}})");
  expect_ok(env.call("POST", path, R"({"tags":{"b":"2","a":"10"}})"), 200, "{}");
  expect_ok(env.call("GET", path), 200, R"({"tags":{"a":"10","b":"2"}})");
  expect_ok(env.call("DELETE", path + "?tagKeys=a&tagKeys=missing"), 200, "{}");
  expect_ok(env.call("GET", path), 200, R"({"tags":{"b":"2"}})");
  // Keys with reserved characters arrive percent-encoded.
  expect_ok(env.call("POST", path, R"({"tags":{"a b/c:d=e+f@g":"x y"}})"), 200, "{}");
  expect_ok(env.call("DELETE", path + "?tagKeys=" + enc("a b/c:d=e+f@g")), 200, "{}");
  expect_ok(env.call("GET", path), 200, R"({"tags":{"b":"2"}})");
  json got = json::parse(env.call("GET", "/domainverifications/" + id).body);
  EXPECT_EQ(got["tags"], json({{"b", "2"}}));
}

TEST(LatticeApiTest, TagErrors) {
  Env env;
  const std::string id = env.started("example.com")["id"];
  const std::string path = "/tags/" + enc(arn_of(id));
  expect_error(env.call("POST", path, "{}"), 400, "ValidationException",
               validation(null_message("tags"), "tags"));
  expect_error(env.call("DELETE", path), 400, "ValidationException",
               validation(null_message("tagKeys"), "tagKeys"));
  expect_error_type(env.call("POST", path, R"({"tags":{"aws:x":"1"}})"), 400,
                    "ValidationException");
  json fifty_one = json::object();
  for (int i = 0; i < 51; ++i) fifty_one["k" + std::to_string(i)] = "v";
  json body = expect_error_type(env.call("POST", path, json{{"tags", fifty_one}}.dump()), 400,
                                "ValidationException");
  EXPECT_EQ(body["fieldList"][0]["name"], "tags");
  std::string keys;
  for (int i = 0; i < 201; ++i)
    keys += (i ? "&" : "?") + std::string("tagKeys=k") + std::to_string(i);
  body = expect_error_type(env.call("DELETE", path + keys), 400, "ValidationException");
  EXPECT_EQ(body["fieldList"][0]["name"], "tagKeys");
  // A well-formed ARN of nothing; another account's ARN.
  const std::string ghost = arn_of("dv-0123456789abcdef0");
  expect_error(env.call("GET", "/tags/" + enc(ghost)), 404, "ResourceNotFoundException",
               {{"message", "Domain verification " + ghost + " not found."},
                {"resourceId", ghost},
                {"resourceType", "DOMAIN_VERIFICATION"}});
  const std::string foreign = arn_of(id, {kOtherAccount, "us-east-1"});
  expect_error_type(env.call("POST", "/tags/" + enc(foreign), R"({"tags":{"k":"v"}})"), 404,
                    "ResourceNotFoundException");
  expect_error_type(env.call("DELETE", "/tags/" + enc(foreign) + "?tagKeys=k"), 404,
                    "ResourceNotFoundException");
  // A bare id is not an ARN.
  body = expect_error_type(env.call("GET", "/tags/" + id), 400, "ValidationException");
  EXPECT_EQ(body["fieldList"][0]["name"], "resourceArn");
  expect_ok(env.call("GET", path), 200, R"({"tags":{}})");
}

// ---------------------------------------------------------------------------
// Routing

TEST(LatticeApiTest, OwnsItsRoutesOnly) {
  EXPECT_TRUE(LatticeApi::owns("/domainverifications"));
  EXPECT_TRUE(LatticeApi::owns("/domainverifications/"));
  EXPECT_TRUE(LatticeApi::owns("/domainverifications/dv-0123456789abcdef0"));
  EXPECT_TRUE(LatticeApi::owns("/tags/arn%3Aaws"));
  EXPECT_FALSE(LatticeApi::owns("/"));
  EXPECT_FALSE(LatticeApi::owns("/domainverificationsx"));
  EXPECT_FALSE(LatticeApi::owns("/tags"));
  EXPECT_FALSE(LatticeApi::owns("/_vouch/health"));
  EXPECT_FALSE(LatticeApi::owns("/services"));
}

TEST(LatticeApiTest, EveryRouteAndMethod) {
  Env env;
  const std::string id = env.started("example.com")["id"];
  const std::string tags = "/tags/" + enc(arn_of(id));
  const json unknown{{"message", "Unknown operation"}};
  struct Case {
    std::string method, target, body;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET", "/domainverifications", "", 200},
      {"GET", "/domainverifications/", "", 200},
      {"GET", "/domainverifications/" + id, "", 200},
      {"GET", "/domainverifications/" + enc(arn_of(id)), "", 200},
      {"GET", tags, "", 200},
      {"POST", tags, R"({"tags":{"k":"v"}})", 200},
      {"DELETE", tags + "?tagKeys=k", "", 200},
      {"POST", "/domainverifications", R"({"domainName":"new.example.com"})", 201},
      // Unknown methods and routes.
      {"PUT", "/domainverifications", "", 404},
      {"DELETE", "/domainverifications", "", 404},
      {"PATCH", "/domainverifications", "", 404},
      {"HEAD", "/domainverifications", "", 404},
      {"POST", "/domainverifications/" + id, "{}", 404},
      {"PUT", "/domainverifications/" + id, "{}", 404},
      {"PATCH", "/domainverifications/" + id, "{}", 404},
      {"PUT", tags, "{}", 404},
      {"PATCH", tags, "{}", 404},
      {"GET", "/domainverifications/" + id + "/extra", "", 404},
      {"GET", "/domainverifications/" + id + "/", "", 404},
      {"GET", "/tags/", "", 404},
      {"GET", "/tags/a/b", "", 404},
      {"GET", "/domainverifications//" + id, "", 404},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target);
    http::Response r = env.call(c.method, c.target, c.body);
    if (c.status == 404) {
      expect_error(r, 404, "UnknownOperationException", unknown);
    } else {
      EXPECT_EQ(r.status, c.status) << r.body;
      EXPECT_EQ(header(r, "x-amzn-ErrorType"), nullptr) << r.body;
    }
  }
  // DELETE by id last (it removes the verification).
  expect_ok(env.call("DELETE", "/domainverifications/" + id), 200, "{}");
}

// ---------------------------------------------------------------------------
// Throttling

TEST(LatticeApiTest, ThrottlingIs429WithRetryAfter) {
  Env env({{"StartDomainVerification", 1.0}});
  EXPECT_EQ(env.start({{"domainName", "a.example.com"}}).status, 201);
  http::Response r = env.start({{"domainName", "b.example.com"}});
  expect_error(r, 429, "ThrottlingException",
               {{"message", "Rate exceeded"}, {"serviceCode", "vpc-lattice"}});
  const std::string* retry = header(r, "Retry-After");
  ASSERT_NE(retry, nullptr);
  EXPECT_EQ(*retry, "1");
  // Unconfigured operations are not limited.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(env.call("GET", "/domainverifications").status, 200);
  env.clock.advance(1s);
  EXPECT_EQ(env.start({{"domainName", "b.example.com"}}).status, 201);
}

TEST(LatticeApiTest, NoLimitsUnlessConfigured) {
  Env env;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(env.start({{"domainName", "d" + std::to_string(i) + ".example.com"}}).status, 201);
  }
}

// ---------------------------------------------------------------------------
// Authentication (restJson1 codes, 5 minute window)

TEST(LatticeApiTest, MissingAuthentication) {
  Env env;
  http::Request req{"GET", "/domainverifications", {{"Host", "localhost"}}, "", ""};
  expect_error(env.run(req), 403, "MissingAuthenticationTokenException",
               {{"message", "Missing Authentication Token"}});
}

TEST(LatticeApiTest, WrongSecretIsInvalidSignature) {
  Env env;
  Signer bad;
  bad.secret = "not-the-secret";
  expect_error(env.call("GET", "/domainverifications", "", bad), 403, "InvalidSignatureException",
               {{"message", kMismatch}});
  // A body changed after signing.
  http::Request req = env.request("POST", "/domainverifications",
                                  R"({"domainName":"a.example.com"})");
  req.body = R"({"domainName":"b.example.com"})";
  expect_error_type(env.run(req), 403, "InvalidSignatureException");
  // A path changed after signing.
  req = env.request("GET", "/domainverifications/dv-0123456789abcdef0");
  req.target = "/domainverifications/dv-0123456789abcdef1";
  expect_error(env.run(req), 403, "InvalidSignatureException", {{"message", kMismatch}});
  expect_ok(env.call("GET", "/domainverifications"), 200, R"({"items":[]})");
}

TEST(LatticeApiTest, UnknownKeyIsUnrecognizedClient) {
  Env env;
  Signer bad;
  bad.key = "AKIAUNKNOWNKEY000000";
  expect_error(env.call("GET", "/domainverifications", "", bad), 403, "UnrecognizedClientException",
               {{"message", "The security token included in the request is invalid."}});
}

// A key store that cannot answer: a 500 InternalServerException (never a
// 403), its cause logged once with the request id and kept off the wire.
TEST(LatticeApiTest, StoreFailureIsInternalServerExceptionNotUnknownKey) {
  Env env;
  Signer unknown;
  unknown.key = "AKIAUNKNOWNKEY000000";
  // Positive control: with the store up, an unknown key is a 403.
  expect_error(env.call("GET", "/domainverifications", "", unknown), 403,
               "UnrecognizedClientException",
               {{"message", "The security token included in the request is invalid."}});

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((env.dir.path() + "/vouch.db").c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "DROP TABLE accounts", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ::testing::internal::CaptureStderr();
  http::Response r = env.call("GET", "/domainverifications");
  const std::string log = ::testing::internal::GetCapturedStderr();
  expect_error(r, 500, "InternalServerException", {{"message", "An internal error occurred."}});
  EXPECT_NE(log.find("request 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9: credential lookup failed: "),
            std::string::npos)
      << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  Signer other;
  other.key = "AKIAUNKNOWNKEY000001";
  EXPECT_EQ(env.call("GET", "/domainverifications", "", other).status, 500);
}

TEST(LatticeApiTest, MalformedAuthorizationIsIncompleteSignature) {
  Env env;
  http::Request req = env.request("GET", "/domainverifications");
  for (auto& h : req.headers) {
    if (http::iequals(h.name, "Authorization")) h.value = "AWS4-HMAC-SHA256 Signature=abc";
  }
  expect_error_type(env.run(req), 403, "IncompleteSignatureException");
}

TEST(LatticeApiTest, SkewWindowIsFiveMinutes) {
  Env env;
  EXPECT_EQ(env.run(env.request("GET", "/domainverifications", "", {}, kNow - 4min)).status, 200);
  EXPECT_EQ(env.run(env.request("GET", "/domainverifications", "", {}, kNow + 4min)).status, 200);
  json old = expect_error_type(
      env.run(env.request("GET", "/domainverifications", "", {}, kNow - 6min)), 403,
      "InvalidSignatureException");
  EXPECT_NE(old["message"].get<std::string>().find("Signature expired"), std::string::npos) << old;
  EXPECT_NE(old["message"].get<std::string>().find("- 5 min."), std::string::npos) << old;
  json future = expect_error_type(
      env.run(env.request("GET", "/domainverifications", "", {}, kNow + 6min)), 403,
      "InvalidSignatureException");
  EXPECT_NE(future["message"].get<std::string>().find("Signature not yet current"),
            std::string::npos)
      << future;
}

TEST(LatticeApiTest, SesScopedSignatureIsRejected) {
  Env env;
  Signer ses;
  ses.service = "ses";
  json body = expect_error_type(env.call("GET", "/domainverifications", "", ses), 403,
                                "InvalidSignatureException");
  EXPECT_NE(body["message"].get<std::string>().find("vpc-lattice"), std::string::npos) << body;
}

TEST(LatticeApiTest, SignedWithoutContentSha256AsBotocoreDoes) {
  Env env;
  Signer plain;
  plain.content_sha256 = false;
  EXPECT_EQ(env.start({{"domainName", "example.com"}}, plain).status, 201);
}

TEST(LatticeApiTest, AuthIsCheckedBeforeRouting) {
  Env env;
  http::Request req{"PUT", "/domainverifications/x/y", {{"Host", "localhost"}}, "", ""};
  expect_error_type(env.run(req), 403, "MissingAuthenticationTokenException");
}

// ---------------------------------------------------------------------------
// Never a 500

TEST(LatticeApiTest, OddInputsNeverAnswer5xx) {
  Env env;
  const std::string id = env.started("example.com")["id"];
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"GET", "/domainverifications/" + enc(std::string(3000, 'a'))},
      {"GET", "/domainverifications/" +
                  enc("arn:aws:vpc-lattice:us-east-1:123456789012:domainverification/")},
      {"GET", "/domainverifications/" + enc("arn:aws:vpc-lattice:::")},
      {"GET", "/domainverifications/" + enc("arn:::::")},
      {"GET", "/domainverifications/%00"},
      {"GET", "/domainverifications/%C3%28"},
      {"GET", "/tags/" + enc("arn:aws:vpc-lattice:us-east-1:123456789012:")},
      {"GET", "/tags/" + enc("arn:aws:vpc-lattice:us-east-1:123456789012:domainverification/")},
      {"GET", "/tags/%"},
      {"DELETE", "/tags/" + enc(arn_of(id)) + "?tagKeys="},
      {"DELETE", "/tags/" + enc(arn_of(id)) + "?tagKeys=%FF"},
      {"GET", "/domainverifications?maxResults=99999999999999999999"},
      {"GET", "/domainverifications?nextToken="},
      {"GET", "/domainverifications?nextToken=%00"},
      {"GET", "/domainverifications?maxResults=1&maxResults=2"},
      {"GET", "/domainverifications?&&=&"},
  };
  for (const auto& [m, t] : targets) {
    SCOPED_TRACE(m + " " + t);
    http::Response r = env.call(m, t);
    EXPECT_GE(r.status, 200);
    EXPECT_LT(r.status, 500) << r.body;
    if (r.status >= 400) expect_error_type(r, r.status, *header(r, "x-amzn-ErrorType"));
  }
  const std::vector<std::string> bodies = {
      R"({"domainName":"\u0000.example.com"})",
      R"({"domainName":"example.com","tags":{"k":null}})",
      R"({"domainName":"example.com","tags":{"":"v"}})",
      R"({"domainName":"example.com","tags":"x"})",
      R"({"domainName":"\ud800.com"})",
      R"({"domainName":"a.com","clientToken":"\u00e9\u00e9\u00e9"})",
      R"({"domainName":{"nested":true}})",
      "{\"domainName\":\"" + std::string(100000, 'a') + ".com\"}",
      "{\"domainName\":\"\xC3\x28.example.com\"}",
  };
  for (const auto& b : bodies) {
    SCOPED_TRACE(b.substr(0, 80));
    http::Response r = env.call("POST", "/domainverifications", b);
    EXPECT_LT(r.status, 500) << r.body;
    EXPECT_NE(r.status, 201) << r.body;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "the error body must be valid JSON: " << r.body;
  }
}

}  // namespace
}  // namespace vouch::api::lattice
