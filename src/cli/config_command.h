// `vouch config check [--config FILE] [serve flags]`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/config_layers.h"
#include "cli/options.h"
#include "core/error.h"

namespace vouch::cli {

// Merges the file, the environment and `args` as `vouch serve` would, checks
// them with `validate` (serve's own checks, without opening anything) and
// prints the effective settings as TOML, secrets masked. 0 when valid, else 2.
int config_check(const std::vector<std::string>& args, const EnvLookup& env,
                 const std::function<core::Status(const std::vector<std::string>&)>& validate);

}  // namespace vouch::cli
