// Extracts the SigV4 parameters from either the Authorization header or the
// presigned query string, without checking any of them cryptographically.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "auth/sigv4.h"

namespace vouch::auth {

struct AuthParams {
  bool presigned = false;
  CredentialScope scope;
  std::string credential_scope;  // "<date>/<region>/<service>/aws4_request"
  std::string signed_headers;
  std::string signature;
  std::string amz_date;  // basic ISO 8601, normalized even if sent as a Date header
  vouch::core::TimePoint time;
  std::optional<std::chrono::seconds> expires;  // presigned only
};

// "AKID/20150830/us-east-1/service/aws4_request" → CredentialScope; nullopt if not five
// parts ending in aws4_request or the key id is empty.
std::optional<CredentialScope> parse_credential(std::string_view credential);

std::variant<AuthParams, AuthError> parse_auth(const RequestView& req);

// Decoded value of the first query parameter with this exact name.
std::optional<std::string> query_param(std::string_view raw_query, std::string_view name);

}  // namespace vouch::auth
