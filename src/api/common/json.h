// restJson1 bodies shared by the JSON routes (VPC Lattice, the admin API, the
// inbox, the router's own answers): responses, error shapes
// (x-amzn-ErrorType + JSON body) and the one table from core errors to them.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/mail.h"
#include "http/message.h"

namespace vouch::api {

http::Response json_response(int status, const nlohmann::json& body);
http::Response error_response(int status, std::string_view type, nlohmann::json body);
http::Response error_response(const core::Error& e);
// ValidationException with reason and, when `field` is set, a fieldList.
http::Response validation_error(std::string_view message, std::string_view reason,
                                std::string_view field = {});
// {"message": ...} with x-amzn-ErrorType `type`.
http::Response json_error(int status, std::string_view type, std::string_view message);

// The JSON object body of a restJson1 request, or the SerializationException
// to send (a body that is not a JSON object, or not JSON). Empty reads as {}.
std::variant<nlohmann::json, http::Response> parse_json_body(const http::Request& req);

// "queued", "sent", "failed": a message's state in the admin view and the inbox.
std::string_view mail_state_name(core::Mail::State s);

}  // namespace vouch::api
