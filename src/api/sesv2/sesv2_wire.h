// restJson1 wire pieces for SES v2: identities as JSON (epoch-second
// timestamps, the fields AWS omits left out) and SES v2's error shapes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "api/common/json_writer.h"
#include "core/claim.h"
#include "core/error.h"
#include "http/message.h"
#include "service/identity_service.h"

namespace vouch::api::sesv2 {

// PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE.
std::string_view status_name(core::ClaimStatus s);
// The status a wire name means; nullopt for NOT_STARTED and unknown names.
std::optional<core::ClaimStatus> status_of(std::string_view name);
std::string_view dkim_status_name(service::DkimStatus s);
// Whether an identity in this status may send (TemporaryFailure still may).
bool sending_enabled(core::ClaimStatus s);

// HOST_NOT_FOUND, TYPE_NOT_FOUND, INVALID_VALUE, DNS_SERVER_ERROR, SERVICE_ERROR.
std::string_view verification_error_name(service::VerificationError e);
// EMAIL_ADDRESS or DOMAIN.
std::string_view identity_type(core::ClaimKind k);

// CreateEmailIdentity's and GetEmailIdentity's response bodies, written
// without a JSON tree (sesv2_identity_body.cc).
std::string create_body(const service::EmailIdentity& e);
std::string identity_body(const service::EmailIdentity& e);
// The MailFromAttributes member: unconfigured, only the behaviour, as AWS
// sends it (sesv2_mail_from.cc).
void write_mail_from(JsonWriter& w, const service::MailFromView& m);
// One IdentityInfo of ListEmailIdentities.
nlohmann::json summary_json(const service::EmailIdentitySummary& s);
// [{"Key": k, "Value": v}, ...]
nlohmann::json tags_json(const core::Tags& tags);

// SES v2's errors: BadRequestException 400, NotFoundException 404,
// AlreadyExistsException 400, LimitExceededException 400,
// TooManyRequestsException 429; {"message": ...} with x-amzn-ErrorType.
http::Response error_response(const core::Error& e);
http::Response bad_request(std::string_view message);

// A GET list's query: PageSize (an integer; its range is the service's to
// judge) and NextToken as sent, or the error to answer.
struct PageQuery {
  std::optional<int> page_size;
  std::optional<std::string> next_token;
};
std::variant<PageQuery, http::Response> page_query(const http::Request& req);

}  // namespace vouch::api::sesv2
