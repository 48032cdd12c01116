// SES v2's DKIM signing attributes on the wire: BYODKIM's selector and
// private key in CreateEmailIdentity, PutEmailIdentityDkimSigningAttributes'
// body and response. The private key is passed on, never echoed in errors.
#pragma once

#include <optional>
#include <variant>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "service/identity_service.h"

namespace vouch::api::sesv2 {

// CreateEmailIdentity's DkimSigningAttributes (an object) into `in`;
// the error to send when it is not what AWS accepts.
std::optional<http::Response> read_create_dkim(const nlohmann::json& attrs,
                                               service::CreateEmailIdentityRequest& in);

// PutEmailIdentityDkimSigningAttributes' body, or the error to send.
std::variant<service::DkimSigningRequest, http::Response> read_signing_request(
    const nlohmann::json& body);

// Its response: DkimStatus, DkimTokens and, for Easy DKIM, SigningHostedZone.
nlohmann::json signing_response_json(const service::DkimView& dkim);

}  // namespace vouch::api::sesv2
