// `vouch events` (a page walk, or --follow's polling) and `vouch webhooks
// add|list|remove` against a running server's admin API.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "cli/admin_client.h"
#include "cli/events_args.h"

namespace vouch::cli {

struct EventsIo {
  AdminClient& client;
  std::function<void(std::chrono::milliseconds)> sleep;  // --follow's wait
  std::function<bool()> stopped;                         // SIGINT came
  // stdout and stderr, written as lines come (a follower's lines must not wait).
  std::function<void(const std::string&)> out, err;
};

// The exit status of one parsed command: 0, or 3 (usage, connection or
// server error).
int run_events(const EventsArgs& args, EventsIo& io);
int run_webhooks(const WebhooksArgs& args, EventsIo& io);

// From main: the environment, libcurl, stdout/stderr, SIGINT.
int events_main(const std::vector<std::string>& args);
int webhooks_main(const std::vector<std::string>& args);

}  // namespace vouch::cli
