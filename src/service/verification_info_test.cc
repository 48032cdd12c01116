// VerificationInfo from evidence: AWS's error for each way a check fails,
// which check speaks for an identity, and where the SOA comes from.
#include "service/verification_info.h"

#include <gtest/gtest.h>

#include "core/status_machine.h"

namespace vouch::service {
namespace {

using core::CheckOutcome;
using core::Evidence;
using R = core::PerspectiveEvidence::Result;
using E = VerificationError;

const core::TimePoint kT0{std::chrono::seconds(1'780'000'000)};

Evidence evidence(CheckOutcome o, std::vector<std::pair<R, std::string>> ps,
                  core::TimePoint at = kT0) {
  Evidence e;
  e.at = at;
  e.outcome = o;
  for (auto& [r, detail] : ps) e.perspectives.push_back({"127.0.0.1:53", r, {}, detail});
  return e;
}

TEST(VerificationError, EachWayACheckFails) {
  EXPECT_EQ(verification_error(evidence(CheckOutcome::kFound, {{R::kFound, "TXT records"}})),
            std::nullopt);
  EXPECT_EQ(verification_error(evidence(CheckOutcome::kAbsent, {{R::kAbsent, "NXDOMAIN"}})),
            E::kHostNotFound);
  EXPECT_EQ(
      verification_error(evidence(CheckOutcome::kAbsent, {{R::kAbsent, "not a valid DNS name"}})),
      E::kHostNotFound);
  EXPECT_EQ(verification_error(evidence(CheckOutcome::kAbsent, {{R::kAbsent, "no TXT records"}})),
            E::kTypeNotFound);
  EXPECT_EQ(verification_error(evidence(CheckOutcome::kAbsent, {{R::kAbsent, "no CNAME records"}})),
            E::kTypeNotFound);
  EXPECT_EQ(verification_error(evidence(CheckOutcome::kAbsent, {{R::kWrong, "TXT records"}})),
            E::kInvalidValue);
  for (const char* d : {"SERVFAIL", "REFUSED", "timeout", "timeout: Timeout while contacting",
                        "error: Could not contact DNS servers"}) {
    EXPECT_EQ(verification_error(evidence(CheckOutcome::kResolverError, {{R::kError, d}})),
              E::kDnsServerError)
        << d;
  }
  EXPECT_EQ(verification_error(
                evidence(CheckOutcome::kResolverError, {{R::kError, "error: Out of memory"}})),
            E::kServiceError);
  EXPECT_EQ(verification_error(evidence(CheckOutcome::kResolverError, {})), E::kServiceError);
}

TEST(VerificationError, MixedPerspectivesNameTheMostTelling) {
  // A wrong value beats absence, and a name that exists beats NXDOMAIN.
  EXPECT_EQ(verification_error(evidence(CheckOutcome::kAbsent,
                                        {{R::kAbsent, "NXDOMAIN"}, {R::kWrong, "TXT records"}})),
            E::kInvalidValue);
  EXPECT_EQ(verification_error(evidence(
                CheckOutcome::kAbsent, {{R::kAbsent, "NXDOMAIN"}, {R::kAbsent, "no TXT records"}})),
            E::kTypeNotFound);
  // One server failing among found answers, short of the quorum: the server's error.
  EXPECT_EQ(verification_error(evidence(CheckOutcome::kResolverError,
                                        {{R::kFound, "TXT records"}, {R::kError, "SERVFAIL"}})),
            E::kDnsServerError);
}

TEST(VerificationInfo, EverCheckedFollowsWhatAChecksLeaves) {
  core::Claim c;
  auto p = core::policy_for(c.kind);
  c = core::restart(p, c, kT0);
  EXPECT_FALSE(ever_checked(c));
  for (auto o : {CheckOutcome::kFound, CheckOutcome::kAbsent, CheckOutcome::kResolverError}) {
    EXPECT_TRUE(ever_checked(core::apply_check(p, c, o, kT0))) << static_cast<int>(o);
    // The first check at the deadline itself, too (absent there fails the claim).
    EXPECT_TRUE(ever_checked(core::apply_check(p, c, o, c.deadline))) << static_cast<int>(o);
  }
}

TEST(VerificationInfo, EmptyUntilACheckRan) {
  auto info = verification_info(core::ClaimStatus::kPending, std::vector<core::Evidence>{},
                                std::nullopt);
  EXPECT_FALSE(info.last_checked || info.last_success || info.error || info.soa);
}

TEST(VerificationInfo, TheLatestFailingCheckSpeaks) {
  auto nx = evidence(CheckOutcome::kAbsent, {{R::kAbsent, "NXDOMAIN"}}, kT0);
  auto wrong = evidence(CheckOutcome::kAbsent, {{R::kWrong, "TXT records"}},
                        kT0 + core::Seconds(5));
  auto found = evidence(CheckOutcome::kFound, {{R::kFound, "TXT records"}}, kT0 + core::Seconds(9));
  auto info = verification_info(core::ClaimStatus::kPending, {nx, wrong, found}, std::nullopt);
  EXPECT_EQ(info.last_checked, kT0 + core::Seconds(9));
  EXPECT_EQ(info.error, E::kInvalidValue);
  // On a tie the first (the identity's own record) speaks.
  auto tie = verification_info(core::ClaimStatus::kPending, {nx, wrong, nx}, std::nullopt);
  EXPECT_EQ(tie.error, E::kInvalidValue);
  auto first = verification_info(
      core::ClaimStatus::kPending,
      {nx, evidence(CheckOutcome::kAbsent, {{R::kAbsent, "no TXT records"}})}, std::nullopt);
  EXPECT_EQ(first.error, E::kHostNotFound);
}

TEST(VerificationInfo, NoErrorWhileVerified) {
  auto nx = evidence(CheckOutcome::kAbsent, {{R::kAbsent, "NXDOMAIN"}});
  const auto success = kT0 - core::Seconds(60);
  auto info = verification_info(core::ClaimStatus::kVerified, {nx}, success);
  EXPECT_FALSE(info.error.has_value());
  EXPECT_EQ(info.last_success, success);
  EXPECT_EQ(info.last_checked, kT0);
  // The same evidence on an unconfirmed identity: the error shows.
  EXPECT_EQ(verification_info(core::ClaimStatus::kUnconfirmed, {nx}, success).error,
            E::kHostNotFound);
}

TEST(VerificationInfo, SoaFromTheFailingCheckElseTheLatest) {
  auto found = evidence(CheckOutcome::kFound, {{R::kFound, "TXT records"}}, kT0);
  found.soa = core::Soa{"ns1.example.com", "hostmaster.example.com", 1};
  auto later = found;
  later.at = kT0 + core::Seconds(1);
  later.soa->serial = 2;
  auto failing = evidence(CheckOutcome::kAbsent, {{R::kAbsent, "no TXT records"}}, kT0);
  failing.soa = core::Soa{"ns1.example.com", "hostmaster.example.com", 3};
  EXPECT_EQ(verification_info(core::ClaimStatus::kVerified, {found, later}, kT0).soa->serial, 2u);
  EXPECT_EQ(
      verification_info(core::ClaimStatus::kPending, {later, failing}, std::nullopt).soa->serial,
      3u);
  failing.soa.reset();  // SERVFAIL-like: no zone learnt there, the latest known stands
  EXPECT_EQ(
      verification_info(core::ClaimStatus::kPending, {later, failing}, std::nullopt).soa->serial,
      2u);
  EXPECT_FALSE(verification_info(core::ClaimStatus::kPending, {failing}, std::nullopt).soa);
}

}  // namespace
}  // namespace vouch::service
