// AWS Signature Version 4: server-side verification (header and presigned
// query forms) plus a client-side signer for tests and benchmarks.
// Transport-agnostic: callers pass a plain RequestView. Nothing here throws.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/regions.h"

namespace vouch::auth {

struct Header {
  std::string name;  // as received (any case)
  std::string value;
};

struct RequestView {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // raw request-target: "/path%3Aenc?query=..."
  const std::vector<Header>* headers = nullptr;
  std::string_view body;
};

struct CredentialScope {
  std::string access_key_id, date /*YYYYMMDD*/, region, service;
};

// Credential scope from the Authorization header or X-Amz-Credential query
// param, unverified (for routing). nullopt if absent or unparseable.
std::optional<CredentialScope> peek_scope(const RequestView& req);

enum class Failure {
  kMissing,        // no Authorization header and no X-Amz-Algorithm/X-Amz-Signature query
  kIncomplete,     // malformed auth, missing parts or date, bad scope, host not signed,
                   // SignedHeaders not lowercase, sorted and unique, or too many
  kUnknownKey,     // access key not found
  kMismatch,       // signature or payload hash differs; scope date != request date
  kExpired,        // request older than now - window, or presigned URL past X-Amz-Expires
  kNotYetCurrent,  // request later than now + window
  kWrongService,   // scope service != expected service
  kWrongRegion,    // region not in VerifyOptions::regions
  // The key lookup could not answer (a store outage, not a verdict on the
  // key): a 5xx, never a 403, so a client retries rather than drops its key.
  kLookupUnavailable,  // transient (store busy): retry the same call
  kLookupFailed,       // anything else, or the lookup threw
};

struct AuthError {
  Failure kind;
  std::string message;  // the AWS text; for kLookup*: the cause, for the log only
};

struct Credentials {
  std::string account_id;
  std::string secret_access_key;
};

// nullopt: no such key (a 403). An Error: the lookup failed (a 5xx).
using KeyLookup =
    std::function<vouch::core::Result<std::optional<Credentials>>(std::string_view access_key_id)>;

struct Principal {
  std::string access_key_id, account_id, region, service;
};

inline constexpr std::string_view kInsecureAccountId = "000000000000";

struct VerifyOptions {
  // 15 min for awsQuery (SES), 5 min for restJson (Lattice).
  std::chrono::seconds skew_window{std::chrono::minutes(15)};
  std::string_view expected_service;  // "" = accept any
  // --insecure-any-credentials: parse the scope and check region/service;
  // skip lookup, time, payload and signature checks. Account is always
  // kInsecureAccountId.
  bool skip_signature_check = false;
  // Regions the scope may name; nullptr: AWS's public partition.
  const vouch::core::RegionList* regions = nullptr;
  // S3 honours x-amz-content-sha256: UNSIGNED-PAYLOAD; SES and VPC Lattice
  // have no unsigned-payload operation, so their SDKs always hash the body.
  bool allow_unsigned_payload = false;
};

// Most names a SignedHeaders list may carry (SDKs sign about ten).
inline constexpr size_t kMaxSignedHeaders = 64;
// Bigger canonical requests are refused unhashed. A request that fits the
// server's 16 KiB header block stays under it even with every byte of its
// target percent-encoded.
inline constexpr size_t kMaxCanonicalRequest = 128 * 1024;

std::variant<Principal, AuthError> verify(const RequestView& req, const KeyLookup& lookup,
                                          vouch::core::TimePoint now, const VerifyOptions& opts);

struct SignInput {
  std::string method, target, body, region, service, access_key_id, secret_access_key;
  vouch::core::TimePoint when;
  std::vector<Header> headers;
  bool add_content_sha256 = false;
  std::string host = "localhost";  // used when headers carry no Host
};

// Returns the full header list to send: input headers + Host (if missing),
// X-Amz-Date, optional X-Amz-Content-Sha256, and Authorization.
std::vector<Header> sign(const SignInput& in);

// Returns in.target with the X-Amz-* query params appended. The request must
// be sent with a Host header equal to in.host (or the one in in.headers).
std::string presign(const SignInput& in, std::chrono::seconds expires);

}  // namespace vouch::auth
