#include "cli/serve_flags.h"

#include <algorithm>
#include <array>
#include <vector>

namespace vouch::cli {

namespace {

using enum FlagKind;

// Every serve flag (parse_serve and parse_log_options), in --help's order.
constexpr std::array kServeFlags{
    FlagSpec{"listen", kValue},
    FlagSpec{"tls-cert", kValue},
    FlagSpec{"tls-key", kValue},
    FlagSpec{"data", kValue},
    FlagSpec{"store", kValue},
    FlagSpec{"store-connections", kValue},
    FlagSpec{"lease", kValue},
    FlagSpec{"store-cache", kValue},
    FlagSpec{"node-id", kValue},
    FlagSpec{"threads", kValue},
    FlagSpec{"rate-limit", kRepeated},
    FlagSpec{"insecure-any-credentials", kSwitch},
    FlagSpec{"max-identities", kValue},
    FlagSpec{"dns-resolver", kRepeated},
    FlagSpec{"dns-quorum", kValue},
    FlagSpec{"dns-concurrency", kValue},
    FlagSpec{"dns-soa-cache", kValue},
    FlagSpec{"recheck-interval", kValue},
    FlagSpec{"test-mode", kSwitch},
    FlagSpec{"inbox", kSwitch},
    FlagSpec{"auto-verify-suffix", kRepeated},
    FlagSpec{"smtp-url", kValue},
    FlagSpec{"smtp-starttls", kValue},
    FlagSpec{"smtp-ca-file", kValue},
    FlagSpec{"mail-from", kValue},
    FlagSpec{"public-url", kValue},
    FlagSpec{"identity-cache", kValue},
    FlagSpec{"max-connections", kValue},
    FlagSpec{"max-connections-per-client", kValue},
    FlagSpec{"mail-cooldown", kValue},
    FlagSpec{"mail-retention", kValue},
    FlagSpec{"event-retention", kValue},
    FlagSpec{"history-keep", kValue},
    FlagSpec{"webhook-allow-private", kSwitch},
    FlagSpec{"i-know-this-is-public", kSwitch},
    FlagSpec{"region", kRepeated},
    FlagSpec{"regions", kCommaList},
    FlagSpec{"metrics-listen", kValue},
    FlagSpec{"access-log", kSwitch},
    FlagSpec{"log-format", kValue},
    FlagSpec{"log-level", kValue},
};

// Levenshtein distance; names are short (< 64 characters).
size_t distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const FlagSpec> serve_flags() { return kServeFlags; }

const FlagSpec* find_serve_flag(std::string_view name) {
  for (const auto& f : kServeFlags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string closest_serve_flag(std::string_view name) {
  if (name.size() > 64) return {};
  std::string_view best;
  size_t best_distance = 3;  // further than 2 edits is no longer a typo
  for (const auto& f : kServeFlags) {
    size_t d = distance(name, f.name);
    if (d < best_distance) best = f.name, best_distance = d;
  }
  return std::string(best);
}

std::string unknown_flag_message(const std::string& flag) {
  std::string name = flag.rfind("--", 0) == 0 ? flag.substr(2) : flag;
  std::string close = closest_serve_flag(name);
  return "unknown option " + flag + (close.empty() ? "" : " (did you mean --" + close + "?)");
}

std::string env_name(std::string_view flag) {
  std::string out = "VOUCH_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

}  // namespace vouch::cli
