#include "cli/claims_args.h"

#include <map>

#include <gtest/gtest.h>

namespace vouch::cli {
namespace {

using std::chrono::milliseconds;

Getenv env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

const Getenv kCreds = env_of({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "S"}});

TEST(ClaimsArgsTest, ListWithFiltersAndTheDefaults) {
  auto a = parse_claims({"list", "--status", "pending", "--kind=ses_dkim"}, kCreds);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->command, "list");
  EXPECT_EQ(a->status, "pending");
  EXPECT_EQ(a->kind, "ses_dkim");
  EXPECT_EQ(a->client.endpoint, "http://127.0.0.1:4566");
  EXPECT_EQ(a->client.region, "us-east-1");
  EXPECT_EQ(a->client.access_key_id, "AKID");
  EXPECT_EQ(a->client.format, OutputFormat::kTable);
}

TEST(ClaimsArgsTest, TheAwsVariablesAndTheFlagsThatOverrideThem) {
  auto env = env_of({{"AWS_ACCESS_KEY_ID", "K"},
                     {"AWS_SECRET_ACCESS_KEY", "S"},
                     {"AWS_SESSION_TOKEN", "T"},
                     {"AWS_DEFAULT_REGION", "eu-west-1"},
                     {"AWS_ENDPOINT_URL", "http://h:1/"}});
  auto a = parse_claims({"show", "example.com"}, env);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->client.region, "eu-west-1");
  EXPECT_EQ(a->client.endpoint, "http://h:1");  // the trailing '/' dropped
  EXPECT_EQ(a->client.session_token, "T");
  EXPECT_EQ(a->target, "example.com");
  a = parse_claims(
      {"show", "x", "--region", "ap-south-1", "--endpoint-url", "http://o:2", "--format", "json"},
      env);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->client.region, "ap-south-1");
  EXPECT_EQ(a->client.endpoint, "http://o:2");
  EXPECT_EQ(a->client.format, OutputFormat::kJson);
}

TEST(ClaimsArgsTest, CheckWaitTimeoutAndPollInterval) {
  auto a = parse_claims({"check", "id-1", "--wait", "--timeout", "10m", "--poll-interval", "250ms"},
                        kCreds);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(a->wait);
  EXPECT_EQ(a->timeout, milliseconds(600000));
  EXPECT_EQ(a->poll_interval, milliseconds(250));
  EXPECT_EQ(a->target, "id-1");
}

TEST(ClaimsArgsTest, UsageErrors) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"remove"},
           {"list", "extra"},
           {"show"},
           {"show", "a", "b"},
           {"list", "--wait"},
           {"list", "--status", "done"},
           {"list", "--kind", "dns"},
           {"show", "x", "--timeout", "1m"},
           {"check", "x", "--timeout", "soon"},
           {"check", "x", "--timeout", "0s"},
           {"list", "--format", "yaml"},
           {"list", "--endpoint-url", "ftp://x"},
           {"list", "--region"},
           {"list", "--bogus", "1"},
       }) {
    EXPECT_FALSE(parse_claims(args, kCreds).ok()) << ::testing::PrintToString(args);
  }
  // The positive control: the same shape, valid.
  EXPECT_TRUE(parse_claims({"check", "x", "--timeout", "1m"}, kCreds).ok());
}

TEST(ClaimsArgsTest, CredentialsAreRequired) {
  auto a = parse_claims({"list"}, env_of({{"AWS_ACCESS_KEY_ID", "K"}}));
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_TRUE(parse_claims({"list"}, kCreds).ok());
}

TEST(ClaimsArgsTest, Durations) {
  EXPECT_EQ(parse_millis("500ms"), milliseconds(500));
  EXPECT_EQ(parse_millis("2"), milliseconds(2000));
  EXPECT_EQ(parse_millis("1h"), milliseconds(3600000));
  EXPECT_EQ(parse_millis("1d"), std::nullopt);
  EXPECT_EQ(parse_millis("-1s"), std::nullopt);
  EXPECT_EQ(parse_millis("99999999999999h"), std::nullopt);
}

}  // namespace
}  // namespace vouch::cli
