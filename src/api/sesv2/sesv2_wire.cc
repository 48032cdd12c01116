#include "api/sesv2/sesv2_wire.h"

#include <charconv>

#include "api/common/form.h"
#include "api/common/json.h"

namespace vouch::api::sesv2 {

using nlohmann::json;

std::string_view identity_type(core::ClaimKind k) {
  return k == core::ClaimKind::kSesEmail ? "EMAIL_ADDRESS" : "DOMAIN";
}

std::string_view verification_error_name(service::VerificationError e) {
  switch (e) {
    case service::VerificationError::kHostNotFound: return "HOST_NOT_FOUND";
    case service::VerificationError::kTypeNotFound: return "TYPE_NOT_FOUND";
    case service::VerificationError::kInvalidValue: return "INVALID_VALUE";
    case service::VerificationError::kDnsServerError: return "DNS_SERVER_ERROR";
    case service::VerificationError::kServiceError: return "SERVICE_ERROR";
  }
  return "SERVICE_ERROR";
}

std::string_view status_name(core::ClaimStatus s) {
  switch (s) {
    case core::ClaimStatus::kPending: return "PENDING";
    case core::ClaimStatus::kVerified: return "SUCCESS";
    case core::ClaimStatus::kUnconfirmed: return "TEMPORARY_FAILURE";
    case core::ClaimStatus::kFailed: return "FAILED";
  }
  return "PENDING";
}

std::optional<core::ClaimStatus> status_of(std::string_view name) {
  for (auto s : {core::ClaimStatus::kPending, core::ClaimStatus::kVerified,
                 core::ClaimStatus::kUnconfirmed, core::ClaimStatus::kFailed}) {
    if (status_name(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view dkim_status_name(service::DkimStatus s) {
  switch (s) {
    case service::DkimStatus::kNotStarted: return "NOT_STARTED";
    case service::DkimStatus::kPending: return "PENDING";
    case service::DkimStatus::kSuccess: return "SUCCESS";
    case service::DkimStatus::kFailed: return "FAILED";
    case service::DkimStatus::kTemporaryFailure: return "TEMPORARY_FAILURE";
  }
  return "PENDING";
}

bool sending_enabled(core::ClaimStatus s) {
  return s == core::ClaimStatus::kVerified || s == core::ClaimStatus::kUnconfirmed;
}

json summary_json(const service::EmailIdentitySummary& s) {
  return {{"IdentityType", identity_type(s.kind)},
          {"IdentityName", s.name},
          {"SendingEnabled", sending_enabled(s.status)},
          {"VerificationStatus", status_name(s.status)}};
}

json tags_json(const core::Tags& tags) {
  json out = json::array();
  for (const auto& [k, v] : tags) out.push_back({{"Key", k}, {"Value", v}});
  return out;
}

http::Response bad_request(std::string_view message) {
  return json_error(400, "BadRequestException", message);
}

http::Response error_response(const core::Error& e) {
  switch (e.code) {
    case core::ErrorCode::kInvalidArgument: return bad_request(e.message);
    case core::ErrorCode::kNotFound: return json_error(404, "NotFoundException", e.message);
    case core::ErrorCode::kConflict: return json_error(400, "AlreadyExistsException", e.message);
    case core::ErrorCode::kQuotaExceeded:
      return json_error(400, "LimitExceededException", e.message);
    case core::ErrorCode::kThrottled: {
      auto r = json_error(429, "TooManyRequestsException", "Too many requests.");
      r.headers.push_back({"Retry-After", "1"});
      return r;
    }
    case core::ErrorCode::kUnavailable:
    case core::ErrorCode::kAborted:
    case core::ErrorCode::kInternal: break;
  }
  // Retryable busy-ness and bugs alike: the common 500, details in the log.
  return api::error_response(e);
}

std::variant<PageQuery, http::Response> page_query(const http::Request& req) {
  auto q = parse_form(req.query(), false);
  if (!q) return bad_request("The query string could not be parsed.");
  PageQuery out;
  if (const std::string* p = q->get("PageSize")) {
    int v = 0;
    auto [end, ec] = std::from_chars(p->data(), p->data() + p->size(), v);
    if (ec != std::errc() || end != p->data() + p->size())
      return bad_request("PageSize must be an integer.");
    out.page_size = v;
  }
  if (const std::string* n = q->get("NextToken")) out.next_token = *n;
  return out;
}

}  // namespace vouch::api::sesv2
