#include "api/access_log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_test_util.h"
#include "core/log.h"
#include "testing/temp_dir.h"

namespace vouch::api {
namespace {

using nlohmann::json;

constexpr char kKey[] = "AKIDACCESSLOG0000001";
constexpr char kSecret[] = "access-log-secret-never-logged";
const core::TimePoint kNow{std::chrono::seconds(1700000000)};

http::Request request(std::string method, std::string target, std::string body = "") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

TEST(NameRequestTest, EachApiAndOperation) {
  const std::vector<std::tuple<std::string, std::string, std::string, std::string, std::string>>
      cases = {
          {"POST", "/", "Action=VerifyDomainDkim&Domain=a.com", "ses", "VerifyDomainDkim"},
          {"POST", "/", "Action=Bad%0Aline", "ses", "unknown"},
          {"POST", "/v2/email/identities", "", "sesv2", "CreateEmailIdentity"},
          {"GET", "/v2/email/identities?PageSize=3", "", "sesv2", "ListEmailIdentities"},
          {"GET", "/v2/email/identities/a.com", "", "sesv2", "GetEmailIdentity"},
          {"PUT", "/v2/email/identities/a.com/dkim/signing", "", "sesv2",
           "PutEmailIdentityDkimSigningAttributes"},
          {"DELETE", "/v2/email/tags?ResourceArn=x", "", "sesv2", "UntagResource"},
          {"POST", "/domainverifications", "", "lattice", "StartDomainVerification"},
          {"GET", "/domainverifications/dv-1", "", "lattice", "GetDomainVerification"},
          {"GET", "/_vouch/claims", "", "admin", "vouch:ListClaims"},
          {"POST", "/_vouch/claims/id-1/check", "", "admin", "vouch:CheckClaim"},
          {"GET", "/_vouch/verify-email?token=SECRET", "", "mail", "vouch:ShowEmailLink"},
          {"POST", "/_vouch/test/run-due-checks", "", "test", "vouch:RunDueChecks"},
          {"GET", "/nowhere", "", "unknown", "unknown"},
      };
  for (const auto& [method, target, body, api, op] : cases) {
    const RequestName n = name_request(request(method, target, body));
    EXPECT_EQ(n.api, api) << method << " " << target;
    EXPECT_EQ(n.operation, op) << method << " " << target;
  }
}

class AccessLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test_util::open_sqlite(dir_.file("vouch.db"));
    ASSERT_TRUE(store_->put_account({"123456789012", kKey, kSecret}).ok());
    accounts_ = std::make_unique<service::Accounts>(*store_);
    core::configure_log({core::LogLevel::kError, core::LogFormat::kText, nullptr,
                         [this](std::string_view l) { lines_.emplace_back(l); }});
  }
  void TearDown() override { core::configure_log({}); }

  http::Request signed_get(const std::string& target) {
    auto r = test_util::signed_request("GET", target, "", {kKey, kSecret, "us-east-1", "ses"}, kNow,
                                       "");
    r.request_id = "req-1";
    return r;
  }

  json only_line() {
    EXPECT_EQ(lines_.size(), 1u);
    return lines_.empty() ? json() : json::parse(lines_.back());
  }

  vouch::testing::TempDir dir_;
  core::ManualClock clock_{kNow};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<service::Accounts> accounts_;
  std::vector<std::string> lines_;
};

TEST_F(AccessLogTest, OneJsonLinePerRequestWithTheAccount) {
  AccessLog log(*accounts_, clock_, false);
  auto handler = log.wrap([this](http::Request&) -> http::HandlerResult {
    clock_.advance(std::chrono::milliseconds(25));
    return http::Response{200, "application/json", {}, "{}"};
  });
  auto req = signed_get("/_vouch/claims");
  handler(req);
  json j = only_line();
  EXPECT_EQ(j["event"], "request");
  EXPECT_EQ(j["request_id"], "req-1");
  EXPECT_EQ(j["account"], "123456789012");
  EXPECT_EQ(j["api"], "admin");
  EXPECT_EQ(j["operation"], "vouch:ListClaims");
  EXPECT_EQ(j["status"], 200);
  EXPECT_DOUBLE_EQ(j["latency_ms"].get<double>(), 25.0);
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20.025Z");
  // Whatever the request carried, none of it is in the line.
  EXPECT_EQ(lines_[0].find("Signature"), std::string::npos);
  EXPECT_EQ(lines_[0].find(kSecret), std::string::npos);
}

TEST_F(AccessLogTest, DeferredAndAsyncAreLoggedWhenAnswered) {
  AccessLog log(*accounts_, clock_, false);
  auto deferred = log.wrap([](http::Request&) -> http::HandlerResult {
    return http::Deferred([] { return http::Response{404, "", {}, ""}; });
  });
  auto req = signed_get("/v2/email/identities/a.com");
  auto result = deferred(req);
  EXPECT_TRUE(lines_.empty());  // not answered yet
  std::get<http::Deferred>(result)();
  EXPECT_EQ(only_line()["status"], 404);
  EXPECT_EQ(only_line()["operation"], "GetEmailIdentity");

  lines_.clear();
  auto async = log.wrap([](http::Request&) -> http::HandlerResult {
    return http::Async{[](http::Done done) { done(http::Response{200, "", {}, ""}); }};
  });
  req = signed_get("/_vouch/claims/id-1");
  result = async(req);
  int answered = 0;
  std::get<http::Async>(result).start([&](http::Response r) { answered = r.status; });
  EXPECT_EQ(answered, 200);
  EXPECT_EQ(only_line()["operation"], "vouch:GetClaim");
}

TEST_F(AccessLogTest, ARefusedSignatureOrUnsignedRequestNamesNoAccount) {
  AccessLog log(*accounts_, clock_, false);
  auto refuse = log.wrap([](http::Request&) -> http::HandlerResult {
    return http::Response{403, "", {}, ""};
  });
  auto req = signed_get("/_vouch/claims");
  refuse(req);
  EXPECT_TRUE(only_line()["account"].is_null());
  lines_.clear();
  auto ok = log.wrap([](http::Request&) -> http::HandlerResult {
    return http::Response{200, "", {}, ""};
  });
  auto health = request("GET", "/_vouch/health");
  ok(health);
  EXPECT_TRUE(only_line()["account"].is_null());
  EXPECT_EQ(only_line()["api"], "health");
}

}  // namespace
}  // namespace vouch::api
