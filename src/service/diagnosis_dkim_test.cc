// The diagnosis of BYODKIM claims: a key record with another key, the key
// published without its tags, probes that find the key record at the wrong
// name, and nothing but "not yet" when nothing was seen.
#include <gtest/gtest.h>

#include "core/dkim_key.h"
#include "service/diagnosis.h"

namespace vouch::service {
namespace {

using core::CheckOutcome;
using Result = core::PerspectiveEvidence::Result;

const std::string kKey = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkey0123456789abcdefghij";

core::Claim key_claim() {
  core::Claim c;
  c.kind = core::ClaimKind::kSesDkimTxt;
  c.subject = "example.com";
  c.record_name = "sel._domainkey.example.com";
  c.token = kKey;
  return c;
}

core::Evidence seen(CheckOutcome o, std::vector<std::string> values) {
  core::Evidence e;
  e.outcome = o;
  Result r = values.empty() ? Result::kAbsent : Result::kWrong;
  e.perspectives.push_back({"127.0.0.1:53", r, std::move(values), "TXT records"});
  return e;
}

TEST(DiagnosisDkimTest, NothingSeenIsNotYet) {
  auto out = diagnose(key_claim(), seen(CheckOutcome::kAbsent, {}), {});
  EXPECT_EQ(out, std::vector<std::string>{"No DKIM key record with the expected public key at "
                                          "sel._domainkey.example.com. yet."});
}

TEST(DiagnosisDkimTest, AnotherKeyIsNamedWithTheRecordToPublish) {
  auto out = diagnose(key_claim(), seen(CheckOutcome::kAbsent, {"v=DKIM1; k=rsa; p=MIIBother"}),
                      {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0],
            "The DKIM record at sel._domainkey.example.com. holds another public key than the one "
            "of the private key you gave. Publish \"v=DKIM1; k=rsa; p=" +
                kKey + "\".");
}

TEST(DiagnosisDkimTest, AKeyWithoutItsTagsIsNamed) {
  auto out = diagnose(key_claim(), seen(CheckOutcome::kAbsent, {kKey}), {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("is published without its tags"), std::string::npos) << out[0];
  EXPECT_EQ(out[0].find("another public key"), std::string::npos);
}

TEST(DiagnosisDkimTest, ProbesMatchAsKeyRecords) {
  const std::string record = core::dkim_key_record(kKey);
  Probes p{{record}, {}};
  auto out = diagnose(key_claim(), seen(CheckOutcome::kAbsent, {}), p);
  ASSERT_FALSE(out.empty());
  EXPECT_NE(out[0].find("the zone name was appended twice"), std::string::npos) << out[0];
  // The bare key at the doubled name is no key record: not taken for one.
  auto bare = diagnose(key_claim(), seen(CheckOutcome::kAbsent, {}), Probes{{kKey}, {}});
  for (const auto& s : bare) EXPECT_EQ(s.find("appended twice"), std::string::npos) << s;
}

}  // namespace
}  // namespace vouch::service
