#include "crypto/webhook_signature.h"

#include <gtest/gtest.h>

namespace vouch::crypto {
namespace {

constexpr int64_t kT = 1767225600;
constexpr std::string_view kBody = R"({"id":"evt-1"})";

TEST(WebhookSignatureTest, MatchesAnIndependentHmac) {
  // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",
  //   b"1767225600.{\"id\":\"evt-1\"}",hashlib.sha256).hexdigest())'
  EXPECT_EQ(webhook_signature("whsec_test", kT, kBody),
            "t=1767225600,v1=7e38bb3fe8e8ae9e57cb46a061ce2c86771d851e2bdd45196549c84ba00e74cb");
}

TEST(WebhookSignatureTest, VerifiesItsOwnAndRefusesEveryAlteration) {
  const std::string h = webhook_signature("s", kT, kBody);
  EXPECT_TRUE(verify_webhook_signature("s", h, kBody, kT, 300));
  EXPECT_TRUE(verify_webhook_signature("s", h, kBody, kT + 300, 300));
  EXPECT_FALSE(verify_webhook_signature("s", h, kBody, kT + 301, 300)) << "a replay, too late";
  EXPECT_FALSE(verify_webhook_signature("other", h, kBody, kT, 300));
  EXPECT_FALSE(verify_webhook_signature("s", h, R"({"id":"evt-2"})", kT, 300));
  // The timestamp is signed: moving it breaks the signature.
  std::string moved = h;
  moved.replace(2, 10, std::to_string(kT + 1));
  EXPECT_FALSE(verify_webhook_signature("s", moved, kBody, kT, 300));
  for (std::string_view bad : {"", "t=,v1=", "v1=abc", "t=x,v1=abc", "t=1767225600"}) {
    EXPECT_FALSE(verify_webhook_signature("s", bad, kBody, kT, 300)) << bad;
  }
  // Any of several v1 entries (a secret being rolled over) may match.
  EXPECT_TRUE(verify_webhook_signature("s", "t=1767225600,v1=00," + h.substr(h.find("v1=")), kBody,
                                       kT, 300));
}

}  // namespace
}  // namespace vouch::crypto
