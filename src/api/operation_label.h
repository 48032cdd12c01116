// A request's API and operation as metrics label them: fixed names from the
// route table and each API's operations, so a label never carries a domain,
// an account or anything else a client chose. Unknown: "other".
#pragma once

#include <string_view>
#include <utility>

#include "http/message.h"

namespace vouch::api {

struct OperationName {
  std::string_view api;        // ses, sesv2, lattice, admin, test, mail, other
  std::string_view operation;  // e.g. GetIdentityVerificationAttributes, GetEmailIdentity
};

OperationName operation_name(const http::Request& req);

}  // namespace vouch::api
