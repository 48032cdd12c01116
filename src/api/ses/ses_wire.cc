#include "api/ses/ses_wire.h"

#include "api/ses/xml.h"

namespace vouch::api::ses {

http::Response error_response(int status, std::string_view code, std::string_view message,
                              const std::string& request_id) {
  XmlWriter x;
  x.open("ErrorResponse", kXmlns).open("Error");
  x.leaf("Type", status >= 500 ? "Receiver" : "Sender").leaf("Code", code).leaf("Message", message);
  x.close("Error").leaf("RequestId", request_id).close("ErrorResponse");
  return http::Response{status, "text/xml", {}, x.take()};
}

http::Response error_response(const core::Error& e, const std::string& request_id) {
  switch (e.code) {
    case core::ErrorCode::kInvalidArgument:
    case core::ErrorCode::kConflict:
    case core::ErrorCode::kNotFound:
      return error_response(400, "InvalidParameterValue", e.message, request_id);
    case core::ErrorCode::kThrottled:
      return error_response(400, "Throttling", e.message, request_id);
    case core::ErrorCode::kQuotaExceeded:
      return error_response(400, "LimitExceeded", e.message, request_id);
    case core::ErrorCode::kUnavailable:
    case core::ErrorCode::kAborted: {
      auto r = error_response(503, "ServiceUnavailable", "Service is unable to handle request.",
                              request_id);
      r.cause = e.message;
      return r;
    }
    case core::ErrorCode::kInternal: break;
  }
  // Internal details stay in the log (the server writes `cause`), not on the wire.
  auto r = error_response(500, "InternalFailure",
                          "The request processing has failed because of an unknown error.",
                          request_id);
  r.cause = e.message;
  return r;
}

http::Response ok_response(std::string_view op, std::string_view result_xml,
                           const std::string& request_id, bool with_result) {
  std::string body;  // one allocation: the tags are written in place
  body.reserve(result_xml.size() + 4 * op.size() + kXmlns.size() + request_id.size() + 160);
  body.append("<").append(op).append("Response xmlns=\"").append(kXmlns).append("\">");
  if (with_result) {
    body.append("<").append(op).append("Result");
    if (result_xml.empty()) {
      body.append("/>");
    } else {
      body.append(">").append(result_xml).append("</").append(op).append("Result>");
    }
  }
  body.append("<ResponseMetadata><RequestId>").append(request_id);
  body.append("</RequestId></ResponseMetadata></").append(op).append("Response>");
  return http::Response{200, "text/xml", {}, std::move(body)};
}

std::string_view status_name(core::ClaimStatus s) {
  switch (s) {
    case core::ClaimStatus::kPending: return "Pending";
    case core::ClaimStatus::kVerified: return "Success";
    case core::ClaimStatus::kUnconfirmed: return "TemporaryFailure";
    case core::ClaimStatus::kFailed: return "Failed";
  }
  return "Pending";
}

}  // namespace vouch::api::ses
