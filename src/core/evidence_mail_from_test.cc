// judge() for MAIL FROM's two records: an MX whose exchange is the feedback
// host (any preference, any case, trailing dot or not), and an SPF TXT record
// that includes amazonses.com (anywhere, any case, "+" or no qualifier); a
// record that says something else is wrong, and the kinds map to the types.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/evidence.h"

namespace vouch::core {
namespace {

using Kind = DnsAnswer::Kind;
using R = PerspectiveEvidence::Result;

const TimePoint kNow = TimePoint(std::chrono::seconds(1'750'000'000));
const std::string kName = "bounce.example.com";
const std::string kHost = mail_from_mx_target("us-east-1");
const std::string kInclude(kMailFromSpfInclude);

DnsAnswer records(std::vector<std::string> values, Kind kind = Kind::kRecords) {
  DnsAnswer a;
  a.resolver = "127.0.0.1:53";
  a.kind = kind;
  a.records = std::move(values);
  return a;
}

PerspectiveEvidence read_one(const DnsAnswer& a, RecordType type) {
  const std::string& expected = type == RecordType::kMx ? kHost : kInclude;
  Evidence e = judge({a}, kName, expected, 1, kNow, type);
  EXPECT_EQ(e.perspectives.size(), 1u);
  return e.perspectives.empty() ? PerspectiveEvidence{} : e.perspectives[0];
}

TEST(EvidenceMailFrom, KindsMapToMxAndSpf) {
  EXPECT_EQ(record_type(ClaimKind::kSesMailFromMx), RecordType::kMx);
  EXPECT_EQ(record_type(ClaimKind::kSesMailFromSpf), RecordType::kSpf);
  EXPECT_EQ(kHost, "feedback-smtp.us-east-1.amazonses.com");
}

TEST(EvidenceMailFrom, MxMatchesTheFeedbackHostWithAnyPreference) {
  for (const std::string& seen : {"10 " + kHost, "0 " + kHost + ".",
                                  std::string("65535 FEEDBACK-SMTP.US-EAST-1.AmazonSES.com")}) {
    auto p = read_one(records({"20 mx.example.com", seen}), RecordType::kMx);
    EXPECT_EQ(p.result, R::kFound) << seen;
    EXPECT_EQ(p.detail, "MX records");
  }
}

TEST(EvidenceMailFrom, OtherMxHostsAreWrong) {
  for (const std::string& seen : {std::string("10 feedback-smtp.eu-west-1.amazonses.com"),
                                  "10 x." + kHost, kHost, std::string("10 mx.example.com")}) {
    auto p = read_one(records({seen}), RecordType::kMx);
    EXPECT_EQ(p.result, R::kWrong) << seen;
    EXPECT_EQ(p.seen, std::vector<std::string>{seen});
  }
  auto none = read_one(records({}, Kind::kNoData), RecordType::kMx);
  EXPECT_EQ(none.result, R::kAbsent);
  EXPECT_EQ(none.detail, "no MX records");
}

TEST(EvidenceMailFrom, SpfWithTheIncludeAnywhereMatches) {
  for (const std::string& seen : {std::string("v=spf1 include:amazonses.com ~all"),
                                  std::string("v=spf1 a mx +include:amazonses.com -all"),
                                  std::string("V=SPF1 INCLUDE:AmazonSES.com"),
                                  std::string("v=spf1  ip4:192.0.2.1   include:amazonses.com")}) {
    auto p = read_one(records({"google-site-verification=abc", seen}), RecordType::kSpf);
    EXPECT_EQ(p.result, R::kFound) << seen;
    EXPECT_EQ(p.detail, "TXT records");
  }
}

TEST(EvidenceMailFrom, SpfWithoutThePassingIncludeIsWrong) {
  for (const std::string& seen :
       {std::string("v=spf1 include:_spf.example.net ~all"),
        std::string("v=spf1 -include:amazonses.com ~all"),  // a fail qualifier
        std::string("v=spf1 ~include:amazonses.com"),       // softfail
        std::string("v=spf1 include:amazonses.com.evil ~all"),
        std::string("v=spf10 include:amazonses.com"),  // not SPF version 1
        std::string("include:amazonses.com"),          // no version
        std::string("spf include:amazonses.com")}) {
    auto p = read_one(records({seen}), RecordType::kSpf);
    EXPECT_EQ(p.result, R::kWrong) << seen;
  }
}

TEST(EvidenceMailFrom, QuorumCountsPerspectivesAsForTxt) {
  const auto found = records({"v=spf1 include:amazonses.com ~all"});
  const auto other = records({"v=spf1 ~all"});
  EXPECT_EQ(judge({found, found, other}, kName, kInclude, 2, kNow, RecordType::kSpf).outcome,
            CheckOutcome::kFound);
  EXPECT_EQ(judge({found, other, other}, kName, kInclude, 2, kNow, RecordType::kSpf).outcome,
            CheckOutcome::kAbsent);
}

}  // namespace
}  // namespace vouch::core
