// Router: the health route, unknown routes, and which API `POST /` goes to.
#include "api/router.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "api/common/json.h"
#include "api/control/control_api.h"
#include "api/lattice/lattice_api.h"
#include "auth/sigv4.h"
#include "core/tags.h"
#include "testing/instant_resolver.h"
#include "testing/temp_dir.h"
#include "scheduler/scheduler.h"
#include "service/accounts.h"
#include "service/lattice_service.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::api {
namespace {

const core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 2026-01-01T00:30:00Z
constexpr char kKey[] = "AKIAVOUCHROUTERTEST1";
constexpr char kSecret[] = "router-secret";

// No DNS here: every lookup answers nothing.
class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    resolver_.silent = true;
    std::string tmpl = (std::filesystem::temp_directory_path() / "vouch-router-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
    auto s = store::sqlite::SqliteStore::open(dir_ + "/vouch.db");
    if (!s.ok()) std::abort();
    store_ = std::move(*s);
    EXPECT_TRUE(store_->put_account({"123456789012", kKey, kSecret}).ok());
    accounts_ = std::make_unique<service::Accounts>(*store_);
    auth_ = std::make_unique<Authenticator>(*accounts_, clock_, AuthSettings{});
    identities_ = std::make_unique<service::IdentityService>(*store_, clock_, random_, limiter_,
                                                             tokens_);
    verifications_ = std::make_unique<service::LatticeService>(*store_, clock_, random_, limiter_,
                                                               tokens_);
    ses_ = std::make_unique<ses::SesApi>(*identities_, *auth_);
    sesv2_ = std::make_unique<sesv2::SesV2Api>(*identities_, *auth_);
    lattice_ = std::make_unique<lattice::LatticeApi>(*verifications_, *auth_);
    scheduler_ = std::make_unique<scheduler::Scheduler>(*store_, resolver_, clock_,
                                                        scheduler::SchedulerOptions{});
    claims_ = std::make_unique<service::ClaimAdmin>(*store_, *scheduler_, resolver_);
    control_ = std::make_unique<control::ControlApi>(*claims_, *auth_, nullptr);
    feed_ = std::make_unique<service::EventFeed>(*store_, tokens_);
    events_ = std::make_unique<control::EventsApi>(*feed_, *auth_);
    use_ping(nullptr);
  }
  // A router whose health route pings with `ping` (a fake store's).
  void use_ping(std::function<core::Status()> ping) {
    HealthInfo health{"1.2.3", "sqlite", "jemalloc 5.3.0", "node-a", std::move(ping)};
    health.steady_now = [this] { return steady_; };
    router_ = std::make_unique<Router>(*ses_, *sesv2_, *lattice_, *control_, std::move(health));
    router_->set_events(events_.get());
  }
  ~RouterTest() override {
    router_.reset();
    events_.reset();
    feed_.reset();
    control_.reset();
    scheduler_.reset();
    lattice_.reset();
    ses_.reset();
    verifications_.reset();
    identities_.reset();
    auth_.reset();
    accounts_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  http::Response run(http::Request req) {
    req.request_id = "rid-1";
    http::HandlerResult o = router_->handle(req);
    if (auto* d = std::get_if<http::Deferred>(&o)) return (*d)();
    return std::get<http::Response>(std::move(o));
  }

  http::Request signed_post(const std::string& service, const std::string& body) {
    auth::SignInput in;
    in.method = "POST";
    in.target = "/";
    in.body = body;
    in.region = "us-east-1";
    in.service = service;
    in.access_key_id = kKey;
    in.secret_access_key = kSecret;
    in.when = kNow;
    in.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    http::Request req{"POST", "/", {}, body, ""};
    for (auto& h : auth::sign(in)) req.headers.push_back({h.name, h.value});
    return req;
  }

  static const std::string* header(const http::Response& r, std::string_view name) {
    for (const auto& h : r.headers) {
      if (http::iequals(h.name, name)) return &h.value;
    }
    return nullptr;
  }

  void expect_unknown_operation(const http::Response& r) {
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/json");
    const std::string* type = header(r, "x-amzn-ErrorType");
    ASSERT_NE(type, nullptr);
    EXPECT_EQ(*type, "UnknownOperationException");
    EXPECT_EQ(r.body, R"({"message":"Unknown operation"})");
  }

  std::string dir_;
  // What the router reads uptime from; the test moves it.
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(5)};
  core::ManualClock clock_{kNow};
  core::SeededRandom random_{1};
  service::RateLimiter limiter_{clock_, {}};
  service::PageTokens tokens_{std::string(32, 't')};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<service::Accounts> accounts_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<service::IdentityService> identities_;
  std::unique_ptr<service::LatticeService> verifications_;
  std::unique_ptr<ses::SesApi> ses_;
  std::unique_ptr<sesv2::SesV2Api> sesv2_;
  std::unique_ptr<lattice::LatticeApi> lattice_;
  testing::InstantResolver resolver_;  // answers nothing: see the constructor
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<service::ClaimAdmin> claims_;
  std::unique_ptr<control::ControlApi> control_;
  std::unique_ptr<service::EventFeed> feed_;
  std::unique_ptr<control::EventsApi> events_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, HealthJson) {
  http::Response r = run({"GET", "/_vouch/health", {{"Host", "localhost"}}, "", ""});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  auto body = nlohmann::json::parse(r.body);
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.size(), 8u) << r.body;
  EXPECT_EQ(body.at("status"), "ok");
  EXPECT_EQ(body.at("tls"), false);
  EXPECT_EQ(body.at("version"), "1.2.3");
  EXPECT_EQ(body.at("store"), "sqlite");
  EXPECT_EQ(body.at("store_ok"), true);
  EXPECT_EQ(body.at("node"), "node-a");
  EXPECT_EQ(body.at("allocator"), "jemalloc 5.3.0");
  ASSERT_TRUE(body.at("uptime_seconds").is_number_integer());
  EXPECT_EQ(body.at("uptime_seconds").get<int64_t>(), 0);  // just started
}

