// --auto-verify-suffix: how a suffix is read, which subjects fall under it
// (label boundaries only), and the evidence such a check records.
#include "core/auto_verify.h"

#include <gtest/gtest.h>

namespace vouch::core {
namespace {

Claim claim(const std::string& subject, ClaimKind kind = ClaimKind::kSesDomain) {
  Claim c;
  c.kind = kind;
  c.subject = subject;
  c.record_name = "_amazonses." + subject;
  c.token = "tok";
  return c;
}

TEST(AutoVerifySuffix, NormalisedOrRefused) {
  EXPECT_EQ(*auto_verify_suffix(".test"), "test");
  EXPECT_EQ(*auto_verify_suffix("test"), "test");
  EXPECT_EQ(*auto_verify_suffix("Example.TEST."), "example.test");
  EXPECT_EQ(*auto_verify_suffix("_x-1.test"), "_x-1.test");
  for (const char* bad : {"", ".", "..test", "a..test", "a test", "a/test", "@test", "test.."}) {
    auto r = auto_verify_suffix(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(AutoVerifySuffix, MatchesOnLabelBoundaries) {
  const std::vector<std::string> suffixes{"test", "example.com"};
  EXPECT_EQ(auto_verify_match(claim("a.test"), suffixes), "test");
  EXPECT_EQ(auto_verify_match(claim("b.a.test"), suffixes), "test");
  EXPECT_EQ(auto_verify_match(claim("test"), suffixes), "test");
  EXPECT_EQ(auto_verify_match(claim("mail.example.com"), suffixes), "example.com");
  EXPECT_EQ(auto_verify_match(claim("user@a.test", ClaimKind::kSesEmail), suffixes), "test");
  // Not on a boundary, or elsewhere in the name: no match.
  EXPECT_FALSE(auto_verify_match(claim("atest"), suffixes));
  EXPECT_FALSE(auto_verify_match(claim("a.test.org"), suffixes));
  EXPECT_FALSE(auto_verify_match(claim("badexample.com"), suffixes));
  EXPECT_FALSE(auto_verify_match(claim("test@a.org", ClaimKind::kSesEmail), suffixes));
  EXPECT_FALSE(auto_verify_match(claim("a.test"), {}));
}

TEST(AutoVerifySuffix, EvidenceSaysSo) {
  const TimePoint now{std::chrono::seconds(1'780'000'000)};
  Evidence e = auto_verify_evidence(claim("a.test"), "test", now);
  EXPECT_EQ(e.at, now);
  EXPECT_EQ(e.outcome, CheckOutcome::kFound);
  EXPECT_EQ(e.record_name, "_amazonses.a.test");
  EXPECT_EQ(e.expected, "tok");
  ASSERT_EQ(e.perspectives.size(), 1u);
  EXPECT_EQ(e.perspectives[0].resolver, "auto-verify");
  EXPECT_EQ(e.perspectives[0].result, PerspectiveEvidence::Result::kFound);
}

}  // namespace
}  // namespace vouch::core
