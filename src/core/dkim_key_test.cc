// Reading DKIM key records for their p=: the shapes DNS consoles and zone
// files produce (tag order, whitespace, joined strings), and what is no key.
#include "core/dkim_key.h"

#include <gtest/gtest.h>

#include <string>

namespace vouch::core {
namespace {

const std::string kKey = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1+ab/cd==";

TEST(DkimKey, TheCanonicalRecordMatches) {
  EXPECT_EQ(dkim_key_record(kKey), "v=DKIM1; k=rsa; p=" + kKey);
  EXPECT_EQ(dkim_public_key(dkim_key_record(kKey)), kKey);
  EXPECT_TRUE(dkim_key_matches(dkim_key_record(kKey), kKey));
}

TEST(DkimKey, TagsInAnyOrderWithOrWithoutVersionAndKeyType) {
  for (const std::string& r : {"p=" + kKey, "k=rsa; p=" + kKey, "p=" + kKey + "; v=DKIM1; k=rsa",
                               "k=rsa; p=" + kKey + "; v=DKIM1", "v=DKIM1; p=" + kKey,
                               "v=DKIM1; h=sha256; k=rsa; s=email; t=s; p=" + kKey,
                               "v=DKIM1; k=rsa; p=" + kKey + ";", ";;v=DKIM1;; p=" + kKey + ";;"}) {
    EXPECT_TRUE(dkim_key_matches(r, kKey)) << r;
  }
}

TEST(DkimKey, WhitespaceAnywhereIncludingInsideTheKey) {
  const std::string split = kKey.substr(0, 10) + " \t" + kKey.substr(10, 7) + "\r\n " +
                            kKey.substr(17);
  for (const std::string& r :
       {"v = DKIM1 ;k = rsa ; p = " + kKey + " ", "  v=DKIM1;\tk=rsa;\n p=" + split,
        "v=DKIM1; k=rsa; p=" + split + "  ", "v=DKIM 1; k=r sa; p=" + kKey}) {
    EXPECT_TRUE(dkim_key_matches(r, kKey)) << r;
  }
  // The expected key is compared without whitespace too.
  EXPECT_TRUE(dkim_key_matches(dkim_key_record(kKey), " " + split));
}

TEST(DkimKey, StringsOfOneRecordJoinedAnywhere) {
  // A TXT record's strings arrive joined with nothing between them.
  const std::string record = dkim_key_record(kKey);
  for (size_t cut = 1; cut < record.size(); ++cut) {
    const std::string joined = record.substr(0, cut) + record.substr(cut);
    EXPECT_TRUE(dkim_key_matches(joined, kKey)) << cut;
  }
}

TEST(DkimKey, AnotherKeyDoesNotMatch) {
  EXPECT_TRUE(dkim_key_matches(dkim_key_record(kKey), kKey));  // the control
  EXPECT_FALSE(dkim_key_matches(dkim_key_record(kKey + "A"), kKey));
  EXPECT_FALSE(dkim_key_matches(dkim_key_record(kKey.substr(1)), kKey));
  // Base64 is case-sensitive.
  std::string other = kKey;
  other[5] = 'a';
  EXPECT_FALSE(dkim_key_matches(dkim_key_record(other), kKey));
}

TEST(DkimKey, RecordsThatAreNoUsableRsaKey) {
  EXPECT_TRUE(dkim_key_matches("v=DKIM1; k=rsa; p=" + kKey, kKey));  // the control
  for (const std::string& r :
       {std::string("v=DKIM1; k=rsa; p="),            // revoked
        std::string("v=DKIM1; k=rsa"),                // no key
        "v=DKIM2; k=rsa; p=" + kKey,                  // another version
        "v=dkim1; k=rsa; p=" + kKey,                  // tag values are case-sensitive
        "v=DKIM1; k=ed25519; p=" + kKey,              // another key type
        "v=DKIM1; K=rsa; P=" + kKey,                  // tag names are case-sensitive
        "v=DKIM1; k=rsa; p=" + kKey + "; p=" + kKey,  // a tag twice
        "v=DKIM1; rsa; p=" + kKey,                    // a tag without '='
        kKey, "\"v=DKIM1; k=rsa; p=" + kKey + "\"",   // a bare key; quotes kept in the value
        std::string("v=spf1 include:amazonses.com ~all"), std::string()}) {
    EXPECT_FALSE(dkim_key_matches(r, kKey)) << r;
  }
}

TEST(DkimKey, AnEmptyExpectedKeyMatchesNothing) {
  EXPECT_FALSE(dkim_key_matches("v=DKIM1; k=rsa; p=", ""));
  EXPECT_FALSE(dkim_key_matches("v=DKIM1; k=rsa; p= ", " "));
}

}  // namespace
}  // namespace vouch::core
