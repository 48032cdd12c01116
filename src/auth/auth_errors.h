// Maps an AuthError to each AWS dialect's wire error (spec §4.5, §7 row 5).
#pragma once

#include <string>

#include "auth/sigv4.h"

namespace vouch::auth {

struct WireAuthError {
  std::string code;
  int http_status;
  std::string message;
};

WireAuthError to_query_error(const AuthError& e);      // awsQuery (SES v1)
WireAuthError to_rest_json_error(const AuthError& e);  // restJson1 (VPC Lattice)

}  // namespace vouch::auth
