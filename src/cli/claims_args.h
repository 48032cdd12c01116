// `vouch claims list|show|check`: the arguments and the AWS variables they
// fall back on, parsed without I/O.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace vouch::cli {

// Exit statuses of `vouch claims`, usable in CI.
enum ExitCode : int { kExitVerified = 0, kExitNotYet = 1, kExitFailed = 2, kExitUsage = 3 };

enum class OutputFormat { kTable, kJson };

// Where and as whom a client command talks to a running server.
struct ClientOptions {
  std::string endpoint;  // http://host:port, no trailing '/'
  std::string region, access_key_id, secret_access_key, session_token;
  OutputFormat format = OutputFormat::kTable;
};

struct ClaimsArgs {
  std::string command;       // list, show, check
  std::string target;        // ID or NAME (show, check)
  std::string status, kind;  // filters; "" = any
  bool wait = false;
  std::chrono::milliseconds timeout{10 * 60 * 1000};
  std::chrono::milliseconds poll_interval{5000};
  ClientOptions client;
};

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

// The process's environment.
Getenv process_env();

// "--flag value" or "--flag=value" at args[*i]: the flag into *flag and its
// value (moving *i past it), or nullopt when the value is missing.
std::optional<std::string> flag_value(const std::vector<std::string>& args, size_t* i,
                                      std::string* flag);

// "500ms", "2s", "10m", "1h"; a bare number is seconds.
std::optional<std::chrono::milliseconds> parse_millis(const std::string& text);

// The client options common to every client command, consumed from `args`
// (--endpoint-url, --region, --format); what is left is returned in `rest`.
core::Result<ClientOptions> parse_client(const std::vector<std::string>& args, const Getenv& env,
                                         std::vector<std::string>* rest);

// args: what follows `vouch claims`.
core::Result<ClaimsArgs> parse_claims(const std::vector<std::string>& args, const Getenv& env);

extern const char* const kClaimsUsage;

}  // namespace vouch::cli
