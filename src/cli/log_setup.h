// `vouch serve`'s logging options (--access-log, --log-format, --log-level),
// taken out of the arguments before the rest are parsed, and the stderr sink.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"

namespace vouch::cli {

struct LogOptions {
  bool access_log = false;
  core::LogLevel level = core::LogLevel::kInfo;
  core::LogFormat format = core::LogFormat::kText;
};

// The logging flags of `args`; every other argument is appended to `rest`.
core::Result<LogOptions> parse_log_options(const std::vector<std::string>& args,
                                           std::vector<std::string>* rest);

// Log lines go to stderr, one write each, from here on.
void install_log(const LogOptions& options, const core::Clock& wall);

}  // namespace vouch::cli
