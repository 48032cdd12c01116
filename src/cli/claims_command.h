// `vouch claims list|show|check` against a running server's admin API.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "cli/admin_client.h"
#include "cli/claims_args.h"
#include "core/clock.h"

namespace vouch::cli {

struct ClaimsIo {
  AdminClient& client;
  const core::Clock& clock;  // --wait's deadline
  std::function<void(std::chrono::milliseconds)> sleep;
  std::string out, err;  // what goes to stdout and stderr
};

// The exit status (ExitCode) of one parsed command.
int run_claims(const ClaimsArgs& args, ClaimsIo& io);

// `vouch claims ...` from main: the environment, libcurl, the real clock.
int claims_main(const std::vector<std::string>& args);

}  // namespace vouch::cli
