#include "core/log.h"

#include "core/claim_log.h"

#include <vector>

#include <gtest/gtest.h>

namespace vouch::core {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void use(LogLevel level, LogFormat format) {
    configure_log({level, format, &clock_, [this](std::string_view l) { lines_.emplace_back(l); }});
  }
  ~LogTest() override { configure_log({}); }

  ManualClock clock_{TimePoint(std::chrono::seconds(1700000000))};
  std::vector<std::string> lines_;
};

TEST_F(LogTest, TextKeepsTheMessagesAsTheyWere) {
  use(LogLevel::kInfo, LogFormat::kText);
  log(LogLevel::kWarn, "mail_failed", "message 3 to a@b.c not delivered: 550", {{"id", 3}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "vouch: message 3 to a@b.c not delivered: 550");
}

TEST_F(LogTest, JsonLinesCarryTimeLevelEventAndFields) {
  use(LogLevel::kDebug, LogFormat::kJson);
  log(LogLevel::kDebug, "check", "checked", {{"claim", "id-1"}, {"level", "ignored"}});
  ASSERT_EQ(lines_.size(), 1u);
  auto j = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(j["level"], "debug");  // a field never overwrites the line's own
  EXPECT_EQ(j["event"], "check");
  EXPECT_EQ(j["message"], "checked");
  EXPECT_EQ(j["claim"], "id-1");
  EXPECT_EQ(lines_[0].find('\n'), std::string::npos);
}

TEST_F(LogTest, LevelsBelowTheConfiguredOneAreDropped) {
  use(LogLevel::kWarn, LogFormat::kText);
  EXPECT_FALSE(log_enabled(LogLevel::kInfo));
  log(LogLevel::kInfo, "status_change", "dropped");
  log(LogLevel::kError, "x", "kept");
  EXPECT_EQ(lines_, std::vector<std::string>{"vouch: kept"});
}

TEST_F(LogTest, InvalidUtf8NeverThrows) {
  use(LogLevel::kDebug, LogFormat::kJson);
  log(LogLevel::kInfo, "check", "seen \xff\xfe", {{"seen", std::string("\xc3")}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_TRUE(nlohmann::json::accept(lines_[0]));
}

TEST_F(LogTest, NoSinkNoLines) {
  configure_log({});
  EXPECT_FALSE(log_enabled(LogLevel::kError));
  log(LogLevel::kError, "x", "nowhere");
  EXPECT_TRUE(lines_.empty());
}

TEST_F(LogTest, ABatchsLinesGoOutTogetherWhenItEnds) {
  use(LogLevel::kInfo, LogFormat::kText);
  log(LogLevel::kInfo, "x", "alone");  // control: a line goes out at once
  ASSERT_EQ(lines_, std::vector<std::string>{"vouch: alone"});
  {
    LogBatch batch;
    log(LogLevel::kInfo, "x", "one");
    {
      LogBatch inner;  // the outermost holds the lines
      log(LogLevel::kInfo, "x", "two");
    }
    log(LogLevel::kDebug, "x", "dropped");
    EXPECT_EQ(lines_.size(), 1u) << "held until the batch ends";
  }
  EXPECT_EQ(lines_, (std::vector<std::string>{"vouch: alone", "vouch: one\nvouch: two"}));
  { LogBatch empty; }
  EXPECT_EQ(lines_.size(), 2u) << "an empty batch writes nothing";
}

TEST_F(LogTest, ABatchGoesOutEvery64KiB) {
  use(LogLevel::kInfo, LogFormat::kText);
  LogBatch batch;
  const std::string message(1000, 'm');
  for (int i = 0; i < 70; ++i) log(LogLevel::kInfo, "x", message);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_GE(lines_[0].size(), 64u * 1024);
  EXPECT_LT(lines_[0].size(), 64u * 1024 + 1010);
}

// Text lines leave the fields out (and the status change no longer builds
// them for text); JSON lines carry them all.
TEST_F(LogTest, StatusChangeLinesInBothFormats) {
  Claim c;
  c.id = "claim-1";
  c.kind = ClaimKind::kSesDomain;
  c.subject = "example.com";
  c.scope = {"123456789012", "us-east-1"};
  const StatusChange change{clock_.now(), ClaimStatus::kPending, ClaimStatus::kVerified};
  use(LogLevel::kInfo, LogFormat::kText);
  log_status_change(c, change);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "vouch: ses_domain example.com (claim-1): pending -> verified");
  use(LogLevel::kInfo, LogFormat::kJson);
  log_status_change(c, change);
  ASSERT_EQ(lines_.size(), 2u);
  auto j = nlohmann::json::parse(lines_[1]);
  EXPECT_EQ(j["message"], "ses_domain example.com (claim-1): pending -> verified");
  EXPECT_EQ(j["event"], "status_change");
  EXPECT_EQ(j["claim_id"], "claim-1");
  EXPECT_EQ(j["kind"], "ses_domain");
  EXPECT_EQ(j["subject"], "example.com");
  EXPECT_EQ(j["account"], "123456789012");
  EXPECT_EQ(j["region"], "us-east-1");
  EXPECT_EQ(j["from"], "pending");
  EXPECT_EQ(j["to"], "verified");
}

TEST(LogLevelTest, Names) {
  for (auto l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    EXPECT_EQ(parse_log_level(log_level_name(l)), l);
  }
  EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
}

}  // namespace
}  // namespace vouch::core
