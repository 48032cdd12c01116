// The admin routes that look up DNS live (GET /_vouch/claims/{id}, POST
// .../check): they answer through http::Async, so no thread waits while the
// lookups are out; each route is rate-limited per account and Region; at
// most AdminLimits::max_live run at once.
#include "api/control/control_api.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "auth/sigv4.h"
#include "service/accounts.h"
#include "service/identity_service.h"
#include "service/page_token.h"
#include "scheduler/scheduler.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::api::control {
namespace {

const core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 2026-01-01T00:30:00Z
constexpr char kKey[] = "AKIAVOUCHCONTROLTEST";
constexpr char kSecret[] = "control-secret";
const core::Scope kScope{"123456789012", "us-east-1"};

// Holds every lookup until released: DNS that is slow to answer.
class HeldResolver final : public core::DnsResolver {
 public:
  void lookup(const std::string& name, core::RecordType,
              std::function<void(std::vector<core::DnsAnswer>)> done) override {
    std::lock_guard lock(mu_);
    held_.emplace_back(name, std::move(done));
    cv_.notify_all();
  }
  // Waits (20 s at most) until `n` lookups are held.
  size_t wait_held(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [&] { return held_.size() >= n; });
    return held_.size();
  }
  size_t perspectives() const override { return 1; }
  size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  // Answers every held lookup with `value` as its one TXT record.
  void release(const std::string& value) {
    std::vector<std::pair<std::string, std::function<void(std::vector<core::DnsAnswer>)>>> now;
    {
      std::lock_guard lock(mu_);
      now.swap(held_);
    }
    for (auto& [name, done] : now) {
      core::DnsAnswer a;
      a.resolver = "127.0.0.1:53";
      a.kind = core::DnsAnswer::Kind::kRecords;
      a.records = {value};
      done({a});
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::function<void(std::vector<core::DnsAnswer>)>>> held_;
};

// What an Async outcome answered, once it has.
struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<http::Response> response;
  http::Done done() {
    return [this](http::Response r) {
      std::lock_guard lock(mu);
      response = std::move(r);
      cv.notify_all();
    };
  }
  bool has() {
    std::lock_guard lock(mu);
    return response.has_value();
  }
  http::Response wait() {  // for answers given on a recording thread
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(20), [this] { return response.has_value(); });
    return response.value_or(http::Response{599, "", {}, "no answer"});
  }
};

class ControlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::sqlite::SqliteStore::open(dir_.file("vouch.db"));
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    ASSERT_TRUE(store_->put_account({kScope.account_id, kKey, kSecret}).ok());
    accounts_ = std::make_unique<service::Accounts>(*store_);
    auth_ = std::make_unique<Authenticator>(*accounts_, clock_, AuthSettings{});
    identities_ = std::make_unique<service::IdentityService>(*store_, clock_, random_, unlimited_,
                                                             tokens_);
    scheduler_ = std::make_unique<scheduler::Scheduler>(*store_, resolver_, clock_,
                                                        scheduler::SchedulerOptions{});
  }
  void TearDown() override {
    control_.reset();
    scheduler_.reset();
  }

  ControlApi& control(AdminLimits limits) {
    claims_ = std::make_unique<service::ClaimAdmin>(*store_, *scheduler_, resolver_);
    control_ = std::make_unique<ControlApi>(*claims_, *auth_, nullptr, limits);
    return *control_;
  }

  std::string new_claim(const std::string& domain, const std::string& region = kScope.region) {
    EXPECT_TRUE(identities_->verify_domain({kScope.account_id, region}, domain).ok());
    auto claims = store_->find_claims({kScope.account_id, region}, core::ClaimKind::kSesDomain,
                                      {domain});
    EXPECT_TRUE(claims.ok() && claims->size() == 1);
    return claims.ok() && !claims->empty() ? (*claims)[0].id : "";
  }

  http::Request signed_request(const std::string& method, const std::string& target,
                               const std::string& region = kScope.region) {
    auth::SignInput in;
    in.method = method;
    in.target = target;
    in.region = region;
    in.service = "vouch";
    in.access_key_id = kKey;
    in.secret_access_key = kSecret;
    in.when = clock_.now();
    http::Request req{method, target, {}, "", "rid"};
    for (auto& h : auth::sign(in)) req.headers.push_back({h.name, h.value});
    return req;
  }

  http::HandlerResult outcome(ControlApi& api, const std::string& method, const std::string& target,
                              const std::string& region = kScope.region) {
    http::Request req = signed_request(method, target, region);
    return api.handle(req);
  }

  // Starts an Async outcome on this thread, as the server's pool would.
  static void start(http::HandlerResult o, Answer& a) {
    auto* async = std::get_if<http::Async>(&o);
    ASSERT_NE(async, nullptr) << "not an Async outcome";
    async->start(a.done());
  }

  static std::string error_type(const http::Response& r) {
    for (const auto& h : r.headers) {
      if (http::iequals(h.name, "x-amzn-ErrorType")) return h.value;
    }
    return "";
  }

  testing::TempDir dir_;
  core::ManualClock clock_{kNow};
  core::SeededRandom random_{7};
  service::RateLimiter unlimited_{clock_, {}};
  service::PageTokens tokens_{std::string(32, 't')};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<service::Accounts> accounts_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<service::IdentityService> identities_;
  HeldResolver resolver_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<service::ClaimAdmin> claims_;
  std::unique_ptr<ControlApi> control_;
};