TEST_F(RouterTest, HealthUptimeCountsFromTheRoutersStart) {
  auto uptime = [&] {
    http::Response r = run({"GET", "/_vouch/health", {}, "", ""});
    return nlohmann::json::parse(r.body).at("uptime_seconds").get<int64_t>();
  };
  steady_ += std::chrono::milliseconds(999);
  EXPECT_EQ(uptime(), 0);  // whole seconds
  steady_ += std::chrono::milliseconds(1);
  EXPECT_EQ(uptime(), 1);
  steady_ += std::chrono::hours(49);
  EXPECT_EQ(uptime(), 49 * 3600 + 1);
  clock_.advance(std::chrono::hours(1000));  // the API's clock (test mode) is not uptime
  EXPECT_EQ(uptime(), 49 * 3600 + 1);
}

TEST_F(RouterTest, HealthNeedsNoAuthAndIgnoresQuery) {
  http::Response r = run({"GET", "/_vouch/health?verbose=1", {}, "", ""});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body).at("status"), "ok");
  EXPECT_EQ(run({"HEAD", "/_vouch/health", {}, "", ""}).status, 200);
}

TEST_F(RouterTest, LocalStackHealthNeedsNoAuthAndSaysWhenTheStoreFails) {
  http::Response r = run({"GET", "/_localstack/health", {}, "", ""});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body).at("services").at("ses"), "running") << r.body;
  EXPECT_EQ(run({"GET", "/_localstack/init/ready", {}, "", ""}).status, 200);
  use_ping([] { return core::Error{core::ErrorCode::kUnavailable, "connection refused", {}, {}}; });
  r = run({"GET", "/_localstack/health", {}, "", ""});
  EXPECT_EQ(r.status, 200);  // as LocalStack answers; the state says it
  EXPECT_EQ(nlohmann::json::parse(r.body).at("services").at("ses"), "error") << r.body;
}

TEST_F(RouterTest, HealthIs503WithTheSameJsonWhenTheStoreDoesNotAnswer) {
  use_ping([] { return core::Error{core::ErrorCode::kUnavailable, "connection refused", {}, {}}; });
  for (const char* method : {"GET", "HEAD"}) {
    http::Response r = run({method, "/_vouch/health", {}, "", ""});
    EXPECT_EQ(r.status, 503) << method;
    EXPECT_EQ(r.content_type, "application/json");
    auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body.size(), 8u) << r.body;
    EXPECT_EQ(body.at("status"), "unavailable");
    EXPECT_EQ(body.at("store_ok"), false);
    EXPECT_EQ(body.at("store"), "sqlite");
    EXPECT_EQ(body.at("node"), "node-a");
    EXPECT_EQ(body.at("version"), "1.2.3");
  }
}

TEST_F(RouterTest, HealthPingsAtMostOncePerSecond) {
  int pings = 0;
  bool up = true;
  use_ping([&] {
    ++pings;
    return up ? core::Status() : core::Status(core::internal_error("down"));
  });
  EXPECT_EQ(run({"GET", "/_vouch/health", {}, "", ""}).status, 200);
  EXPECT_EQ(pings, 1);
  up = false;
  steady_ += std::chrono::milliseconds(999);
  EXPECT_EQ(run({"GET", "/_vouch/health", {}, "", ""}).status, 200);  // the cached result
  EXPECT_EQ(pings, 1);
  steady_ += std::chrono::milliseconds(1);
  EXPECT_EQ(run({"GET", "/_vouch/health", {}, "", ""}).status, 503);
  EXPECT_EQ(pings, 2);
  up = true;
  steady_ += std::chrono::seconds(1);
  EXPECT_EQ(run({"GET", "/_vouch/health", {}, "", ""}).status, 200);  // back in service
  EXPECT_EQ(pings, 3);
}

