#include "cli/events_command.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"

namespace vouch::cli {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using test::FakeTransport;

constexpr const char* kBase = "http://127.0.0.1:4566/_vouch/events?limit=";

json event(int seq, const std::string& domain = "a.com") {
  return {{"id", "evt-" + std::to_string(seq)},
          {"type", "ses.identity.status_changed"},
          {"time", "2026-12-04T22:14:44.000Z"},
          {"resource", {{"identity", domain}}},
          {"old_status", "Pending"},
          {"new_status", "Success"}};
}

json page(std::vector<int> seqs, const std::string& next = "") {
  json p{{"events", json::array()}};
  for (int s : seqs) p["events"].push_back(event(s));
  if (!next.empty()) p["next_token"] = next;
  return p;
}

class EventsCommandTest : public ::testing::Test, protected test::ClientFixture {
 protected:
  // Runs with the fake; --follow stops after `polls` sleeps.
  template <class Args, class Run>
  int run(Args args, Run run_command, int polls = 0) {
    const OutputFormat format = args.client.format;
    args.client = options_;
    args.client.format = format;
    AdminClient client(options_, transport_, clock_);
    EventsIo io{client, [this](milliseconds d) { slept_.push_back(d); },
                [this, polls] { return static_cast<int>(slept_.size()) > polls; },
                [this](const std::string& s) { out_ += s; },
                [this](const std::string& s) { err_ += s; }};
    return run_command(args, io);
  }
  int events(EventsArgs a, int polls = 0) { return run(std::move(a), &run_events, polls); }
  int webhooks(WebhooksArgs a) { return run(std::move(a), &run_webhooks); }

