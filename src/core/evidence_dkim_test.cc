// judge() for BYODKIM claims: a TXT lookup whose records match when they are
// DKIM key records holding the expected public key; another key is wrong,
// and absence, resolver errors and quorum read as for any TXT claim.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/dkim_key.h"
#include "core/evidence.h"

namespace vouch::core {
namespace {

using Kind = DnsAnswer::Kind;
using R = PerspectiveEvidence::Result;

const TimePoint kNow = TimePoint(std::chrono::seconds(1'750'000'000));
const std::string kName = "sel1._domainkey.example.com";
const std::string kKey = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1key";

DnsAnswer txt(Kind kind, std::vector<std::string> records = {}, std::string resolver = "r1") {
  DnsAnswer a;
  a.resolver = std::move(resolver);
  a.kind = kind;
  a.records = std::move(records);
  return a;
}

TEST(EvidenceDkim, TheKindIsATxtLookup) {
  EXPECT_EQ(record_type(ClaimKind::kSesDkimTxt), RecordType::kTxt);
}

TEST(EvidenceDkim, AKeyRecordWithTheKeyIsFoundAmongOtherRecords) {
  const std::vector<std::string> records = {"v=spf1 -all", "k=rsa; p=" + kKey + " ;v=DKIM1"};
  EXPECT_TRUE(matches(records, kKey, ClaimKind::kSesDkimTxt));
  // An exact TXT match would not see it: the kind chooses the match.
  EXPECT_FALSE(matches(records, kKey, ClaimKind::kSesDomain));
  EXPECT_FALSE(matches(records, kKey, RecordType::kTxt));
  Evidence e = judge({txt(Kind::kRecords, records)}, kName, kKey, 1, kNow, ClaimKind::kSesDkimTxt);
  EXPECT_EQ(e.outcome, CheckOutcome::kFound);
  EXPECT_EQ(e.perspectives[0].result, R::kFound);
  EXPECT_EQ(e.expected, kKey);
  EXPECT_EQ(e.record_name, kName);
}

TEST(EvidenceDkim, TheBareKeyAloneIsNoKeyRecord) {
  // An exact TXT equal to the key matches other kinds, not a DKIM key claim.
  EXPECT_TRUE(matches({kKey}, kKey, ClaimKind::kSesDomain));
  EXPECT_FALSE(matches({kKey}, kKey, ClaimKind::kSesDkimTxt));
}

TEST(EvidenceDkim, AnotherKeyIsWrongAndShowsWhatWasSeen) {
  const std::string other = dkim_key_record(kKey + "X");
  Evidence e = judge({txt(Kind::kRecords, {other})}, kName, kKey, 1, kNow, ClaimKind::kSesDkimTxt);
  EXPECT_EQ(e.outcome, CheckOutcome::kAbsent);
  ASSERT_EQ(e.perspectives.size(), 1u);
  EXPECT_EQ(e.perspectives[0].result, R::kWrong);
  EXPECT_EQ(e.perspectives[0].seen, std::vector<std::string>{other});
  EXPECT_EQ(e.perspectives[0].detail, "TXT records");
}

TEST(EvidenceDkim, AbsenceErrorsAndQuorumAsForTxt) {
  const std::string good = dkim_key_record(kKey);
  Evidence nx = judge({txt(Kind::kNxDomain)}, kName, kKey, 1, kNow, ClaimKind::kSesDkimTxt);
  EXPECT_EQ(nx.outcome, CheckOutcome::kAbsent);
  EXPECT_EQ(nx.perspectives[0].detail, "NXDOMAIN");
  Evidence fail = judge({txt(Kind::kServFail)}, kName, kKey, 1, kNow, ClaimKind::kSesDkimTxt);
  EXPECT_EQ(fail.outcome, CheckOutcome::kResolverError);
  // Two of three must see it.
  Evidence one = judge({txt(Kind::kRecords, {good}, "a"), txt(Kind::kNoData, {}, "b"),
                        txt(Kind::kRecords, {"p=other"}, "c")},
                       kName, kKey, 2, kNow, ClaimKind::kSesDkimTxt);
  EXPECT_EQ(one.outcome, CheckOutcome::kAbsent);
  Evidence two = judge({txt(Kind::kRecords, {good}, "a"), txt(Kind::kNoData, {}, "b"),
                        txt(Kind::kRecords, {"p=" + kKey}, "c")},
                       kName, kKey, 2, kNow, ClaimKind::kSesDkimTxt);
  EXPECT_EQ(two.outcome, CheckOutcome::kFound);
}

}  // namespace
}  // namespace vouch::core
