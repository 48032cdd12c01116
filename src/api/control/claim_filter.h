// The query of GET /_vouch/claims (after, limit, status, kind, q) read into
// a service::ClaimFilter, or the ValidationException that names what is wrong.
#pragma once

#include <string_view>
#include <variant>

#include "http/message.h"
#include "service/claim_admin.h"

namespace vouch::api::control {

inline constexpr size_t kMaxSearchLength = 255;  // bytes of `q`, a subject prefix

std::variant<service::ClaimFilter, http::Response> parse_claim_filter(std::string_view query);

}  // namespace vouch::api::control
