// The diagnosis of MAIL FROM's MX and SPF claims: the wrong MX host named, an
// SPF record without the include told apart from no SPF record at all, no
// probes asked (the subject may be an address), and nothing named once found.
#include <gtest/gtest.h>

#include "service/diagnosis.h"

namespace vouch::service {
namespace {

using core::CheckOutcome;
using Result = core::PerspectiveEvidence::Result;

core::Claim claim(core::ClaimKind kind) {
  core::Claim c;
  c.kind = kind;
  c.subject = "someone@example.com";
  c.record_name = "mail.example.com";
  c.token = kind == core::ClaimKind::kSesMailFromMx ? "feedback-smtp.us-east-1.amazonses.com"
                                                    : "include:amazonses.com";
  return c;
}

core::Evidence evidence(CheckOutcome o, std::vector<core::PerspectiveEvidence> ps) {
  core::Evidence e;
  e.outcome = o;
  e.perspectives = std::move(ps);
  return e;
}

core::PerspectiveEvidence seen(std::vector<std::string> values) {
  return {"127.0.0.1:53", Result::kWrong, std::move(values), "records"};
}

const core::Claim kMx = claim(core::ClaimKind::kSesMailFromMx);
const core::Claim kSpf = claim(core::ClaimKind::kSesMailFromSpf);

TEST(DiagnosisMailFromTest, NoProbesAndNothingOnceFound) {
  EXPECT_FALSE(needs_probes(kMx, std::nullopt));
  EXPECT_FALSE(needs_probes(kSpf, evidence(CheckOutcome::kAbsent, {})));
  EXPECT_TRUE(diagnose(kMx, evidence(CheckOutcome::kFound, {}), {}).empty());
  EXPECT_TRUE(diagnose(kSpf, std::nullopt, {}).empty());
}

TEST(DiagnosisMailFromTest, TheMxNamesWhatItPointsToInstead) {
  EXPECT_EQ(diagnose(kMx, evidence(CheckOutcome::kAbsent, {}), {}),
            std::vector<std::string>{"No MX record at mail.example.com. pointing to "
                                     "feedback-smtp.us-east-1.amazonses.com. yet."});
  auto out = diagnose(kMx, evidence(CheckOutcome::kAbsent, {seen({"10 mx.example.net"})}), {});
  EXPECT_EQ(out, std::vector<std::string>{
                     "The MX record at mail.example.com. is 10 mx.example.net; it must point to "
                     "feedback-smtp.us-east-1.amazonses.com. (any preference, e.g. 10)."});
}

TEST(DiagnosisMailFromTest, AnSpfWithoutTheIncludeIsToldFromNoSpf) {
  auto other = diagnose(
      kSpf, evidence(CheckOutcome::kAbsent, {seen({"V=spf1 include:_spf.example.net ~all"})}), {});
  ASSERT_EQ(other.size(), 1u);
  EXPECT_NE(other[0].find("does not include include:amazonses.com"), std::string::npos);
  auto none = diagnose(kSpf, evidence(CheckOutcome::kAbsent, {seen({"site-verification=x"})}), {});
  ASSERT_EQ(none.size(), 1u);
  EXPECT_NE(none[0].find("No SPF record"), std::string::npos);
}

TEST(DiagnosisMailFromTest, OnlyErrorsSayNoAnswer) {
  auto out = diagnose(
      kMx,
      evidence(CheckOutcome::kResolverError, {{"127.0.0.1:53", Result::kError, {}, "SERVFAIL"}}),
      {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("No resolver gave an answer"), std::string::npos);
}

}  // namespace
}  // namespace vouch::service
