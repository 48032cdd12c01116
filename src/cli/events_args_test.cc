#include "cli/events_args.h"

#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace vouch::cli {
namespace {

using std::chrono::milliseconds;
using test::error_text;

const Getenv kCreds = [](const std::string& name) -> std::optional<std::string> {
  if (name == "AWS_ACCESS_KEY_ID") return "AKID";
  if (name == "AWS_SECRET_ACCESS_KEY") return "S";
  return std::nullopt;
};

TEST(EventsArgsTest, TheDefaultsAndEveryFlag) {
  auto a = parse_events({}, kCreds);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_FALSE(a->after);
  EXPECT_FALSE(a->limit);
  EXPECT_FALSE(a->follow);
  EXPECT_EQ(a->client.endpoint, "http://127.0.0.1:4566");
  a = parse_events({"--after", "evt-17", "--limit=5", "--follow", "--interval", "500ms", "--format",
                    "json", "--region", "eu-west-1"},
                   kCreds);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->after, 17);
  EXPECT_EQ(a->limit, 5u);
  EXPECT_TRUE(a->follow);
  EXPECT_EQ(a->interval, milliseconds(500));
  EXPECT_EQ(a->client.format, OutputFormat::kJson);
  EXPECT_EQ(a->client.region, "eu-west-1");
  EXPECT_EQ(parse_events({"--after", "42"}, kCreds)->after, 42);  // the bare number too
}

TEST(EventsArgsTest, BadValuesAreRefusedWithTheReason) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--after", "wh-1"}, "--after needs an event id"},
      {{"--after", "evt--1"}, "--after needs an event id"},
      {{"--after"}, "--after needs a value"},
      {{"--limit", "0"}, "--limit must be between 1 and 100000"},
      {{"--limit", "100001"}, "--limit must be between 1 and 100000"},
      {{"--limit", "5x"}, "--limit must be between"},
      {{"--interval", "2s"}, "--interval goes with --follow"},
      {{"--follow", "--interval", "soon"}, "--interval needs a duration"},
      {{"--kind", "ses_domain"}, "unknown option --kind for events"},
      {{"evt-1"}, "events takes no argument evt-1"},
      {{"--format", "yaml"}, "--format must be table or json"},
  };
  for (const auto& [args, want] : cases) {
    const std::string got = error_text(parse_events(args, kCreds));
    EXPECT_NE(got.find(want), std::string::npos) << args[0] << ": " << got;
  }
  // The positive control beside them.
  EXPECT_EQ(error_text(parse_events({"--follow", "--interval", "2s", "--limit", "100000"}, kCreds)),
            "");
  const Getenv none = [](const std::string&) { return std::nullopt; };
  EXPECT_NE(error_text(parse_events({}, none)).find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST(WebhooksArgsTest, AddWithTypesListAndRemove) {
  auto a = parse_webhooks({"add", "https://h.example/hook", "--event-type",
                           "ses.dkim.status_changed", "--event-type=ses.dkim.status_changed",
                           "--event-type", "vpc-lattice.domain_verification.status_changed"},
                          kCreds);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->command, "add");
  EXPECT_EQ(a->target, "https://h.example/hook");
  // A repeated type counts once.
  EXPECT_EQ(a->event_types,
            (std::vector<std::string>{"ses.dkim.status_changed",
                                      "vpc-lattice.domain_verification.status_changed"}));
  a = parse_webhooks({"list", "--format", "json"}, kCreds);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->client.format, OutputFormat::kJson);
  a = parse_webhooks({"remove", "wh-0123"}, kCreds);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->target, "wh-0123");
}

TEST(WebhooksArgsTest, BadCommandsAreRefusedWithTheReason) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "webhooks needs a command"},
      {{"edit"}, "unknown webhooks command 'edit'"},
      {{"add"}, "webhooks add needs one URL"},
      {{"add", "a", "b"}, "webhooks add needs one URL"},
      {{"add", "ftp://h/"}, "must start with http:// or https://"},
      {{"add", "http://h/", "--event-type", "ses.everything"}, "--event-type needs one of"},
      {{"add", "http://h/", "--event-type"}, "--event-type needs one of"},
      {{"list", "wh-1"}, "webhooks list takes no argument"},
      {{"list", "--event-type", "ses.dkim.status_changed"}, "unknown option --event-type"},
      {{"remove"}, "webhooks remove needs one webhook ID"},
      {{"remove", "wh-1", "--force"}, "unknown option --force for webhooks remove"},
  };
  for (const auto& [args, want] : cases) {
    const std::string got = error_text(parse_webhooks(args, kCreds));
    EXPECT_NE(got.find(want), std::string::npos) << (args.empty() ? "" : args[0]) << ": " << got;
  }
}

}  // namespace
}  // namespace vouch::cli
