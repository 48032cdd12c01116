// awsQuery wire pieces for SES: the response envelope, the error body, and
// the one table from core errors and claim statuses to SES names.
#pragma once

#include <string>
#include <string_view>

#include "core/claim.h"
#include "core/error.h"
#include "http/message.h"

namespace vouch::api::ses {

inline constexpr std::string_view kXmlns = "http://ses.amazonaws.com/doc/2010-12-01/";

// <ErrorResponse> with Type Sender (4xx) or Receiver (5xx).
http::Response error_response(int status, std::string_view code, std::string_view message,
                              const std::string& request_id);
http::Response error_response(const core::Error& e, const std::string& request_id);

// <OpResponse><OpResult>result_xml</OpResult><ResponseMetadata/></OpResponse>.
// `with_result` false: no Result element (ops without an output shape).
http::Response ok_response(std::string_view op, std::string_view result_xml,
                           const std::string& request_id, bool with_result = true);

// Pending, Success, Failed, TemporaryFailure.
std::string_view status_name(core::ClaimStatus s);

}  // namespace vouch::api::ses
