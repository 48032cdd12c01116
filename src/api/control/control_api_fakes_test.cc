// ControlApi over service::ClaimAdmin with fake checks and DNS: what each
// route renders from the service's typed detail, and how the service's
// errors reach the wire.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "api/api_test_util.h"
#include "api/control/control_api.h"
#include "auth/sigv4.h"
#include "core/evidence_json.h"
#include "service/accounts.h"
#include "testing/fake_checks.h"
#include "testing/instant_resolver.h"
#include "testing/temp_dir.h"

namespace vouch::api::control {
namespace {

using nlohmann::json;

const core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 2026-01-01T00:30:00Z
constexpr char kKey[] = "AKIAVOUCHCONTROLFAKE";
constexpr char kSecret[] = "control-fake-secret";
const core::Scope kScope{"123456789012", "us-east-1"};

class ControlApiFakesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test_util::open_sqlite(dir_.file("vouch.db"));
    ASSERT_TRUE(store_->put_account({kScope.account_id, kKey, kSecret}).ok());
    checks_.store = store_.get();
    accounts_ = std::make_unique<service::Accounts>(*store_);
    auth_ = std::make_unique<Authenticator>(*accounts_, clock_, AuthSettings{});
    claims_ = std::make_unique<service::ClaimAdmin>(*store_, checks_, resolver_);
  }

  ControlApi api(core::ManualClock* test_clock = nullptr) {
    return ControlApi(*claims_, *auth_, test_clock);
  }

  core::Claim insert(const std::string& domain) {
    core::Claim c;
    c.id = "id-" + std::string(20 - domain.size() % 10, '0') + std::to_string(domain.size() % 10);
    c.scope = kScope;
    c.subject = domain;
    c.record_name = "_amazonses." + domain;
    c.token = "TOKEN=";
    c.created_at = kNow;
    c.deadline = kNow + core::kDomainWindow;
    auto in = store_->insert_claim(c);
    EXPECT_TRUE(in.ok());
    return in.ok() ? *in : c;
  }

  core::Evidence quoted(const core::Claim& c) {
    core::Evidence e;
    e.at = kNow;
    e.record_name = c.record_name;
    e.expected = c.token;
    e.quorum = 1;
    e.outcome = core::CheckOutcome::kAbsent;
    e.perspectives = {
        {"127.0.0.1:53", core::PerspectiveEvidence::Result::kWrong, {"\"TOKEN=\""}, "TXT records"}};
    return e;
  }

  // Runs `method target` signed, through any Deferred or Async step.
  http::Response run(ControlApi& api, const std::string& method, const std::string& target) {
    http::Request req = test_util::signed_request(
        method, target, "", {kKey, kSecret, kScope.region, "vouch"}, clock_.now(), "");
    return finish(api.handle(req));
  }
  static http::Response finish(http::HandlerResult o) {
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    if (auto* a = std::get_if<http::Async>(&o)) {
      std::optional<http::Response> out;
      a->start([&out](http::Response r) { out = std::move(r); });
      return out.value_or(http::Response{599, "", {}, "no answer"});
    }
    return std::get<http::Response>(std::move(o));
  }
  static std::string error_type(const http::Response& r) {
    for (const auto& h : r.headers) {
      if (http::iequals(h.name, "x-amzn-ErrorType")) return h.value;
    }
    return "";
  }

  testing::TempDir dir_;
  core::ManualClock clock_{kNow};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  testing::InstantResolver resolver_;
  testing::FakeChecks checks_;
  std::unique_ptr<service::Accounts> accounts_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<service::ClaimAdmin> claims_;
};

TEST_F(ControlApiFakesTest, DetailShowsTheStoredEvidenceAsStoredAndTheDiagnosis) {
  auto control = api();
  core::Claim c = insert("quoted.example");
  const std::string text = core::evidence_text(quoted(c));
  ASSERT_TRUE(store_->record_check(c, text, std::nullopt).ok());
  http::Response r = run(control, "GET", "/_vouch/claims/" + c.id);
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body.at("evidence"), json::parse(text));  // decoded once, shown the same
  ASSERT_EQ(body.at("diagnosis").size(), 1u);
  EXPECT_NE(body.at("diagnosis")[0].get<std::string>().find("quotation marks"), std::string::npos);
  EXPECT_EQ(body.at("record").at("zone_file_line"),
            "_amazonses.quoted.example. 300 IN TXT \"TOKEN=\"");
  EXPECT_EQ(body.at("wire_status"), "Pending");
  EXPECT_EQ(body.at("mail"), json::array());
  EXPECT_EQ(resolver_.asked.size(), 2u);  // not found: both probes asked
}

