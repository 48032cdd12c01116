// judge() for CNAME answers (DKIM): targets match as DNS names (any case, with
// or without the trailing dot), anything else is wrong, absence and resolver
// errors read as for TXT, and quorum works the same way.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/evidence.h"

namespace vouch::core {
namespace {

using Kind = DnsAnswer::Kind;
using R = PerspectiveEvidence::Result;

const TimePoint kNow = TimePoint(std::chrono::seconds(1'750'000'000));
const std::string kName = "abcdefghijklmnopqrstuvwxyz234567._domainkey.example.com";
const std::string kTarget = "abcdefghijklmnopqrstuvwxyz234567.dkim.amazonses.com";

DnsAnswer cname(Kind kind, std::vector<std::string> records = {}, std::string error = {}) {
  DnsAnswer a;
  a.resolver = "127.0.0.1:53";
  a.kind = kind;
  a.records = std::move(records);
  a.error = std::move(error);
  return a;
}

PerspectiveEvidence read_one(const DnsAnswer& a) {
  Evidence e = judge({a}, kName, kTarget, 1, kNow, RecordType::kCname);
  EXPECT_EQ(e.perspectives.size(), 1u);
  return e.perspectives.empty() ? PerspectiveEvidence{} : e.perspectives[0];
}

TEST(EvidenceCname, RecordTypeFollowsTheKind) {
  EXPECT_EQ(record_type(ClaimKind::kSesDkim), RecordType::kCname);
  for (ClaimKind k : {ClaimKind::kSesDomain, ClaimKind::kSesEmail, ClaimKind::kLatticeDomain}) {
    EXPECT_EQ(record_type(k), RecordType::kTxt);
  }
  EXPECT_EQ(dkim_record_name("tok", "example.com"), "tok._domainkey.example.com");
  EXPECT_EQ(dkim_target("tok"), "tok.dkim.amazonses.com");
}

TEST(EvidenceCname, TargetMatchesInAnyCaseWithOrWithoutTheTrailingDot) {
  for (const std::string& seen :
       {kTarget, kTarget + ".", std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567.DKIM.AmazonSES.com."),
        std::string("AbcdefghijklmnopqrstuvwxyZ234567.dkim.amazonses.COM")}) {
    auto p = read_one(cname(Kind::kRecords, {seen}));
    EXPECT_EQ(p.result, R::kFound) << seen;
    EXPECT_EQ(p.detail, "CNAME records");
  }
  // The expected value may carry the dot too.
  Evidence e = judge({cname(Kind::kRecords, {kTarget})}, kName, kTarget + ".", 1, kNow,
                     RecordType::kCname);
  EXPECT_EQ(e.outcome, CheckOutcome::kFound);
}

TEST(EvidenceCname, OtherTargetsAreWrong) {
  for (const std::string& seen :
       {kTarget + "..", kTarget.substr(1), "x" + kTarget, kTarget + ".example.com",
        std::string("abcdefghijklmnopqrstuvwxyz234567.dkim.amazonses.co"), std::string("."),
        std::string(""), "\"" + kTarget + "\""}) {
    auto p = read_one(cname(Kind::kRecords, {seen}));
    EXPECT_EQ(p.result, R::kWrong) << seen;
    ASSERT_EQ(p.seen.size(), 1u);
    EXPECT_EQ(p.seen[0], seen.substr(0, 100));
  }
}

TEST(EvidenceCname, TxtMatchingStaysExact) {
  // The same answer judged as TXT: the case and the dot matter there.
  Evidence e = judge({cname(Kind::kRecords, {kTarget + "."})}, kName, kTarget, 1, kNow);
  EXPECT_EQ(e.outcome, CheckOutcome::kAbsent);
  EXPECT_EQ(e.perspectives[0].detail, "TXT records");
}

TEST(EvidenceCname, AbsenceAndErrorsReadAsForTxt) {
  auto nx = read_one(cname(Kind::kNxDomain));
  EXPECT_EQ(nx.result, R::kAbsent);
  EXPECT_EQ(nx.detail, "NXDOMAIN");
  auto nodata = read_one(cname(Kind::kNoData));
  EXPECT_EQ(nodata.result, R::kAbsent);
  EXPECT_EQ(nodata.detail, "no CNAME records");
  auto empty = read_one(cname(Kind::kRecords));
  EXPECT_EQ(empty.result, R::kAbsent);
  EXPECT_EQ(empty.detail, "no CNAME records");
  auto servfail = read_one(cname(Kind::kServFail, {kTarget}));
  EXPECT_EQ(servfail.result, R::kError);
  EXPECT_EQ(servfail.detail, "SERVFAIL");
  auto bad = read_one(cname(Kind::kError, {}, "Misformatted DNS reply"));
  EXPECT_EQ(bad.result, R::kError);
  EXPECT_EQ(bad.detail, "error: Misformatted DNS reply");
  EXPECT_EQ(read_one(cname(Kind::kTimeout)).result, R::kError);
}

TEST(EvidenceCname, Quorum) {
  const auto found = cname(Kind::kRecords, {kTarget + "."});
  const auto gone = cname(Kind::kNxDomain);
  const auto error = cname(Kind::kTimeout);
  auto verdict = [](std::vector<DnsAnswer> as, size_t q) {
    return judge(as, kName, kTarget, q, kNow, RecordType::kCname).outcome;
  };
  EXPECT_EQ(verdict({found, found, gone}, 2), CheckOutcome::kFound);
  EXPECT_EQ(verdict({found, gone, gone}, 2), CheckOutcome::kAbsent);
  EXPECT_EQ(verdict({found, error, gone}, 2), CheckOutcome::kResolverError);
  EXPECT_EQ(verdict({found, found, found}, 3), CheckOutcome::kFound);
  EXPECT_EQ(verdict({found, found, error}, 3), CheckOutcome::kResolverError);
  EXPECT_EQ(verdict({error, error, error}, 1), CheckOutcome::kResolverError);
}

}  // namespace
}  // namespace vouch::core