TEST_F(RouterTest, HealthDoesNotWaitOnAPingThatHangs) {
  std::mutex gate;
  std::unique_lock held(gate);  // the store hangs until released
  std::atomic<int> pings{0};
  use_ping([&] {
    ++pings;
    std::lock_guard wait(gate);
    return core::Status();
  });
  std::thread stuck([&] { run({"GET", "/_vouch/health", {}, "", ""}); });
  while (pings.load() == 0) std::this_thread::yield();
  // Within a second of the hanging ping's start the last result stands...
  EXPECT_EQ(run({"GET", "/_vouch/health", {}, "", ""}).status, 200);
  // ...past it the store is not answering; neither probe pinged again.
  steady_ += std::chrono::seconds(1);
  EXPECT_EQ(run({"GET", "/_vouch/health", {}, "", ""}).status, 503);
  EXPECT_EQ(pings.load(), 1);
  held.unlock();
  stuck.join();
}

TEST_F(RouterTest, HealthRejectsOtherMethods) {
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    http::Response r = run({method, "/_vouch/health", {}, "", ""});
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.content_type, "application/json");
    ASSERT_NE(header(r, "x-amzn-ErrorType"), nullptr);
    EXPECT_EQ(*header(r, "x-amzn-ErrorType"), "MethodNotAllowed");
    EXPECT_EQ(r.body, R"({"message":"Use GET."})");
  }
}

TEST_F(RouterTest, UnknownRoutes) {
  expect_unknown_operation(run({"GET", "/nope", {}, "", ""}));
  expect_unknown_operation(run({"GET", "/_vouch/healthz", {}, "", ""}));
  expect_unknown_operation(run({"POST", "/2010-12-01/", {}, "", ""}));
  expect_unknown_operation(run({"GET", "/_vouch", {}, "", ""}));
  // Routes are matched on the path only, never on the query.
  expect_unknown_operation(run({"GET", "/nope?x=/_vouch/health", {}, "", ""}));
}

TEST_F(RouterTest, LatticeRoutesGoToLattice) {
  // Unsigned: answered by the Lattice API in its own dialect, not as unknown.
  http::Response r = run({"GET", "/domainverifications", {}, "", ""});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_NE(header(r, "x-amzn-ErrorType"), nullptr);
  EXPECT_EQ(*header(r, "x-amzn-ErrorType"), "MissingAuthenticationTokenException");
}

TEST_F(RouterTest, RootGoesToSesByScope) {
  http::Response ses = run(signed_post("ses", "Action=ListIdentities&Version=2010-12-01"));
  EXPECT_EQ(ses.status, 200);
  EXPECT_EQ(ses.content_type, "text/xml");
  EXPECT_EQ(ses.body, "<ListIdentitiesResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">"
                      "<ListIdentitiesResult><Identities/></ListIdentitiesResult>"
                      "<ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>"
                      "</ListIdentitiesResponse>");

  // Unsigned requests go to SES too, which says what is missing.
  http::Response unsigned_req = run({"POST", "/", {}, "Action=ListIdentities", ""});
  EXPECT_EQ(unsigned_req.status, 403);
  EXPECT_NE(unsigned_req.body.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos);

  // A VPC Lattice scope on `POST /` is not an SES call.
  expect_unknown_operation(run(signed_post("vpc-lattice", "Action=ListIdentities")));
}

// The body limits hold the largest request each API can legitimately send.
TEST_F(RouterTest, LargestSesRequestFitsItsBodyLimit) {
  // 100 identities of 320 octets, every octet percent-encoded.
  std::string body = "Action=GetIdentityVerificationAttributes&Version=2010-12-01";
  for (int i = 1; i <= 100; ++i) {
    body += "&Identities.member." + std::to_string(i) + "=";
    for (int k = 0; k < 320; ++k) body += k == 100 ? "%40" : "%61";
  }
  EXPECT_LE(body.size(), Router::body_limit("POST", "/"));
  http::Response r = run(signed_post("ses", body));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_GT(body.size(), Router::body_limit("POST", "/") / 2);  // and not much more
}

