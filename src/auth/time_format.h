// Timestamp formats used by SigV4: ISO 8601 basic ("20150830T123600Z") and
// the RFC 1123 HTTP Date header ("Sun, 30 Aug 2015 12:36:00 GMT").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace vouch::auth {

// Truncates to whole seconds.
std::string format_amz_date(vouch::core::TimePoint t);
std::optional<vouch::core::TimePoint> parse_amz_date(std::string_view s);
std::optional<vouch::core::TimePoint> parse_http_date(std::string_view s);

}  // namespace vouch::auth
