#include "api/common/json.h"

#include <cctype>

namespace vouch::api {

namespace {
// Lattice's names: the admin and mail routes answer in the same shapes.
constexpr const char* kResourceType = "DOMAIN_VERIFICATION";
constexpr const char* kServiceCode = "vpc-lattice";
constexpr const char* kQuotaCode = "L-73D0F278";
}  // namespace

http::Response json_response(int status, const nlohmann::json& body) {
  return http::Response{status,
                        "application/json",
                        {},
                        body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

http::Response error_response(int status, std::string_view type, nlohmann::json body) {
  http::Response r = json_response(status, body);
  r.headers.push_back({"x-amzn-ErrorType", std::string(type)});
  return r;
}

http::Response validation_error(std::string_view message, std::string_view reason,
                                std::string_view field) {
  nlohmann::json body{{"message", message}, {"reason", reason}};
  if (!field.empty()) body["fieldList"] = {{{"name", field}, {"message", message}}};
  return error_response(400, "ValidationException", std::move(body));
}

http::Response error_response(const core::Error& e) {
  switch (e.code) {
    case core::ErrorCode::kInvalidArgument:
      return validation_error(e.message, e.field.empty() ? "other" : "fieldValidationFailed",
                              e.field);
    case core::ErrorCode::kNotFound:
      return error_response(
          404, "ResourceNotFoundException",
          {{"message", e.message}, {"resourceId", e.resource_id}, {"resourceType", kResourceType}});
    case core::ErrorCode::kConflict:
      return error_response(
          409, "ConflictException",
          {{"message", e.message}, {"resourceId", e.resource_id}, {"resourceType", kResourceType}});
    case core::ErrorCode::kQuotaExceeded:
      return error_response(402, "ServiceQuotaExceededException",
                            {{"message", e.message},
                             {"resourceType", kResourceType},
                             {"serviceCode", kServiceCode},
                             {"quotaCode", kQuotaCode}});
    case core::ErrorCode::kThrottled: {
      auto r = error_response(429, "ThrottlingException",
                              {{"message", e.message}, {"serviceCode", kServiceCode}});
      r.headers.push_back({"Retry-After", "1"});
      return r;
    }
    case core::ErrorCode::kUnavailable:
    case core::ErrorCode::kAborted: {
      auto r = error_response(500, "InternalServerException",
                              {{"message", "The service is busy; retry the request."}});
      r.headers.push_back({"Retry-After", "1"});
      r.cause = e.message;
      return r;
    }
    case core::ErrorCode::kInternal: break;
  }
  // Internal details stay in the log (the server writes `cause`), not on the wire.
  auto r = error_response(500, "InternalServerException",
                          {{"message", "An internal error occurred."}});
  r.cause = e.message;
  return r;
}

http::Response json_error(int status, std::string_view type, std::string_view message) {
  return error_response(status, type, {{"message", message}});
}

std::variant<nlohmann::json, http::Response> parse_json_body(const http::Request& req) {
  if (req.body.empty()) return nlohmann::json::object();
  std::string ct;
  if (const std::string* h = req.header("content-type")) {
    for (char c : *h) ct += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!ct.empty() && ct.rfind("application/json", 0) != 0 &&
      ct.rfind("application/x-amz-json", 0) != 0) {
    return error_response(
        400, "SerializationException",
        {{"message", "Unsupported content type: " + ct + "; expected application/json"}});
  }
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return error_response(400, "SerializationException",
                          {{"message", "The request body could not be parsed as a JSON object."}});
  }
  return body;
}

std::string_view mail_state_name(core::Mail::State s) {
  switch (s) {
    case core::Mail::State::kSent: return "sent";
    case core::Mail::State::kFailed: return "failed";
    case core::Mail::State::kQueued: break;
  }
  return "queued";
}

}  // namespace vouch::api
