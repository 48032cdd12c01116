#include "core/event_json.h"

#include <gtest/gtest.h>

namespace vouch::core {
namespace {

const TimePoint kAt{std::chrono::seconds(1767225600)};  // 2026-01-01T00:00:00Z

Event make(ClaimKind kind, ClaimStatus from, ClaimStatus to) {
  Event e;
  e.seq = 42;
  e.scope = {"123456789012", "eu-west-1"};
  e.claim_id = kind == ClaimKind::kLatticeDomain ? "dv-0123456789abcdef0" : "id-1";
  e.kind = kind;
  e.subject = "example.com";
  e.change = {kAt, from, to};
  return e;
}

TEST(EventJsonTest, SesEventsUseSesV1StatusNamesAndTheIdentity) {
  Event e = make(ClaimKind::kSesDkimTxt, ClaimStatus::kVerified, ClaimStatus::kUnconfirmed);
  e.evidence = "{\"outcome\":\"absent\"}";
  auto j = event_json(e);
  EXPECT_EQ(j["id"], "evt-42");
  EXPECT_EQ(j["type"], "ses.dkim.status_changed");
  EXPECT_EQ(j["time"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(j["account_id"], "123456789012");
  EXPECT_EQ(j["region"], "eu-west-1");
  EXPECT_EQ(j["claim_kind"], "ses_dkim_txt");
  EXPECT_EQ(j["resource"], nlohmann::json({{"identity", "example.com"}}));
  EXPECT_EQ(j["old_status"], "Success");
  EXPECT_EQ(j["new_status"], "TemporaryFailure");
  EXPECT_EQ(j["evidence"]["outcome"], "absent");
}

TEST(EventJsonTest, LatticeEventsNameTheVerificationAndUseLatticeStatusNames) {
  auto j = event_json(make(ClaimKind::kLatticeDomain, ClaimStatus::kPending, ClaimStatus::kFailed));
  EXPECT_EQ(j["type"], "vpc-lattice.domain_verification.status_changed");
  EXPECT_EQ(j["resource"]["domainVerificationId"], "dv-0123456789abcdef0");
  EXPECT_EQ(j["resource"]["arn"],
            "arn:aws:vpc-lattice:eu-west-1:123456789012:domainverification/dv-0123456789abcdef0");
  EXPECT_EQ(j["old_status"], "PENDING");
  EXPECT_EQ(j["new_status"], "VERIFICATION_TIMED_OUT");
  EXPECT_FALSE(j.contains("evidence"));
}

TEST(EventJsonTest, EveryKindHasAKnownTypeAndIdsRoundTrip) {
  for (ClaimKind k :
       {ClaimKind::kSesDomain, ClaimKind::kSesEmail, ClaimKind::kLatticeDomain, ClaimKind::kSesDkim,
        ClaimKind::kSesDkimTxt, ClaimKind::kSesMailFromMx, ClaimKind::kSesMailFromSpf}) {
    EXPECT_TRUE(is_event_type(event_type(k)));
  }
  EXPECT_FALSE(is_event_type("ses.identity"));
  EXPECT_EQ(event_seq(event_id(7)), std::optional<int64_t>(7));
  EXPECT_EQ(event_seq("evt-"), std::nullopt);
  EXPECT_EQ(event_seq("evt-1x"), std::nullopt);
  EXPECT_EQ(event_seq("wh-1"), std::nullopt);
}

}  // namespace
}  // namespace vouch::core