// Starting the route returns at once with the lookups out: the thread that
// started it (the server's blocking pool, which durable writes share) is
// free again; the answer comes when DNS does.
TEST_F(ControlApiTest, GetClaimHoldsNoThreadWhileItsLookupsAreOut) {
  auto& api = control({});
  const std::string id = new_claim("slow.example");
  Answer a;
  start(outcome(api, "GET", "/_vouch/claims/" + id), a);
  EXPECT_EQ(resolver_.held(), 2u);  // the doubled-zone name and the bare domain
  EXPECT_FALSE(a.has());
  // Meanwhile this thread writes (what the pool's other work is).
  EXPECT_TRUE(identities_->verify_domain(kScope, "other.example").ok());
  resolver_.release("seen-at-probe");
  ASSERT_TRUE(a.has());
  EXPECT_EQ(a.response->status, 200) << a.response->body;
  auto body = nlohmann::json::parse(a.response->body);
  EXPECT_EQ(body.at("id"), id);
}

TEST_F(ControlApiTest, CheckClaimHoldsNoThreadWhileTheCheckAndProbesAreOut) {
  auto& api = control({});
  const std::string id = new_claim("check.example");
  Answer a;
  start(outcome(api, "POST", "/_vouch/claims/" + id + "/check"), a);
  EXPECT_EQ(resolver_.held(), 1u);  // the check's own lookup
  EXPECT_FALSE(a.has());
  resolver_.release("not-the-token");  // recorded on a writer, then the probes go out
  EXPECT_EQ(resolver_.wait_held(2), 2u);
  EXPECT_FALSE(a.has());
  resolver_.release("not-the-token");
  http::Response r = a.wait();
  EXPECT_EQ(r.status, 200) << r.body;
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body.at("id"), id);
  ASSERT_TRUE(body.contains("evidence")) << r.body;
}

TEST_F(ControlApiTest, EachRouteIsRateLimitedPerAccountAndRegion) {
  service::RateLimiter limiter(clock_, {{kGetClaimOperation, 1.0}, {kCheckClaimOperation, 1.0}});
  auto& api = control({&limiter, 128});
  const std::string id = new_claim("rate.example");
  const std::string other = new_claim("rate.example", "eu-west-1");
  auto is_async = [](const http::HandlerResult& o) {
    return std::holds_alternative<http::Async>(o);
  };
  EXPECT_TRUE(is_async(outcome(api, "GET", "/_vouch/claims/" + id)));
  http::HandlerResult second = outcome(api, "GET", "/_vouch/claims/" + id);
  ASSERT_TRUE(std::holds_alternative<http::Response>(second));
  const auto& r = std::get<http::Response>(second);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(error_type(r), "ThrottlingException");
  EXPECT_EQ(nlohmann::json::parse(r.body).at("message"), "Rate exceeded");
  // The check route has its own bucket, another Region too.
  EXPECT_TRUE(is_async(outcome(api, "POST", "/_vouch/claims/" + id + "/check")));
  EXPECT_FALSE(is_async(outcome(api, "POST", "/_vouch/claims/" + id + "/check")));
  EXPECT_TRUE(is_async(outcome(api, "GET", "/_vouch/claims/" + other, "eu-west-1")));
  clock_.advance(std::chrono::seconds(1));
  EXPECT_TRUE(is_async(outcome(api, "GET", "/_vouch/claims/" + id)));
}

