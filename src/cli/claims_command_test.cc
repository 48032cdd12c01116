#include "cli/claims_command.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"

namespace vouch::cli {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using test::FakeTransport;

json summary(const std::string& id, const std::string& subject, const std::string& kind,
             const std::string& status) {
  return {{"id", id}, {"subject", subject}, {"kind", kind}, {"status", status}};
}

class ClaimsCommandTest : public ::testing::Test, protected test::ClientFixture {
 protected:
  int run(ClaimsArgs args) {
    args.client = options_;
    AdminClient client(options_, transport_, clock_);
    ClaimsIo io{client,
                clock_,
                [this](milliseconds d) {
                  slept_.push_back(d);
                  clock_.advance(d);
                },
                {},
                {}};
    const int code = run_claims(args, io);
    out_ = io.out;
    err_ = io.err;
    return code;
  }

  ClaimsArgs check(std::string target, bool wait) {
    ClaimsArgs a;
    a.command = "check";
    a.target = std::move(target);
    a.wait = wait;
    a.timeout = milliseconds(10000);
    a.poll_interval = milliseconds(3000);
    return a;
  }
};

TEST_F(ClaimsCommandTest, ListFollowsPagesFiltersAndSigns) {
  transport_.add(
      200, {{"claims", {summary("id-1", "a.com", "ses_domain", "pending")}}, {"next_after", 7}});
  transport_.add(200, {{"claims", {summary("id-2", "b.com", "ses_domain", "verified")}}});
  ClaimsArgs a;
  a.command = "list";
  a.status = "verified";
  EXPECT_EQ(run(a), kExitVerified);
  ASSERT_EQ(transport_.sent.size(), 2u);
  EXPECT_EQ(transport_.sent[0].url, "http://127.0.0.1:4566/_vouch/claims");
  EXPECT_EQ(transport_.sent[1].url, "http://127.0.0.1:4566/_vouch/claims?after=7");
  bool signed_request = false;
  for (const auto& [name, value] : transport_.sent[0].headers) {
    if (name == "Authorization") {
      signed_request = value.find("Credential=AKIDEXAMPLE/20231114/us-east-1/ses/") !=
                       std::string::npos;
    }
  }
  EXPECT_TRUE(signed_request);
  EXPECT_NE(out_.find("b.com"), std::string::npos);
  EXPECT_EQ(out_.find("a.com"), std::string::npos);  // filtered out by --status
}

TEST_F(ClaimsCommandTest, ExitCodeFollowsTheClaimsStatus) {
  for (const auto& [status, code] : std::vector<std::pair<std::string, int>>{
           {"verified", 0}, {"pending", 1}, {"unconfirmed", 1}, {"failed", 2}}) {
    transport_.add(200, {{"claims", {summary("id-1", "a.com", "ses_domain", "pending")}}});
    transport_.add(200, summary("id-1", "a.com", "ses_domain", status));
    EXPECT_EQ(run(check("a.com", false)), code) << status;
  }
  EXPECT_TRUE(slept_.empty());
}

TEST_F(ClaimsCommandTest, WaitPollsUntilVerified) {
  transport_.add(200, {{"claims", {summary("id-1", "a.com", "ses_domain", "pending")}}});
  transport_.add(200, summary("id-1", "a.com", "ses_domain", "pending"));
  transport_.add(429, {{"__type", "ThrottlingException"}, {"message", "Rate exceeded"}});
  transport_.add(200, summary("id-1", "a.com", "ses_domain", "verified"));
  EXPECT_EQ(run(check("id-1", true)), kExitVerified) << err_;
  EXPECT_EQ(slept_, (std::vector<milliseconds>{milliseconds(3000), milliseconds(3000)}));
  EXPECT_EQ(transport_.sent.back().url, "http://127.0.0.1:4566/_vouch/claims/id-1/check");
  EXPECT_EQ(transport_.sent.back().method, "POST");
}

TEST_F(ClaimsCommandTest, WaitGivesUpAtTheTimeoutWithOne) {
  transport_.add(200, {{"claims", {summary("id-1", "a.com", "ses_domain", "pending")}}});
  for (int i = 0; i < 10; ++i)
    transport_.add(200, summary("id-1", "a.com", "ses_domain", "pending"));
  EXPECT_EQ(run(check("a.com", true)), kExitNotYet);
  // 3 + 3 + 3 + 1: the last sleep ends at the deadline.
  EXPECT_EQ(slept_.size(), 4u);
  EXPECT_EQ(slept_.back(), milliseconds(1000));
  EXPECT_NE(err_.find("timed out"), std::string::npos);
}

TEST_F(ClaimsCommandTest, WaitStopsAtFailed) {
  transport_.add(200, {{"claims", {summary("id-1", "a.com", "ses_domain", "pending")}}});
  transport_.add(200, summary("id-1", "a.com", "ses_domain", "failed"));
  EXPECT_EQ(run(check("a.com", true)), kExitFailed);
  EXPECT_TRUE(slept_.empty());
}

TEST_F(ClaimsCommandTest, AnAmbiguousNameListsItsClaims) {
  const json page{{"claims",
                   {summary("id-1", "a.com", "ses_domain", "pending"),
                    summary("id-2", "a.com", "ses_dkim", "pending"),
                    summary("id-3", "b.com", "ses_domain", "pending")}}};
  transport_.add(200, page);
  ClaimsArgs a;
  a.command = "show";
  a.target = "A.com";
  EXPECT_EQ(run(a), kExitUsage);
  EXPECT_NE(err_.find("id-1"), std::string::npos);
  EXPECT_NE(err_.find("id-2"), std::string::npos);
  EXPECT_EQ(err_.find("id-3"), std::string::npos);
  // --kind settles it.
  transport_.add(200, page);
  transport_.add(200, summary("id-2", "a.com", "ses_dkim", "verified"));
  a.kind = "ses_dkim";
  EXPECT_EQ(run(a), kExitVerified);
  EXPECT_EQ(transport_.sent.back().url, "http://127.0.0.1:4566/_vouch/claims/id-2");
}

TEST_F(ClaimsCommandTest, UnknownNameServerErrorsAndNoServerAreThree) {
  transport_.add(200, {{"claims", json::array()}});
  EXPECT_EQ(run(check("nothing.example", false)), kExitUsage);
  EXPECT_NE(err_.find("no claim"), std::string::npos);
  transport_.add(403, {{"__type", "InvalidSignatureException"}, {"message", "bad signature"}});
  EXPECT_EQ(run(check("a.com", false)), kExitUsage);
  EXPECT_NE(err_.find("403 InvalidSignatureException: bad signature"), std::string::npos) << err_;
  EXPECT_EQ(run(check("a.com", true)), kExitUsage);  // nothing answers
  EXPECT_NE(err_.find("cannot reach the server"), std::string::npos);
}

}  // namespace
}  // namespace vouch::cli

namespace vouch::cli {
namespace {

TEST(ReplyErrorTest, TheCodeFromTheHeaderOrTheBody) {
  EXPECT_EQ(reply_error({403, R"({"message":"no"})", "InvalidSignatureException:http://x/"}),
            "HTTP 403 InvalidSignatureException: no");
  EXPECT_EQ(reply_error({404, R"({"__type":"a#ResourceNotFoundException","message":"gone"})", ""}),
            "HTTP 404 ResourceNotFoundException: gone");
  EXPECT_EQ(reply_error({502, "<html>", ""}), "HTTP 502");
}

}  // namespace
}  // namespace vouch::cli
