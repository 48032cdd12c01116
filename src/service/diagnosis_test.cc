// The diagnosis as a pure function of the claim, its typed evidence and the
// probes: each mistake named, and nothing named when there is none.
#include "service/diagnosis.h"

#include <gtest/gtest.h>

namespace vouch::service {
namespace {

using core::CheckOutcome;
using Result = core::PerspectiveEvidence::Result;

core::Claim txt_claim() {
  core::Claim c;
  c.kind = core::ClaimKind::kSesDomain;
  c.subject = "example.com";
  c.record_name = "_amazonses.example.com";
  c.token = "AbC123=";
  return c;
}

core::Claim dkim_claim() {
  core::Claim c;
  c.kind = core::ClaimKind::kSesDkim;
  c.subject = "example.com";
  c.record_name = "t1._domainkey.example.com";
  c.token = "t1.dkim.amazonses.com";
  return c;
}

core::Evidence evidence(CheckOutcome o, std::vector<core::PerspectiveEvidence> ps) {
  core::Evidence e;
  e.outcome = o;
  e.perspectives = std::move(ps);
  return e;
}

core::PerspectiveEvidence wrong(std::vector<std::string> seen) {
  return {"127.0.0.1:53", Result::kWrong, std::move(seen), "TXT records"};
}
core::PerspectiveEvidence error() { return {"127.0.0.2:53", Result::kError, {}, "timeout"}; }

bool mentions(const std::vector<std::string>& out, const std::string& part) {
  for (const auto& s : out) {
    if (s.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(DiagnosisTest, AbsentRecordSaysSo) {
  auto out = diagnose(txt_claim(), evidence(CheckOutcome::kAbsent, {}), {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "No TXT record with the expected value at _amazonses.example.com. yet.");
}

TEST(DiagnosisTest, FoundRecordNamesNothing) {
  EXPECT_TRUE(diagnose(txt_claim(), evidence(CheckOutcome::kFound, {}), {}).empty());
  EXPECT_TRUE(diagnose(txt_claim(), std::nullopt, {}).empty());
}

TEST(DiagnosisTest, QuotedAndWrongCaseValues) {
  auto quoted = diagnose(txt_claim(), evidence(CheckOutcome::kAbsent, {wrong({"\"AbC123=\""})}),
                         {});
  ASSERT_EQ(quoted.size(), 1u);
  EXPECT_TRUE(mentions(quoted, "quotation marks"));
  auto cased = diagnose(txt_claim(), evidence(CheckOutcome::kAbsent, {wrong({"abc123="})}), {});
  ASSERT_EQ(cased.size(), 1u);
  EXPECT_TRUE(mentions(cased, "letter case"));
  // Another value altogether is neither.
  auto other = diagnose(txt_claim(), evidence(CheckOutcome::kAbsent, {wrong({"v=spf1 -all"})}), {});
  EXPECT_FALSE(mentions(other, "quotation marks") || mentions(other, "letter case"));
  EXPECT_TRUE(mentions(other, "No TXT record"));
}

TEST(DiagnosisTest, ProbesNameTheDoubledZoneAndTheBareDomain) {
  Probes doubled{{"AbC123="}, {}};
  auto out = diagnose(txt_claim(), evidence(CheckOutcome::kAbsent, {}), doubled);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(
      mentions(out, "_amazonses.example.com.example.com. : the zone name was appended twice"));
  Probes bare{{}, {"other", "AbC123="}};
  out = diagnose(txt_claim(), evidence(CheckOutcome::kAbsent, {}), bare);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(mentions(out, "bare domain example.com."));
  // A TXT match is exact: another case at the probe is not the value.
  EXPECT_FALSE(mentions(diagnose(txt_claim(), std::nullopt, {{"abc123="}, {}}), "appended twice"));
}

TEST(DiagnosisTest, AllResolverErrorsAreNotCountedAgainstTheClaim) {
  auto out = diagnose(txt_claim(), evidence(CheckOutcome::kResolverError, {error(), error()}), {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(mentions(out, "No resolver gave an answer"));
  // One answer among the errors: not all errors.
  out = diagnose(txt_claim(), evidence(CheckOutcome::kResolverError, {error(), wrong({"x"})}), {});
  EXPECT_FALSE(mentions(out, "No resolver gave an answer"));
}

TEST(DiagnosisTest, DkimNamesWhereTheCnamePoints) {
  core::PerspectiveEvidence a{"r1", Result::kWrong, {"elsewhere.example."}, "CNAME records"};
  core::PerspectiveEvidence b{"r2", Result::kWrong, {"elsewhere.example."}, "CNAME records"};
  auto out = diagnose(dkim_claim(), evidence(CheckOutcome::kAbsent, {a, b}), {});
  ASSERT_EQ(out.size(), 1u);  // once, though two perspectives saw it
  EXPECT_EQ(out[0],
            "The CNAME at t1._domainkey.example.com. points to elsewhere.example. instead of "
            "t1.dkim.amazonses.com.");
  out = diagnose(dkim_claim(), evidence(CheckOutcome::kAbsent, {}), {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(mentions(out, "No CNAME record at t1._domainkey.example.com."));
  // A CNAME probe matches as a DNS name: any case, trailing dot or not.
  out = diagnose(dkim_claim(), std::nullopt, {{"T1.DKIM.amazonses.com."}, {}});
  EXPECT_TRUE(mentions(out, "appended twice"));
}

TEST(DiagnosisTest, EmailClaimsHaveNone) {
  core::Claim c = txt_claim();
  c.kind = core::ClaimKind::kSesEmail;
  EXPECT_TRUE(diagnose(c, evidence(CheckOutcome::kAbsent, {}), {{"AbC123="}, {}}).empty());
  EXPECT_FALSE(
      diagnose(txt_claim(), evidence(CheckOutcome::kAbsent, {}), {{"AbC123="}, {}}).empty());
}

TEST(DiagnosisTest, ProbesOnlyWhenTheRecordWasNotFound) {
  EXPECT_TRUE(needs_probes(txt_claim(), std::nullopt));
  EXPECT_TRUE(needs_probes(txt_claim(), evidence(CheckOutcome::kAbsent, {})));
  EXPECT_TRUE(needs_probes(txt_claim(), evidence(CheckOutcome::kResolverError, {})));
  EXPECT_FALSE(needs_probes(txt_claim(), evidence(CheckOutcome::kFound, {})));
  core::Claim email = txt_claim();
  email.kind = core::ClaimKind::kSesEmail;
  EXPECT_FALSE(needs_probes(email, std::nullopt));
}

}  // namespace
}  // namespace vouch::service
