// Unit cases for verify(): each failure kind and its exact AWS text.
#include <stdexcept>

#include <gtest/gtest.h>

#include "auth/canonical.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"

namespace vouch::auth {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::at;
using testing::check;
using testing::drop_header;
using testing::error_of;
using testing::input;
using testing::kNow;
using testing::Req;
using testing::set_header;
using testing::signed_req;

constexpr char kArnPath[] =
    "/tags/arn%3Aaws%3Avpc-lattice%3Aus-east-1%3A111122223333%3Adomainverification%2F"
    "dv-0123456789abcdef0";
constexpr char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

TEST(Verify, AcceptsSignedRequest) {
  auto v = check(signed_req(input()));
  ASSERT_TRUE(std::holds_alternative<Principal>(v)) << error_of(v).message;
  const Principal& p = std::get<Principal>(v);
  EXPECT_EQ(p.access_key_id, "AKIDTEST");
  EXPECT_EQ(p.account_id, "123456789012");
  EXPECT_EQ(p.region, "us-east-1");
  EXPECT_EQ(p.service, "vpc-lattice");
}

TEST(Verify, Missing) {
  Req r{"GET", "/", "", {{"Host", "x"}}};
  AuthError e = error_of(check(r));
  EXPECT_EQ(e.kind, Failure::kMissing);
  EXPECT_EQ(e.message, "Missing Authentication Token");
}

TEST(Verify, IncompleteNamesEachMissingPart) {
  Req r{"GET", "/", "", {{"Host", "x"}, {"X-Amz-Date", "20260101T003000Z"}}};
  set_header(r, "Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host");
  AuthError e = error_of(check(r));
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(e.message,
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host");

  set_header(r, "Authorization",
             "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/ses/aws4_request");
  e = error_of(check(r));
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(e.message.rfind("Authorization header requires 'Signature' parameter. Authorization "
                            "header requires 'SignedHeaders' parameter. Authorization=",
                            0),
            0u)
      << e.message;
}

TEST(Verify, IncompleteWithoutDate) {
  Req r = signed_req(input());
  drop_header(r, "x-amz-date");
  AuthError e = error_of(check(r));
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(e.message.rfind("Authorization header requires existence of either a 'X-Amz-Date' or "
                            "a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=",
                            0),
            0u)
      << e.message;
}

TEST(Verify, IncompleteBadScopeAlgorithmDateAndHost) {
  Req r = signed_req(input());
  std::string authz = r.headers.back().value;
  auto with = [&](std::string from, std::string to) {
    Req copy = r;
    std::string v = authz;
    v.replace(v.find(from), from.size(), to);
    set_header(copy, "Authorization", v);
    return error_of(check(copy));
  };
  AuthError e = with("/aws4_request", "/aws5_request");
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(e.message, "Credential should be scoped with a valid terminator: 'aws4_request', not "
                       "'aws5_request'. ");
  EXPECT_EQ(with("/us-east-1/", "/").kind, Failure::kIncomplete);
  EXPECT_EQ(with("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256").kind, Failure::kIncomplete);
  e = with("SignedHeaders=host;", "SignedHeaders=");
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(e.message, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

  Req bad_date = r;
  set_header(bad_date, "X-Amz-Date", "2026-01-01T00:30:00Z");
  EXPECT_EQ(error_of(check(bad_date)).kind, Failure::kIncomplete);
}

TEST(Verify, UnknownKey) {
  SignInput in = input();
  in.access_key_id = "AKIDNOBODY";
  AuthError e = error_of(check(signed_req(in)));
  EXPECT_EQ(e.kind, Failure::kUnknownKey);
  EXPECT_EQ(e.message, "The security token included in the request is invalid.");
}

TEST(Verify, WrongSecret) {
  SignInput in = input();
  in.secret_access_key = "not-the-secret";
  AuthError e = error_of(check(signed_req(in)));
  EXPECT_EQ(e.kind, Failure::kMismatch);
  EXPECT_EQ(e.message, kMismatch);
}

TEST(Verify, MalformedSignatureIsMismatch) {
  Req r = signed_req(input());
  std::string& authz = r.headers.back().value;
  authz.resize(authz.size() - 2);  // 62 hex digits
  EXPECT_EQ(error_of(check(r)).kind, Failure::kMismatch);
}

TEST(Verify, TamperedRequestIsMismatch) {
  Req r = signed_req(input());
  r.target = "/domainverifications?maxResults=6";
  EXPECT_EQ(error_of(check(r)).kind, Failure::kMismatch);
  r = signed_req(input());
  r.method = "POST";
  EXPECT_EQ(error_of(check(r)).kind, Failure::kMismatch);
}

TEST(Verify, SkewWindowBoundaries) {
  EXPECT_TRUE(std::holds_alternative<Principal>(check(signed_req(input(kNow - minutes(15))))));
  EXPECT_TRUE(std::holds_alternative<Principal>(check(signed_req(input(kNow + minutes(15))))));

  AuthError e = error_of(check(signed_req(input(kNow - minutes(15) - seconds(1)))));
  EXPECT_EQ(e.kind, Failure::kExpired);
  EXPECT_EQ(e.message, "Signature expired: 20260101T001459Z is now earlier than 20260101T001500Z "
                       "(20260101T003000Z - 15 min.)");
  e = error_of(check(signed_req(input(at("20260101T000000Z")))));
  EXPECT_EQ(e.message, "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z "
                       "(20260101T003000Z - 15 min.)");

  e = error_of(check(signed_req(input(kNow + minutes(15) + seconds(1)))));
  EXPECT_EQ(e.kind, Failure::kNotYetCurrent);
  EXPECT_EQ(e.message, "Signature not yet current: 20260101T004501Z is still later than "
                       "20260101T004500Z (20260101T003000Z + 15 min.)");
}

TEST(Verify, FiveMinuteWindowForRestJson) {
  VerifyOptions opts;
  opts.skew_window = minutes(5);
  EXPECT_TRUE(std::holds_alternative<Principal>(check(signed_req(input(kNow - minutes(5))), opts)));
  AuthError e = error_of(check(signed_req(input(kNow - minutes(5) - seconds(1))), opts));
  EXPECT_EQ(e.message, "Signature expired: 20260101T002459Z is now earlier than 20260101T002500Z "
                       "(20260101T003000Z - 5 min.)");
  e = error_of(check(signed_req(input(kNow + minutes(6))), opts));
  EXPECT_EQ(e.message, "Signature not yet current: 20260101T003600Z is still later than "
                       "20260101T003500Z (20260101T003000Z + 5 min.)");
}

TEST(Verify, ScopeDateMustMatchRequestDate) {
  Req r = signed_req(input());
  std::string& authz = r.headers.back().value;
  authz.replace(authz.find("/20260101/"), 10, "/20251231/");
  AuthError e = error_of(check(r));
  EXPECT_EQ(e.kind, Failure::kMismatch);
  EXPECT_NE(e.message.find("'20251231' != '20260101'"), std::string::npos) << e.message;
}

TEST(Verify, WrongRegionAndService) {
  SignInput in = input();
  in.region = "US_EAST_1";
  AuthError e = error_of(check(signed_req(in)));
  EXPECT_EQ(e.kind, Failure::kWrongRegion);
  EXPECT_EQ(e.message, "Credential should be scoped to a valid region, not 'US_EAST_1'. ");
  in.region = "";
  EXPECT_EQ(error_of(check(signed_req(in))).kind, Failure::kWrongRegion);

  VerifyOptions opts;
  opts.expected_service = "ses";
  e = error_of(check(signed_req(input()), opts));
  EXPECT_EQ(e.kind, Failure::kWrongService);
  EXPECT_EQ(e.message, "Credential should be scoped to correct service: 'ses'. ");
}

TEST(Verify, ContentSha256) {
  SignInput in = input();
  in.method = "POST";
  in.target = "/tags/x";
  in.body = R"({"tags":{"a":"b"}})";
  in.add_content_sha256 = true;
  Req r = signed_req(in);
  EXPECT_TRUE(std::holds_alternative<Principal>(check(r)));
  r.body = R"({"tags":{"a":"c"}})";
  AuthError e = error_of(check(r));
  EXPECT_EQ(e.kind, Failure::kMismatch);
  EXPECT_EQ(e.message,
            "The provided 'x-amz-content-sha256' header does not match what was computed.");

  // Without the header the body hash is part of the signature itself.
  in.add_content_sha256 = false;
  r = signed_req(in);
  r.body = "{}";
  EXPECT_EQ(error_of(check(r)).kind, Failure::kMismatch);

  // UNSIGNED-PAYLOAD only where the service allows it (S3); SES and Lattice hash the body.
  in.headers = {{"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"}};
  r = signed_req(in);
  r.body = "anything";
  e = error_of(check(r));
  EXPECT_EQ(e.kind, Failure::kMismatch);
  EXPECT_EQ(e.message,
            "The provided 'x-amz-content-sha256' header does not match what was computed.");
  VerifyOptions s3;
  s3.allow_unsigned_payload = true;
  EXPECT_TRUE(std::holds_alternative<Principal>(check(r, s3)));
}

TEST(Verify, ArnPathRoundTripAndDoubleEncoding) {
  EXPECT_EQ(canonical_uri(kArnPath),
            "/tags/arn%253Aaws%253Avpc-lattice%253Aus-east-1%253A111122223333%253A"
            "domainverification%252Fdv-0123456789abcdef0");
  SignInput in = input();
  in.target = kArnPath;
  Req r = signed_req(in);
  EXPECT_TRUE(std::holds_alternative<Principal>(check(r)));
  // The decoded form is a different canonical URI, so it must not verify.
  r.target = "/tags/arn:aws:vpc-lattice:us-east-1:111122223333:domainverification%2F"
             "dv-0123456789abcdef0";
  EXPECT_EQ(error_of(check(r)).kind, Failure::kMismatch);
}

TEST(Verify, HeaderWhitespaceIsCanonicalized) {
  std::string out;
  std::vector<Header> hs = {{"X-Custom", "  a \t b   \"c   d\"  "}, {"x-custom", "e"}};
  append_canonical_header_value(hs, "x-custom", out);
  EXPECT_EQ(out, "a b \"c d\",e");

  SignInput in = input();
  in.headers = {{"X-Custom", "one two"}};
  Req r = signed_req(in);
  set_header(r, "x-custom", "   one \t   two ");
  EXPECT_TRUE(std::holds_alternative<Principal>(check(r)));
  set_header(r, "x-custom", "onetwo");
  EXPECT_EQ(error_of(check(r)).kind, Failure::kMismatch);
}

TEST(Verify, InsecureModeAcceptsAnyKey) {
  SignInput in = input(kNow - minutes(600));
  in.access_key_id = "ANYTHING";
  in.secret_access_key = "whatever";
  VerifyOptions opts;
  opts.skip_signature_check = true;
  auto v = check(signed_req(in), opts);
  ASSERT_TRUE(std::holds_alternative<Principal>(v)) << error_of(v).message;
  EXPECT_EQ(std::get<Principal>(v).account_id, "000000000000");
  EXPECT_EQ(std::get<Principal>(v).access_key_id, "ANYTHING");
  // Still needs a parseable Authorization.
  Req none{"GET", "/", "", {{"Host", "x"}}};
  EXPECT_EQ(error_of(check(none, opts)).kind, Failure::kMissing);
}

TEST(Verify, LookupThatThrowsDoesNotEscape) {
  KeyLookup throwing = [](std::string_view) -> std::optional<Credentials> {
    throw std::runtime_error("db down");
  };
  Req r = signed_req(input());
  auto v = verify(r.view(), throwing, kNow, {});
  ASSERT_TRUE(std::holds_alternative<AuthError>(v));
  // Refused, as a server error rather than a verdict on the key.
  EXPECT_EQ(std::get<AuthError>(v).kind, Failure::kLookupFailed);
}

TEST(Verify, LookupFailureIsNotAnUnknownKey) {
  Req r = signed_req(input());
  KeyLookup busy = [](std::string_view) -> core::Result<std::optional<Credentials>> {
    return core::Error{core::ErrorCode::kUnavailable, "database is locked", {}, {}};
  };
  KeyLookup broken = [](std::string_view) -> core::Result<std::optional<Credentials>> {
    return core::internal_error("disk I/O error");
  };
  KeyLookup missing = [](std::string_view) -> core::Result<std::optional<Credentials>> {
    return std::optional<Credentials>();
  };
  auto v = verify(r.view(), busy, kNow, {});
  ASSERT_TRUE(std::holds_alternative<AuthError>(v));
  EXPECT_EQ(std::get<AuthError>(v).kind, Failure::kLookupUnavailable);
  EXPECT_NE(std::get<AuthError>(v).message.find("database is locked"), std::string::npos);
  v = verify(r.view(), broken, kNow, {});
  ASSERT_TRUE(std::holds_alternative<AuthError>(v));
  EXPECT_EQ(std::get<AuthError>(v).kind, Failure::kLookupFailed);
  // Positive control: a key the store does not hold is still unknown.
  v = verify(r.view(), missing, kNow, {});
  ASSERT_TRUE(std::holds_alternative<AuthError>(v));
  EXPECT_EQ(std::get<AuthError>(v).kind, Failure::kUnknownKey);
}

}  // namespace
}  // namespace vouch::auth
