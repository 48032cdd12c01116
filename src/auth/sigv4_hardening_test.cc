// Issue 12: the Region allow-list, SignedHeaders checked before any
// canonicalisation, the canonical-request cap, and presigned URLs without
// X-Amz-Expires.
#include <gtest/gtest.h>

#include <algorithm>

#include "auth/auth_errors.h"
#include "auth/canonical.h"
#include "auth/signing_key.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"

namespace vouch::auth {
namespace {

using std::chrono::seconds;
using testing::check;
using testing::error_of;
using testing::input;
using testing::kNow;
using testing::Req;
using testing::signed_req;
using vouch::core::RegionList;

bool ok(const std::variant<Principal, AuthError>& v) {
  if (auto* e = std::get_if<AuthError>(&v)) ADD_FAILURE() << e->message;
  return std::holds_alternative<Principal>(v);
}

Req for_region(std::string region) {
  SignInput in = input();
  in.region = std::move(region);
  return signed_req(in);
}

TEST(Regions, UnknownRegionIsRefusedInEachDialect) {
  AuthError e = error_of(check(for_region("zz-fake-9")));
  EXPECT_EQ(e.kind, Failure::kWrongRegion);
  EXPECT_EQ(e.message, "Credential should be scoped to a valid region, not 'zz-fake-9'. ");
  WireAuthError q = to_query_error(e);
  EXPECT_EQ(q.code, "SignatureDoesNotMatch");
  EXPECT_EQ(q.http_status, 403);
  EXPECT_EQ(q.message, e.message);
  WireAuthError j = to_rest_json_error(e);
  EXPECT_EQ(j.code, "InvalidSignatureException");
  EXPECT_EQ(j.http_status, 403);
  EXPECT_EQ(j.message, e.message);
  // A 15 KB name of allowed characters is no Region either.
  EXPECT_EQ(error_of(check(for_region(std::string(15000, 'a')))).kind, Failure::kWrongRegion);
}

TEST(Regions, AwsRegionsAreAccepted) {
  for (const char* r :
       {"us-east-1", "us-west-2", "eu-central-2", "ap-southeast-7", "mx-central-1"}) {
    auto v = check(for_region(r));
    ASSERT_TRUE(ok(v)) << r;
    EXPECT_EQ(std::get<Principal>(v).region, r);
  }
}

TEST(Regions, OperatorAddedAndReplacedLists) {
  RegionList added;
  added.add("zz-fake-9");
  VerifyOptions opts;
  opts.regions = &added;
  EXPECT_TRUE(ok(check(for_region("zz-fake-9"), opts)));
  EXPECT_TRUE(ok(check(for_region("us-east-1"), opts)));
  EXPECT_EQ(error_of(check(for_region("zz-fake-8"), opts)).kind, Failure::kWrongRegion);

  RegionList only({"zz-fake-9"});
  opts.regions = &only;
  EXPECT_TRUE(ok(check(for_region("zz-fake-9"), opts)));
  EXPECT_EQ(error_of(check(for_region("us-east-1"), opts)).kind, Failure::kWrongRegion);
}

TEST(Regions, InsecureModeChecksTheRegionToo) {
  VerifyOptions insecure;
  insecure.skip_signature_check = true;
  SignInput in = input();
  in.access_key_id = "ANYKEYATALL";
  in.region = "zz-fake-9";
  EXPECT_EQ(error_of(check(signed_req(in), insecure)).kind, Failure::kWrongRegion);
  in.region = "eu-west-1";
  EXPECT_TRUE(ok(check(signed_req(in), insecure)));
}

// A request signed by our signer, then given another SignedHeaders list and a
// fake signature, checked with a lookup that counts its calls: the key is
// looked up before any canonicalisation, so zero calls proves none happened.
struct Forged {
  Req req = signed_req(input());
  int lookups = 0;
  AuthError refuse(const std::string& signed_headers) {
    Header& authz = req.headers.back();
    authz.value = authz.value.substr(0, authz.value.find("SignedHeaders=")) +
                  "SignedHeaders=" + signed_headers + ", Signature=" + std::string(64, '0');
    auto counting = [this](std::string_view akid) {
      ++lookups;
      return testing::test_lookup(akid);
    };
    return error_of(verify(req.view(), counting, kNow, {}));
  }
};

TEST(SignedHeaders, BadListsAreRefusedBeforeCanonicalisation) {
  const std::string order_msg =
      "SignedHeaders must list lowercase header names in sorted order, each once. ";
  for (const std::string& list :
       {std::string("host;host;x-amz-date"), std::string("x-amz-date;host"),
        std::string("Host;x-amz-date"), std::string("host;;x-amz-date"),
        std::string("host;x-amz-date;"), std::string(";host")}) {
    Forged f;
    AuthError e = f.refuse(list);
    EXPECT_EQ(e.kind, Failure::kIncomplete) << list;
    EXPECT_EQ(e.message, order_msg) << list;
    EXPECT_EQ(f.lookups, 0) << list;
  }
  // The attack: one 8 KB header named 4,000 times (a 32 MB canonical request).
  Forged f;
  f.req.headers.insert(f.req.headers.begin(), {"a", std::string(8000, 'v')});
  std::string list;
  for (int i = 0; i < 4000; ++i) list += "a;";
  AuthError e = f.refuse(list + "host;x-amz-date");
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(f.lookups, 0);
}

TEST(SignedHeaders, AtMost64Names) {
  SignInput in = input();
  for (int i = 0; i < 62; ++i) in.headers.push_back({"x-h" + std::to_string(100 + i), "v"});
  Req r = signed_req(in);  // host + x-amz-date + 62
  const std::string& authz = r.headers.back().value;
  EXPECT_EQ(std::count(authz.begin(), authz.end(), ';'), 63) << authz;
  EXPECT_TRUE(ok(check(r)));

  in.headers.push_back({"x-h162", "v"});
  Req over = signed_req(in);  // a correct signature over 65 names
  AuthError e = error_of(check(over));
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(e.message, "SignedHeaders may name at most 64 headers. ");
}

TEST(SignedHeaders, SortedListsStillVerify) {
  // Repeated headers are still joined in arrival order (looked up once each).
  SignInput in = input();
  in.headers = {{"X-B", "2"}, {"x-a", "1"}, {"x-b", " 3  x "}};
  Req r = signed_req(in);
  EXPECT_TRUE(ok(check(r)));
  std::string creq = *canonical_request(r.view(), "host;x-a;x-b", "h");
  EXPECT_NE(creq.find("\nx-a:1\nx-b:2,3 x\n"), std::string::npos) << creq;
}

TEST(SignedHeaders, ManyHeadersAreIndexedWithTheSameResult) {
  // Up to 16 headers are scanned per signed name, more are indexed: the
  // same request with unsigned filler headers canonicalises the same.
  SignInput in = input();
  in.headers = {{"X-B", "2"}, {"x-a", "1"}, {"x-b", " 3  x "}};
  Req few = signed_req(in);
  for (int i = 0; i < 20; ++i) in.headers.push_back({"X-Fill-" + std::to_string(i), "v"});
  Req many = signed_req(in);
  ASSERT_GT(many.headers.size(), 16u);
  ASSERT_LE(few.headers.size(), 16u);
  std::string creq = *canonical_request(many.view(), "host;x-a;x-b", "h");
  EXPECT_EQ(creq, *canonical_request(few.view(), "host;x-a;x-b", "h"));
  EXPECT_NE(creq.find("\nx-a:1\nx-b:2,3 x\n"), std::string::npos) << creq;
  EXPECT_TRUE(ok(check(many)));
}

TEST(CanonicalRequest, SizeIsCapped) {
  Req r = signed_req(input());
  auto full = canonical_request(r.view(), "host;x-amz-date", "h");
  ASSERT_TRUE(full);
  EXPECT_EQ(canonical_request(r.view(), "host;x-amz-date", "h", false, full->size()), full);
  EXPECT_FALSE(canonical_request(r.view(), "host;x-amz-date", "h", false, full->size() - 1));

  // Correctly signed, but '!' percent-encodes to three bytes: 50,000 of them
  // in the query make a 150 KB canonical request, refused unhashed.
  SignInput in = input();
  in.target = "/domainverifications?q=" + std::string(40000, '!');
  EXPECT_TRUE(ok(check(signed_req(in))));
  in.target = "/domainverifications?q=" + std::string(50000, '!');
  EXPECT_EQ(error_of(check(signed_req(in))).kind, Failure::kMismatch);
}

// A presigned URL signed without X-Amz-Expires (which presign() always adds).
std::string presign_without_expires(const SignInput& in) {
  std::string target = presign(in, seconds(60));
  target.erase(target.find("&X-Amz-Expires=60"), 17);
  target.erase(target.find("&X-Amz-Signature="));
  std::vector<Header> headers{{"Host", in.host}};
  RequestView view{in.method, target, &headers, ""};
  std::string date = "20260101";
  std::string creq = *canonical_request(view, "host", sha256_hex(""), true);
  std::string sts = string_to_sign(
      "20260101T003000Z", date + "/" + in.region + "/" + in.service + "/aws4_request", creq);
  Digest key = signing_key(in.secret_access_key, date, in.region, in.service);
  return target + "&X-Amz-Signature=" + hex(hmac_sha256(key.data(), key.size(), sts));
}

TEST(Presign, ExpiresIsRequired) {
  SignInput in = input();
  Req with{"GET", presign(in, seconds(60)), "", {{"Host", in.host}}};
  EXPECT_TRUE(ok(check(with)));
  Req without{"GET", presign_without_expires(in), "", {{"Host", in.host}}};
  AuthError e = error_of(check(without));
  EXPECT_EQ(e.kind, Failure::kIncomplete);
  EXPECT_EQ(e.message, "AWS query-string parameters must include 'X-Amz-Expires'. Re-examine the "
                       "query-string parameters.");
}

}  // namespace
}  // namespace vouch::auth
