// `vouch serve --config FILE`: a TOML file whose keys are serve flags
// without "--" (listen = "127.0.0.1:4566", test-mode = true,
// dns-resolver = ["127.0.0.1:53"], rate-limit = { SendEmail = 5 }).
#pragma once

#include <string>

#include "cli/config_layers.h"
#include "core/error.h"

namespace vouch::cli {

// The file's settings, one per key, origin "FILE:LINE". Errors name the
// file and line: a syntax error (with its column), an unknown key (with the
// closest flag), a value of the wrong type (with what the key takes).
core::Result<Settings> parse_config_text(const std::string& text, const std::string& path);
// Reads it first: a missing or unreadable file is an error naming it.
core::Result<Settings> read_config_file(const std::string& path);

}  // namespace vouch::cli
