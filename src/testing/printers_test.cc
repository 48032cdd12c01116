// The shared printers and the claim comparison: names, not bytes, and every
// differing field named (with a same-claim control).
#include "testing/printers.h"

#include <gtest/gtest.h>

namespace vouch::testing {
namespace {

using core::Claim;
using core::ClaimKind;
using core::ClaimStatus;

const core::TimePoint T0{std::chrono::seconds(1'700'000'000)};

Claim claim() {
  Claim c;
  c.id = "id-1";
  c.scope = {"111122223333", "us-east-1"};
  c.kind = ClaimKind::kSesDomain;
  c.subject = "example.com";
  c.created_at = T0;
  c.deadline = T0 + std::chrono::hours(72);
  return c;
}

TEST(PrintersTest, EnumsPrintTheirNames) {
  EXPECT_EQ(::testing::PrintToString(ClaimStatus::kVerified), "Verified");
  EXPECT_EQ(::testing::PrintToString(ClaimKind::kSesDkim), "SesDkim");
  EXPECT_EQ(::testing::PrintToString(core::CheckOutcome::kResolverError), "ResolverError");
  EXPECT_EQ(::testing::PrintToString(core::RecordType::kCname), "CNAME");
  EXPECT_EQ(::testing::PrintToString(core::CreateOutcome::kLiveDuplicate), "LiveDuplicate");
  EXPECT_EQ(::testing::PrintToString(core::Mail::State::kSent), "Sent");
  EXPECT_EQ(::testing::PrintToString(core::SendResult::Kind::kPermanent), "Permanent");
  EXPECT_EQ(::testing::PrintToString(core::Scope{"111122223333", "eu-west-1"}),
            "111122223333/eu-west-1");
}

TEST(PrintersTest, TimesShowNanosecondsOnlyWhenThereAreAny) {
  EXPECT_EQ(to_string(T0), "@1700000000");
  EXPECT_EQ(to_string(T0 + std::chrono::nanoseconds(17)), "@1700000000.000000017");
  EXPECT_EQ(to_string(std::optional<core::TimePoint>{}), "none");
}

TEST(PrintersTest, AClaimPrintsEveryField) {
  Claim c = claim();
  c.tags = {{"k", "v"}};
  const std::string s = ::testing::PrintToString(c);
  for (const char* part : {"id=id-1", "scope=111122223333/us-east-1", "kind=SesDomain",
                           "status=Pending", "next_check_at=none", "tags={k=v}", "version=0"}) {
    EXPECT_NE(s.find(part), std::string::npos) << part << " in " << s;
  }
}

TEST(PrintersTest, SameClaimNamesEachFieldThatDiffers) {
  const Claim want = claim();
  EXPECT_TRUE(same_claim(want, want));  // the control
  Claim got = want;
  got.status = ClaimStatus::kFailed;
  got.next_check_at = T0;
  auto r = same_claim(got, want);
  ASSERT_FALSE(r);
  const std::string msg = r.message();
  EXPECT_NE(msg.find("status: got Failed, want Pending"), std::string::npos) << msg;
  EXPECT_NE(msg.find("next_check_at: got @1700000000, want none"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("subject"), std::string::npos) << msg;  // equal fields stay quiet
}

TEST(PrintersTest, SameClaimSeesEveryField) {
  const Claim want = claim();
  std::vector<std::function<void(Claim&)>> changes = {
      [](Claim& c) { c.id = "x"; },
      [](Claim& c) { c.scope.region = "eu-west-1"; },
      [](Claim& c) { c.kind = ClaimKind::kSesEmail; },
      [](Claim& c) { c.subject = "x"; },
      [](Claim& c) { c.record_name = "x"; },
      [](Claim& c) { c.token = "x"; },
      [](Claim& c) { c.status = ClaimStatus::kVerified; },
      [](Claim& c) { c.created_at += std::chrono::nanoseconds(1); },
      [](Claim& c) { c.deadline += std::chrono::nanoseconds(1); },
      [](Claim& c) { c.next_check_at = T0; },
      [](Claim& c) { c.last_verified_at = T0; },
      [](Claim& c) { c.absent_since = T0; },
      [](Claim& c) { c.attempts = 1; },
      [](Claim& c) { c.dkim_tokens = {"t"}; },
      [](Claim& c) {
        c.tags = {{"k", "v"}};
      },
      [](Claim& c) { c.seq = 1; },
      [](Claim& c) { c.version = 1; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    Claim got = want;
    changes[i](got);
    EXPECT_FALSE(same_claim(got, want)) << "change " << i;
  }
}

}  // namespace
}  // namespace vouch::testing
