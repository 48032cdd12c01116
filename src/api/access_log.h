// --access-log: one JSON line per request (time, request id, account, API,
// operation, status, latency), written when the response is ready. The
// operation is named from the method and path (SES v1: its Action); nothing
// of the path, query, headers or body is logged, so no token, signature or
// secret can reach the log.
#pragma once

#include <string>

#include "core/clock.h"
#include "http/message.h"
#include "service/accounts.h"

namespace vouch::api {

struct RequestName {
  std::string api;        // ses, sesv2, lattice, admin, test, health, mail, inbox, unknown
  std::string operation;  // CreateEmailIdentity, vouch:GetClaim, ...; "unknown"
};

RequestName name_request(const http::Request& req);

class AccessLog {
 public:
  // `insecure`: --insecure-any-credentials (every caller is 000000000000).
  AccessLog(service::Accounts& accounts, const core::Clock& clock, bool insecure)
      : accounts_(accounts), clock_(clock), insecure_(insecure) {}

  // `inner`, logging each request it answers.
  http::Handler wrap(http::Handler inner);

 private:
  struct Started {
    std::string request_id, access_key_id;
    RequestName name;
    core::TimePoint at;
  };
  void write(const Started& s, int status);

  service::Accounts& accounts_;
  const core::Clock& clock_;
  const bool insecure_;
};

}  // namespace vouch::api
