// RFC 3339 timestamps in UTC with milliseconds: 2026-11-22T10:41:03.123Z.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace vouch::core {

std::string format_rfc3339(TimePoint t);
// Reads back exactly what format_rfc3339 writes; nullopt for anything else.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace vouch::core