  std::vector<std::string> urls() const {
    std::vector<std::string> u;
    for (const auto& s : transport_.sent) u.push_back(s.url);
    return u;
  }
};

TEST_F(EventsCommandTest, ListsOldestFirstAndNamesTheAfterThatContinues) {
  transport_.add(200, page({3, 5, 8}));
  EventsArgs a;
  a.limit = 2;
  a.client.format = OutputFormat::kJson;
  EXPECT_EQ(events(a), kExitVerified) << err_;
  // One more than shown tells that more are left.
  EXPECT_EQ(urls(), (std::vector<std::string>{std::string(kBase) + "3"}));
  EXPECT_EQ(out_, event(3).dump() + "\n" + event(5).dump() + "\n");
  EXPECT_EQ(err_, "vouch: more events follow: vouch events --after evt-5\n");
}

TEST_F(EventsCommandTest, WalksThePagesSkipsUpToAfterAndStopsAtTheNewest) {
  transport_.add(200, page({1, 2}, "tok/1+"));
  transport_.add(200, page({4, 6}, "tok2"));
  transport_.add(200, page({7}));
  EventsArgs a;
  a.after = 2;
  a.limit = 5;  // past --after, full pages all the same
  EXPECT_EQ(events(a), kExitVerified) << err_;
  EXPECT_EQ(urls(), (std::vector<std::string>{std::string(kBase) + "1000",
                                              std::string(kBase) + "1000&next_token=tok%2F1%2B",
                                              std::string(kBase) + "1000&next_token=tok2"}));
  EXPECT_EQ(err_, "");  // all shown: nothing more
  EXPECT_EQ(out_.find("evt-1 "), std::string::npos);
  EXPECT_EQ(out_.find("evt-2 "), std::string::npos);
  for (const char* id : {"evt-4 ", "evt-6 ", "evt-7 "}) {
    EXPECT_NE(out_.find(id), std::string::npos) << out_;
  }
  EXPECT_EQ(out_.rfind("ID ", 0), 0u);  // the table's header
}

TEST_F(EventsCommandTest, FollowPrintsOnlyNewEventsAsTheyCome) {
  transport_.add(200, page({1, 2}));     // where the stream stands: not printed
  transport_.add(200, page({1, 2}));     // nothing new
  transport_.add(200, page({1, 2, 3}));  // the last page asked again: 3 is new
  transport_.add(200, page({1, 2, 3}));
  EventsArgs a;
  a.follow = true;
  a.interval = milliseconds(250);
  a.client.format = OutputFormat::kJson;
  EXPECT_EQ(events(a, 3), kExitVerified) << err_;
  EXPECT_EQ(out_, event(3).dump() + "\n");
  EXPECT_EQ(slept_, std::vector<milliseconds>(4, milliseconds(250)));
  EXPECT_EQ(transport_.sent.size(), 4u);
}

TEST_F(EventsCommandTest, FollowFromAfterMovesOnWithTheTokenAndStopsAtTheLimit) {
  transport_.add(200, page({1, 2}, "t1"));
  transport_.add(200, page({3}));
  transport_.add(200, page({3, 4}, "t2"));
  transport_.add(200, page({5, 6}));
  EventsArgs a;
  a.follow = true;
  a.after = 1;
  a.limit = 4;
  a.client.format = OutputFormat::kJson;
  EXPECT_EQ(events(a, 100), kExitVerified) << err_;
  EXPECT_EQ(out_, event(2).dump() + "\n" + event(3).dump() + "\n" + event(4).dump() + "\n" +
                      event(5).dump() + "\n");
  EXPECT_EQ(urls().back(), std::string(kBase) + "1000&next_token=t2");
  EXPECT_EQ(slept_.size(), 1u);
}

TEST_F(EventsCommandTest, FollowRidesOutAnOutageButNotARefusal) {
  transport_.add(200, page({1}));
  transport_.add(503, {{"__type", "ServiceUnavailable"}, {"message", "busy"}});
  transport_.replies.push_back({0, "", ""});  // no answer at all
  transport_.add(200, page({1, 2}));          // back, with evt-2
  EventsArgs a;
  a.follow = true;
  a.client.format = OutputFormat::kJson;
  EXPECT_EQ(events(a, 3), kExitVerified) << err_;
  EXPECT_EQ(out_, event(2).dump() + "\n");
  // Said once per outage.
  EXPECT_EQ(err_, "vouch: HTTP 503 ServiceUnavailable: busy; asking again\n"
                  "vouch: the server answers again\n");
  // A refusal (bad credentials) ends it with 3.
  transport_.add(200, page({1}));
  transport_.add(403, {{"__type", "InvalidSignatureException"}, {"message", "bad"}});
  err_.clear();
  slept_.clear();
  EXPECT_EQ(events(a, 5), kExitUsage);
  EXPECT_NE(err_.find("HTTP 403 InvalidSignatureException: bad"), std::string::npos) << err_;
}

TEST_F(EventsCommandTest, NoServerOrARefusalAtTheStartIsThree) {
  EventsArgs a;
  EXPECT_EQ(events(a), kExitUsage);
  EXPECT_NE(err_.find("cannot reach the server"), std::string::npos);
  a.follow = true;
  err_.clear();
  EXPECT_EQ(events(a, 5), kExitUsage);  // not even the first page: no following
  EXPECT_TRUE(slept_.empty());
  transport_.add(400, {{"__type", "ValidationException"}, {"message", "Invalid next_token."}});
  EXPECT_EQ(events(EventsArgs{}), kExitUsage);
  EXPECT_NE(err_.find("HTTP 400 ValidationException: Invalid next_token."), std::string::npos);
}

TEST_F(EventsCommandTest, WebhooksAddSendsTheContractAndShowsTheSecretOnce) {
  transport_.add(201, {{"webhook",
                        {{"id", "wh-1"},
                         {"url", "https://h.example/x"},
                         {"event_types", {"ses.dkim.status_changed"}},
                         {"created_at", "2026-12-04T22:00:00Z"},
                         {"secret", "whsec_s3cret"}}}});
  WebhooksArgs a;
  a.command = "add";
  a.target = "https://h.example/x";
  a.event_types = {"ses.dkim.status_changed"};
  EXPECT_EQ(webhooks(a), kExitVerified) << err_;
  ASSERT_EQ(transport_.sent.size(), 1u);
  EXPECT_EQ(transport_.sent[0].method, "POST");
  EXPECT_EQ(transport_.sent[0].url, "http://127.0.0.1:4566/_vouch/webhooks");
  EXPECT_EQ(json::parse(transport_.sent[0].body),
            (json{{"url", "https://h.example/x"}, {"event_types", {"ses.dkim.status_changed"}}}));
  EXPECT_NE(out_.find("whsec_s3cret"), std::string::npos);
  EXPECT_NE(out_.find("will not be shown again"), std::string::npos);
  // Without types, none are sent: every type.
  transport_.add(201, {{"webhook", {{"id", "wh-2"}, {"secret", "x"}}}});
  a.event_types.clear();
  EXPECT_EQ(webhooks(a), kExitVerified);
  EXPECT_EQ(json::parse(transport_.sent[1].body), (json{{"url", "https://h.example/x"}}));
  // A refusal is the server's error, 3.
  transport_.add(400, {{"code", "ValidationException"}, {"message", "bad url"}});
  EXPECT_EQ(webhooks(a), kExitUsage);
  EXPECT_NE(err_.find("HTTP 400 ValidationException: bad url"), std::string::npos) << err_;
}

TEST_F(EventsCommandTest, WebhooksListAndRemove) {
  transport_.add(200, {{"webhooks",
                        {{{"id", "wh-1"},
                          {"url", "https://h.example/x"},
                          {"event_types", json::array()},
                          {"disabled", false},
                          {"health", {{"delivered", 3}, {"failed", 0}, {"pending", 1}}}}}}});
  WebhooksArgs a;
  a.command = "list";
  EXPECT_EQ(webhooks(a), kExitVerified) << err_;
  EXPECT_EQ(transport_.sent[0].method, "GET");
  EXPECT_NE(out_.find("wh-1  active"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("secret"), std::string::npos);

  transport_.replies.push_back({204, "", ""});
  a.command = "remove";
  a.target = "wh-1";
  out_.clear();
  EXPECT_EQ(webhooks(a), kExitVerified) << err_;
  EXPECT_EQ(transport_.sent[1].method, "DELETE");
  EXPECT_EQ(transport_.sent[1].url, "http://127.0.0.1:4566/_vouch/webhooks/wh-1");
  EXPECT_EQ(out_, "removed webhook wh-1\n");
  // Unknown: the 404 in either error spelling, 3.
  transport_.add(404, {{"__type", "ResourceNotFoundException"}, {"message", "no webhook wh-9"}});
  transport_.add(404, {{"code", "ResourceNotFoundException"}, {"message", "no webhook wh-9"}});
  a.target = "wh-9";
  for (int i = 0; i < 2; ++i) {
    err_.clear();
    EXPECT_EQ(webhooks(a), kExitUsage);
    EXPECT_NE(err_.find("HTTP 404 ResourceNotFoundException: no webhook wh-9"), std::string::npos)
        << err_;
  }
}

}  // namespace
}  // namespace vouch::cli
