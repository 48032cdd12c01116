#include "cli/log_setup.h"

#include <gtest/gtest.h>

namespace vouch::cli {
namespace {

TEST(LogSetupTest, TakesTheLoggingFlagsAndLeavesTheRest) {
  std::vector<std::string> rest;
  auto o = parse_log_options({"--listen", "127.0.0.1:1", "--access-log", "--log-format=json",
                              "--log-level", "debug", "--test-mode"},
                             &rest);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_TRUE(o->access_log);
  EXPECT_EQ(o->format, core::LogFormat::kJson);
  EXPECT_EQ(o->level, core::LogLevel::kDebug);
  EXPECT_EQ(rest, (std::vector<std::string>{"--listen", "127.0.0.1:1", "--test-mode"}));
}

TEST(LogSetupTest, TheDefaultsAreTodaysTextAtInfo) {
  std::vector<std::string> rest;
  auto o = parse_log_options({}, &rest);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->access_log);
  EXPECT_EQ(o->format, core::LogFormat::kText);
  EXPECT_EQ(o->level, core::LogLevel::kInfo);
}

TEST(LogSetupTest, BadValuesAreRefused) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--log-format", "xml"},
                                                                {"--log-format"},
                                                                {"--log-level", "trace"},
                                                                {"--access-log=yes"}}) {
    std::vector<std::string> rest;
    EXPECT_FALSE(parse_log_options(args, &rest).ok()) << args[0];
  }
}

}  // namespace
}  // namespace vouch::cli
