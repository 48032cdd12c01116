// The one list of `vouch serve` flags: the parser checks every flag against
// it, and the config file and VOUCH_* environment take their keys from it,
// so a flag added here (with its branch in parse_serve) is valid everywhere.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vouch::cli {

enum class FlagKind {
  kSwitch,     // no value: `--test-mode`; true/false in the file and environment
  kValue,      // one value; given twice, the last wins
  kCommaList,  // one value, a comma-separated list (--regions); an array in the file
  kRepeated,   // may repeat, each adds one (--dns-resolver); an array in the file
};

struct FlagSpec {
  std::string_view name;  // without "--"
  FlagKind kind;
};

std::span<const FlagSpec> serve_flags();
// nullptr when `name` (without "--") is no serve flag.
const FlagSpec* find_serve_flag(std::string_view name);
// The flag closest to a mistyped `name` (without "--"), "" when none is close.
std::string closest_serve_flag(std::string_view name);
// "unknown option --x" with the closest flag suggested.
std::string unknown_flag_message(const std::string& flag);

// VOUCH_DNS_RESOLVER for dns-resolver.
std::string env_name(std::string_view flag);

}  // namespace vouch::cli