TEST_F(ControlApiTest, AtMostMaxLiveRunAtOnce) {
  auto& api = control({nullptr, 2});
  const std::string id = new_claim("bound.example");
  Answer first, second;
  start(outcome(api, "GET", "/_vouch/claims/" + id), first);
  start(outcome(api, "GET", "/_vouch/claims/" + id), second);
  http::HandlerResult third = outcome(api, "GET", "/_vouch/claims/" + id);
  ASSERT_TRUE(std::holds_alternative<http::Response>(third));
  EXPECT_EQ(std::get<http::Response>(third).status, 429);
  EXPECT_EQ(error_type(std::get<http::Response>(third)), "ThrottlingException");
  resolver_.release("x");  // both answer, and give their slots back
  ASSERT_TRUE(first.has() && second.has());
  EXPECT_EQ(first.response->status, 200);
  Answer fourth;
  start(outcome(api, "GET", "/_vouch/claims/" + id), fourth);
  resolver_.release("x");
  ASSERT_TRUE(fourth.has());
  EXPECT_EQ(fourth.response->status, 200);
}

// POST /_vouch/test/claims/{id}/status: signed, test mode only; any API's
// name for a status; 400 for another; 404 for another account's claim.
TEST_F(ControlApiTest, TestModeSetsAClaimsStatus) {
  const std::string id = new_claim("status.example");
  claims_ = std::make_unique<service::ClaimAdmin>(*store_, *scheduler_, resolver_);
  ControlApi test_mode(*claims_, *auth_, &clock_, {});
  auto post = [&](ControlApi& api, const std::string& claim, const std::string& body,
                  const std::string& key = kKey, const std::string& secret = kSecret) {
    auth::SignInput in{"POST",     "/_vouch/test/claims/" + claim + "/status",
                       body,       kScope.region,
                       "vouch",    key,
                       secret,     clock_.now(),
                       {},         false,
                       "localhost"};
    http::Request req{in.method, in.target, {}, body, "rid"};
    for (auto& h : auth::sign(in)) req.headers.push_back({h.name, h.value});
    http::HandlerResult o = api.handle(req);
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    return std::get<http::Response>(std::move(o));
  };
  auto status_of = [&] { return (*store_->get_claim(kScope, id))->status; };
  for (const auto& [name, want] : std::vector<std::pair<std::string, core::ClaimStatus>>{
           {"SUCCESS", core::ClaimStatus::kVerified},
           {"TemporaryFailure", core::ClaimStatus::kUnconfirmed},
           {"failed", core::ClaimStatus::kFailed},
           {"Pending", core::ClaimStatus::kPending},
           {"VERIFIED", core::ClaimStatus::kVerified},
           {"VERIFICATION_TIMED_OUT", core::ClaimStatus::kFailed}}) {
    http::Response r = post(test_mode, id, nlohmann::json{{"status", name}}.dump());
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    EXPECT_EQ(nlohmann::json::parse(r.body).at("id"), id);
    EXPECT_EQ(status_of(), want) << name;
  }
  for (const char* bad : {R"({"status":"Verified?"})", R"({"status":7})", "{}", "not json"}) {
    http::Response r = post(test_mode, id, bad);
    EXPECT_EQ(r.status, 400) << bad;
  }
  EXPECT_EQ(post(test_mode, "id-00000000000000000000", R"({"status":"SUCCESS"})").status, 404);
  ASSERT_TRUE(store_->put_account({"210987654321", "AKIAVOUCHCONTROLOTHR", "other"}).ok());
  EXPECT_EQ(post(test_mode, id, R"({"status":"SUCCESS"})", "AKIAVOUCHCONTROLOTHR", "other").status,
            404);
  EXPECT_EQ(status_of(), core::ClaimStatus::kFailed);  // untouched by the refusals
  // Unsigned: refused; outside test mode: no such route.
  http::Request unsigned_req{
      "POST", "/_vouch/test/claims/" + id + "/status", {}, R"({"status":"SUCCESS"})", "rid"};
  EXPECT_EQ(std::get<http::Response>(test_mode.handle(unsigned_req)).status, 403);
  EXPECT_EQ(post(control({}), id, R"({"status":"SUCCESS"})").status, 404);
  EXPECT_EQ(status_of(), core::ClaimStatus::kFailed);
}

TEST_F(ControlApiTest, AnUnknownClaimIsANotFoundAnswer) {
  auto& api = control({});
  Answer a;
  start(outcome(api, "GET", "/_vouch/claims/id-00000000000000000000"), a);
  ASSERT_TRUE(a.has());
  EXPECT_EQ(a.response->status, 404);
  EXPECT_EQ(resolver_.held(), 0u);
}

}  // namespace
}  // namespace vouch::api::control
