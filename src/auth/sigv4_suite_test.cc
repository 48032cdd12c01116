// AWS's published SigV4 test suite (tests/testdata/sigv4/<case>/), checked
// at each stage: canonical request, string to sign, and end-to-end verify.
#include <gtest/gtest.h>

#include "auth/canonical.h"
#include "auth/signing_key.h"
#include "auth/parse.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"

namespace vouch::auth {
namespace {

using testing::at;
using testing::parse_http;
using testing::read_file;

const char* const kCases[] = {
    "get-header-key-duplicate",
    "get-header-value-order",
    "get-header-value-trim",
    "get-relative",
    "get-relative-relative",
    "get-slash",
    "get-slash-dot-slash",
    "get-slash-pointless-dot",
    "get-slashes",
    "get-space",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-key",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-order-value",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-header-after",
    "post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
};

std::optional<Credentials> example_key(std::string_view akid) {
  if (akid != "AKIDEXAMPLE") return std::nullopt;
  return Credentials{"111122223333", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
}

class AwsSuite : public ::testing::TestWithParam<const char*> {
 protected:
  std::string file(const char* ext) {
    std::string name = GetParam();
    return read_file(std::string(VOUCH_TESTDATA) + "/sigv4/" + name + "/" + name + "." + ext);
  }
};

TEST_P(AwsSuite, CanonicalRequestStringToSignAndVerify) {
  testing::OwnedRequest sreq = parse_http(file("sreq"));
  std::string sts_expected = file("sts");
  auto parsed = parse_auth(sreq.view());
  ASSERT_TRUE(std::holds_alternative<AuthParams>(parsed));
  const AuthParams& p = std::get<AuthParams>(parsed);

  std::string creq = *canonical_request(sreq.view(), p.signed_headers, sha256_hex(sreq.body));
  EXPECT_EQ(creq, file("creq"));

  std::string sts = string_to_sign(p.amz_date, p.credential_scope, creq);
  EXPECT_EQ(sts, sts_expected);
  EXPECT_NE(file("authz").find("Signature=" + p.signature), std::string::npos);

  vouch::core::TimePoint now = at(sts_expected.substr(17, 16));
  auto ok = verify(sreq.view(), example_key, now, VerifyOptions{});
  ASSERT_TRUE(std::holds_alternative<Principal>(ok)) << std::get<AuthError>(ok).message;
  EXPECT_EQ(std::get<Principal>(ok).account_id, "111122223333");
  EXPECT_EQ(std::get<Principal>(ok).region, "us-east-1");

  // One flipped signature character must fail.
  for (Header& h : sreq.headers) {
    if (h.name == "Authorization") h.value.back() = h.value.back() == '0' ? '1' : '0';
  }
  auto bad = verify(sreq.view(), example_key, now, VerifyOptions{});
  ASSERT_TRUE(std::holds_alternative<AuthError>(bad));
  EXPECT_EQ(std::get<AuthError>(bad).kind, Failure::kMismatch);
}

INSTANTIATE_TEST_SUITE_P(Published, AwsSuite, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace vouch::auth