TEST_F(ControlApiFakesTest, CheckRendersTheCheckersEvidence) {
  auto control = api();
  core::Claim c = insert("check.example");
  checks_.evidence = quoted(c);
  http::Response r = run(control, "POST", "/_vouch/claims/" + c.id + "/check");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("evidence"), core::evidence_to_json(quoted(c)));
}

TEST_F(ControlApiFakesTest, ServiceErrorsAreLatticeShapedErrors) {
  auto control = api();
  core::Claim c = insert("errors.example");
  checks_.error = core::Error{core::ErrorCode::kThrottled, "Rate exceeded", c.id, {}};
  http::Response r = run(control, "POST", "/_vouch/claims/" + c.id + "/check");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(error_type(r), "ThrottlingException");
  checks_.error = core::Error{core::ErrorCode::kUnavailable, "db busy", {}, {}};
  r = run(control, "POST", "/_vouch/claims/" + c.id + "/check");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(error_type(r), "InternalServerException");
  r = run(control, "GET", "/_vouch/claims/id-99999999999999999999");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_type(r), "ResourceNotFoundException");
  EXPECT_EQ(run(control, "GET", "/_vouch/claims/" + c.id).status, 200);  // positive control
}

TEST_F(ControlApiFakesTest, ListingShowsSummaries) {
  auto control = api();
  core::Claim c = insert("list.example");
  http::Response r = run(control, "GET", "/_vouch/claims");
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  ASSERT_EQ(body.at("claims").size(), 1u);
  EXPECT_EQ(body.at("claims")[0].at("id"), c.id);
  EXPECT_EQ(body.at("claims")[0].at("kind"), "ses_domain");
  EXPECT_TRUE(body.at("claims")[0].at("last_checked_at").is_null());  // not checked yet
  EXPECT_FALSE(body.contains("next_after"));
  r = run(control, "GET", "/_vouch/claims?after=" + std::to_string(c.seq));
  EXPECT_EQ(json::parse(r.body).at("claims").size(), 0u);
}

TEST_F(ControlApiFakesTest, ListingFiltersByStatusKindAndNamePrefixAPageAtATime) {
  auto control = api();
  insert("a.example");
  core::Claim two = insert("ab.example");
  two.status = core::ClaimStatus::kVerified;
  ASSERT_TRUE(store_->update_claim(two).ok());
  insert("bcd.example");
  auto subjects = [&](const std::string& query) {
    http::Response r = run(control, "GET", "/_vouch/claims?" + query);
    std::vector<std::string> out;
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    const json body = r.status == 200 ? json::parse(r.body) : json::object();
    for (const auto& c : body.value("claims", json::array())) out.push_back(c.at("subject"));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(subjects("q=a"), (V{"a.example", "ab.example"}));
  EXPECT_EQ(subjects("status=verified"), V{"ab.example"});
  EXPECT_EQ(subjects("kind=ses_domain&q=bc"), V{"bcd.example"});
  EXPECT_EQ(subjects("kind=ses_email"), V{});
  EXPECT_EQ(subjects(""), (V{"a.example", "ab.example", "bcd.example"}));  // the control
  http::Response first = run(control, "GET", "/_vouch/claims?limit=2");
  json body = json::parse(first.body);
  ASSERT_EQ(body.at("claims").size(), 2u);
  ASSERT_TRUE(body.contains("next_after"));
  EXPECT_EQ(subjects("limit=2&after=" + std::to_string(body.at("next_after").get<int64_t>())),
            V{"bcd.example"});
  http::Response bad = run(control, "GET", "/_vouch/claims?status=Success");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(error_type(bad), "ValidationException");
}

TEST_F(ControlApiFakesTest, TestRoutesReachTheServiceOnlyInTestMode) {
  core::ManualClock test_clock{kNow};
  auto control = api(&test_clock);
  insert("reset.example");
  http::Request due{"POST", "/_vouch/test/run-due-checks", {}, "", "rid"};
  http::Response r = finish(control.handle(due));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(checks_.runs, 1u);
  EXPECT_EQ(json::parse(r.body).at("checked"), 1);
  http::Request reset{"POST", "/_vouch/test/reset", {}, "", "rid"};
  EXPECT_EQ(finish(control.handle(reset)).status, 200);
  EXPECT_EQ(json::parse(run(control, "GET", "/_vouch/claims").body).at("claims").size(), 0u);
  auto production = api();
  http::Request again{"POST", "/_vouch/test/run-due-checks", {}, "", "rid"};
  EXPECT_EQ(finish(production.handle(again)).status, 404);
}

}  // namespace
}  // namespace vouch::api::control
