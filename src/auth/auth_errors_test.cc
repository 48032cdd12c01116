#include "auth/auth_errors.h"

#include <gtest/gtest.h>

namespace vouch::auth {
namespace {

struct Row {
  Failure kind;
  const char* query_code;
  int query_status;
  const char* json_code;
  int json_status;
};

TEST(AuthErrors, DialectMapping) {
  const Row rows[] = {
      {Failure::kMissing, "MissingAuthenticationToken", 403, "MissingAuthenticationTokenException",
       403},
      {Failure::kIncomplete, "IncompleteSignature", 400, "IncompleteSignatureException", 403},
      {Failure::kUnknownKey, "InvalidClientTokenId", 403, "UnrecognizedClientException", 403},
      {Failure::kMismatch, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
      {Failure::kExpired, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
      {Failure::kNotYetCurrent, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
      {Failure::kWrongService, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
      {Failure::kWrongRegion, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
  };
  for (const Row& r : rows) {
    AuthError e{r.kind, "msg"};
    WireAuthError q = to_query_error(e);
    WireAuthError j = to_rest_json_error(e);
    EXPECT_EQ(q.code, r.query_code);
    EXPECT_EQ(q.http_status, r.query_status);
    EXPECT_EQ(j.code, r.json_code);
    EXPECT_EQ(j.http_status, r.json_status);
    if (r.kind != Failure::kMissing) {
      EXPECT_EQ(q.message, "msg");
      EXPECT_EQ(j.message, "msg");
    }
  }
  EXPECT_EQ(to_query_error({Failure::kMissing, "x"}).message,
            "Request is missing Authentication Token");
  EXPECT_EQ(to_rest_json_error({Failure::kMissing, "x"}).message, "Missing Authentication Token");
}

// A key store that cannot answer is the server's fault: a 5xx with each
// dialect's internal-error code, and the cause never on the wire.
TEST(AuthErrors, LookupFailureIsAServerError) {
  const Row rows[] = {
      {Failure::kLookupUnavailable, "ServiceUnavailable", 503, "InternalServerException", 500},
      {Failure::kLookupFailed, "InternalFailure", 500, "InternalServerException", 500},
      {Failure::kUnknownKey, "InvalidClientTokenId", 403, "UnrecognizedClientException", 403},
  };
  for (const Row& r : rows) {
    AuthError e{r.kind, "store: disk I/O error"};
    WireAuthError q = to_query_error(e);
    WireAuthError j = to_rest_json_error(e);
    EXPECT_EQ(q.code, r.query_code);
    EXPECT_EQ(q.http_status, r.query_status);
    EXPECT_EQ(j.code, r.json_code);
    EXPECT_EQ(j.http_status, r.json_status);
    const bool internal = r.kind != Failure::kUnknownKey;
    EXPECT_EQ(q.message.find("disk I/O") == std::string::npos, internal) << q.message;
    EXPECT_EQ(j.message.find("disk I/O") == std::string::npos, internal) << j.message;
  }
}

}  // namespace
}  // namespace vouch::auth
