// Authenticates a request with SigV4 against the account table, for either
// AWS dialect. Returns the caller's scope, or the wire error to send.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "auth/auth_errors.h"
#include "core/claim.h"
#include "core/clock.h"
#include "core/regions.h"
#include "http/message.h"
#include "service/accounts.h"

namespace vouch::api {

enum class Dialect { kQuery, kRestJson };

struct AuthSettings {
  bool insecure_any_credentials = false;  // accept any key, account 000000000000
  core::RegionList regions;               // the scope's Region must be one of these
};

class Authenticator {
 public:
  Authenticator(service::Accounts& accounts, const core::Clock& clock, AuthSettings settings)
      : accounts_(accounts), clock_(clock), settings_(std::move(settings)) {}

  // The scope service is checked against `service` ("ses", "vpc-lattice").
  std::variant<core::Scope, auth::WireAuthError> authenticate(const http::Request& req,
                                                              Dialect dialect,
                                                              std::string_view service);

 private:
  service::Accounts& accounts_;
  const core::Clock& clock_;
  const AuthSettings settings_;
};

// The SigV4 credential scope's service, without verifying anything ("" if none).
std::string scope_service(const http::Request& req);

}  // namespace vouch::api
