// RFC 3339 timestamps in UTC with milliseconds: 2026-11-22T10:41:03.123Z.
#pragma once

#include <string>

#include "core/clock.h"

namespace vouch::core {

std::string format_rfc3339(TimePoint t);

}  // namespace vouch::core
