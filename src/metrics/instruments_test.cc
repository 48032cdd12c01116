#include "metrics/instruments.h"

#include <gtest/gtest.h>

#include <string>

#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace vouch::metrics {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

struct FixedResolver : core::DnsResolver {
  void lookup(const std::string&, core::RecordType,
              std::function<void(std::vector<core::DnsAnswer>)> done) override {
    std::vector<core::DnsAnswer> answers(2);
    answers[0].resolver = "10.0.0.1:53";
    answers[0].kind = core::DnsAnswer::Kind::kRecords;
    answers[1].resolver = "10.0.0.2:53";
    answers[1].kind = core::DnsAnswer::Kind::kTimeout;
    done(std::move(answers));
  }
  size_t perspectives() const override { return 2; }
};

TEST(MeteredResolver, TimesEachResolverAndCountsOnlyErrors) {
  Registry r;
  FixedResolver inner;
  MeteredResolver metered(inner, r);
  size_t answered = 0;
  metered.lookup("x.example", core::RecordType::kTxt,
                 [&](std::vector<core::DnsAnswer> a) { answered = a.size(); });
  EXPECT_EQ(answered, 2u);
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "vouch_dns_lookup_duration_seconds_count{resolver=\"10.0.0.1:53\"} 1"))
      << text;
  EXPECT_TRUE(
      has_line(text, "vouch_dns_lookup_errors_total{resolver=\"10.0.0.2:53\",kind=\"timeout\"} 1"))
      << text;
  EXPECT_EQ(text.find("resolver=\"10.0.0.1:53\",kind"), std::string::npos) << text;
}

TEST(ReplyClass, FromTheMailersResult) {
  using K = core::SendResult::Kind;
  EXPECT_EQ(reply_class({K::kAccepted, "250"}), "2xx");
  EXPECT_EQ(reply_class({K::kTransient, "SMTP 451 4.3.0 try later (...)"}), "4xx");
  EXPECT_EQ(reply_class({K::kPermanent, "SMTP 550 5.1.1 no such user (...)"}), "5xx");
  EXPECT_EQ(reply_class({K::kTransient, "Couldn't connect to server"}), "connection");
}

TEST(Instrument, CountsResponsesDeferredAndAsyncByLabel) {
  Registry r;
  int which = 0;
  http::Handler inner = [&which](http::Request&) -> http::HandlerResult {
    if (which == 0) return http::Response{200};
    if (which == 1) return http::Deferred([] { return http::Response{400}; });
    return http::Async{[](http::Done done) { done(http::Response{503}); }};
  };
  auto h = instrument(inner, r, [](const http::Request&) { return OperationLabel{"ses", "Op"}; });
  http::Request req;
  h(req);
  which = 1;
  auto d = h(req);
  EXPECT_EQ(std::get<http::Deferred>(d)().status, 400);
  which = 2;
  auto a = h(req);
  int status = 0;
  std::get<http::Async>(a).start([&status](http::Response resp) { status = resp.status; });
  EXPECT_EQ(status, 503);
  const std::string text = r.expose();
  for (const char* code : {"200", "400", "503"}) {
    EXPECT_TRUE(has_line(
        text, std::string("vouch_http_requests_total{api=\"ses\",operation=\"Op\",code=\"") + code +
                  "\"} 1"))
        << text;
  }
  EXPECT_TRUE(
      has_line(text, "vouch_http_request_duration_seconds_count{api=\"ses\",operation=\"Op\"} 3"))
      << text;
}

TEST(MeteredStore, TimesEachWriteByOperationAndPassesItsResultOn) {
  Registry r;
  testing::TempDir dir;
  auto sqlite = store::sqlite::SqliteStore::open(dir.file("vouch.db"));
  ASSERT_TRUE(sqlite.ok());
  MeteredStore store(std::move(*sqlite), r);
  core::Scope scope{"123456789012", "us-east-1"};
  auto deleted = store.delete_claim(scope, "no-such-claim");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(*deleted);
  core::Claim ghost;
  ghost.id = "no-such-claim";
  ghost.scope = scope;
  auto updated = store.update_claim(ghost);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, core::ErrorCode::kNotFound);
  const std::string text = r.expose();
  EXPECT_TRUE(has_line(text, "vouch_store_commit_duration_seconds_count{op=\"delete_claim\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "vouch_store_commit_duration_seconds_count{op=\"update_claim\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "vouch_store_commit_duration_seconds_count{op=\"record_checks\"} 0"))
      << text;
}

TEST(ResidentMemory, IsReadFromProc) { EXPECT_GT(resident_memory_bytes(), 0); }

}  // namespace
}  // namespace vouch::metrics
