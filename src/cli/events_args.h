// `vouch events` and `vouch webhooks add|list|remove`: the arguments, parsed
// without I/O (the client options as `vouch claims` takes them).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/claims_args.h"
#include "core/error.h"

namespace vouch::cli {

// The most events one `vouch events` prints when not following.
inline constexpr size_t kMaxEventsShown = 100000;
// The most --event-type filters one webhook takes (there are fewer types).
inline constexpr size_t kMaxEventTypes = 16;

struct EventsArgs {
  std::optional<int64_t> after;  // --after evt-N: only events past N
  // Not following: the most printed (default 100). Following: stop after so
  // many (default: until SIGINT).
  std::optional<size_t> limit;
  bool follow = false;
  std::chrono::milliseconds interval{2000};  // --follow's polling period
  ClientOptions client;
};

struct WebhooksArgs {
  std::string command;  // add, list, remove
  std::string target;   // add: the URL; remove: the webhook's id
  std::vector<std::string> event_types;
  ClientOptions client;
};

// args: what follows `vouch events` / `vouch webhooks`.
core::Result<EventsArgs> parse_events(const std::vector<std::string>& args, const Getenv& env);
core::Result<WebhooksArgs> parse_webhooks(const std::vector<std::string>& args, const Getenv& env);

extern const char* const kEventsUsage;
extern const char* const kWebhooksUsage;

}  // namespace vouch::cli
