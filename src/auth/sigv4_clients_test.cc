// Requests signed by real clients, captured once into tests/testdata/sigv4:
// botocore 1.29 (pure Python and its awscrt signer, "crt-" files) and the JS
// SDK's @smithy/signature-v4 5.7. verify() must accept each at its own time.
#include <gtest/gtest.h>

#include "auth/parse.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"

namespace vouch::auth {
namespace {

const char* const kFiles[] = {
    "botocore/ses-verify-domain-identity",
    "botocore/ses-get-identity-verification-attributes",
    "botocore/ses-presigned-list-identities",
    "botocore/lattice-list-tags-for-resource",
    "botocore/lattice-tag-resource",
    "botocore/crt-ses-verify-domain-identity",
    "botocore/crt-ses-get-identity-verification-attributes",
    "botocore/crt-ses-presigned-list-identities",
    "botocore/crt-lattice-list-tags-for-resource",
    "botocore/crt-lattice-tag-resource",
    "smithy-js/ses-verify-email-identity",
    "smithy-js/lattice-get-domain-verification",
    "smithy-js/lattice-list-domain-verifications",
    "smithy-js/lattice-tag-resource",
    "smithy-js/lattice-presigned-list-tags",
};

std::optional<Credentials> client_key(std::string_view akid) {
  if (akid != "AKIAVOUCHEXAMPLE0001") return std::nullopt;
  return Credentials{"111122223333", "vouch/Secret+Key/EXAMPLE0123456789abcdefgh"};
}

class RealClients : public ::testing::TestWithParam<const char*> {};

TEST_P(RealClients, Verifies) {
  testing::OwnedRequest req = testing::parse_http(
      testing::read_file(std::string(VOUCH_TESTDATA) + "/sigv4/" + GetParam() + ".sreq"));
  auto scope = peek_scope(req.view());
  ASSERT_TRUE(scope.has_value());
  bool lattice = scope->service == "vpc-lattice";
  ASSERT_TRUE(lattice || scope->service == "ses");

  auto parsed = parse_auth(req.view());
  ASSERT_TRUE(std::holds_alternative<AuthParams>(parsed));
  vouch::core::TimePoint now = std::get<AuthParams>(parsed).time + std::chrono::seconds(30);

  VerifyOptions opts;
  opts.skew_window = lattice ? std::chrono::minutes(5) : std::chrono::minutes(15);
  opts.expected_service = lattice ? "vpc-lattice" : "ses";
  auto ok = verify(req.view(), client_key, now, opts);
  ASSERT_TRUE(std::holds_alternative<Principal>(ok)) << std::get<AuthError>(ok).message;
  EXPECT_EQ(std::get<Principal>(ok).account_id, "111122223333");
  EXPECT_EQ(std::get<Principal>(ok).access_key_id, "AKIAVOUCHEXAMPLE0001");
  EXPECT_EQ(std::get<Principal>(ok).service, opts.expected_service);

  // Any change to the signed path must break it.
  req.target.insert(1, "x");
  auto bad = verify(req.view(), client_key, now, opts);
  ASSERT_TRUE(std::holds_alternative<AuthError>(bad));
  EXPECT_EQ(std::get<AuthError>(bad).kind, Failure::kMismatch);
}

INSTANTIATE_TEST_SUITE_P(Captured, RealClients, ::testing::ValuesIn(kFiles),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-' || c == '/') c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace vouch::auth