TEST_F(RouterTest, LargestLatticeRequestFitsItsBodyLimit) {
  // 50 tags of 128 + 256 characters, each escaped as a surrogate pair
  // (U+1D400, a letter).
  const std::string letter = "\\ud835\\udc00";
  auto chars = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += letter;
    return s;
  };
  std::string body = R"({"domainName":"example.com","clientToken":")" + std::string(64, 'c') +
                     R"(","tags":{)";
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(100 + i);  // keys differ in their first 3 characters
    body += (i ? "," : "") + std::string("\"") + n + chars(125) + "\":\"" + chars(256) + "\"";
  }
  body += "}}";
  auto parsed = nlohmann::json::parse(body);
  core::Tags tags = parsed.at("tags").get<core::Tags>();
  ASSERT_EQ(tags.size(), 50u);
  EXPECT_OK(core::validate_tags(tags, "tags"));
  for (const char* target :
       {"/domainverifications",
        "/tags/arn:aws:vpc-lattice:us-east-1:123456789012:domainverification/dv-1"}) {
    EXPECT_LE(body.size(), Router::body_limit("POST", target)) << target;
  }
}

TEST(RouterLimits, ReadsNeedNoBodyAndOtherWritesLittle) {
  for (const char* method : {"GET", "HEAD", "DELETE"}) {
    EXPECT_LE(Router::body_limit(method, "/domainverifications"), 1024u) << method;
    EXPECT_LE(Router::body_limit(method, "/"), 1024u) << method;
  }
  EXPECT_LE(Router::body_limit("POST", "/_vouch/test/clock"), 16u * 1024);
  EXPECT_LE(Router::body_limit("POST", "/_vouch/verify-email?token=x"), 16u * 1024);
  EXPECT_EQ(Router::body_limit("POST", "/?a=b"), Router::body_limit("POST", "/"));
  for (const char* target : {"/", "/domainverifications", "/tags/x", "/_vouch/test/clock"}) {
    EXPECT_LE(Router::body_limit("POST", target), Router::max_body_limit()) << target;
  }
}

TEST(RouterLimits, HealthIsTheReserveRoute) {
  EXPECT_TRUE(Router::is_health("GET", "/_vouch/health"));
  EXPECT_TRUE(Router::is_health("HEAD", "/_vouch/health?x=1"));
  EXPECT_FALSE(Router::is_health("GET", "/_vouch/healthz"));
  EXPECT_FALSE(Router::is_health("POST", "/"));
}

TEST(JsonError, Shape) {
  http::Response r = json_error(418, "Teapot", "short \"and\" stout");
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].name, "x-amzn-ErrorType");
  EXPECT_EQ(r.headers[0].value, "Teapot");
  EXPECT_EQ(r.body, R"({"message":"short \"and\" stout"})");
}

// The table's auth column is what the routes do: each signed route refuses
// an unsigned request; the others answer it their own way. Every row is
// reached by one of these paths, so a new row needs a line here.
TEST_F(RouterTest, EachRouteAnswersAnUnsignedRequestAsItsTableRowSays) {
  struct Case {
    const char* method;
    const char* target;
    int unsigned_status;
  };
  const Case cases[] = {
      {"GET", "/_vouch/health", 200},                    // kNone
      {"POST", "/", 403},                                // kSigV4
      {"GET", "/domainverifications", 403},              // kSigV4
      {"GET", "/v2/email/identities", 403},              // kSigV4
      {"GET", "/_vouch/claims/id-1", 403},               // kSigV4
      {"GET", "/_vouch/events", 403},                    // kSigV4
      {"POST", "/_vouch/test/reset", 404},               // kTestMode: not in test mode here
      {"POST", "/_vouch/test/claims/id-1/status", 404},  // kTestModeSigV4: not in test mode here
      {"GET", "/_vouch/verify-email", 404},              // kLinkToken: no mail wired here
      {"GET", "/_aws/ses", 404},                         // kSigV4OrTestMode: no mail wired here
      {"GET", "/_vouch/ui/", 200},                       // kNone: the console's static files
      {"GET", "/_localstack/health", 200},               // kNone
  };
  std::set<const Router::Route*> reached;
  for (const auto& c : cases) {
    const Router::Route* row = nullptr;
    for (const auto& r : Router::routes()) {
      if (r.matches(c.target)) {
        row = &r;
        break;
      }
    }
    ASSERT_NE(row, nullptr) << c.target;
    reached.insert(row);
    http::Response r = run({c.method, c.target, {}, "", ""});
    EXPECT_EQ(r.status, c.unsigned_status) << c.target << ": " << r.body;
    if (row->auth == Router::Auth::kSigV4) {
      EXPECT_EQ(r.status, 403) << c.target;
    }
  }
  EXPECT_EQ(reached.size(), Router::routes().size());
}

}  // namespace
}  // namespace vouch::api
