// A refusal to start says what is at fault (the flag, file, address or
// database) and what to do; these add both to the error beneath.
#pragma once

#include <string>

#include "core/error.h"

namespace vouch::cli {

// The HTTP listener's bind error, for --listen HOST:PORT.
core::Error listen_error(const std::string& host, unsigned short port, core::Error e);
// The data directory's store failed to open, for --data DIR.
core::Error data_dir_error(const std::string& dir, core::Error e);

}  // namespace vouch::cli
