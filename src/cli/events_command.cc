#include "cli/events_command.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "auth/canonical.h"
#include "cli/events_view.h"
#include "core/event_json.h"

namespace vouch::cli {

using nlohmann::json;

namespace {

constexpr size_t kPageMax = 1000;  // the server's largest page
// One walk reads at most this many pages (a million events, past what the
// 7-day retention keeps on any installation we know); the next walk goes on.
constexpr int kMaxPages = 1000;
constexpr size_t kDefaultShown = 100;

// Where a walk of the event pages stands: the page token that reaches the
// newest page, and the last event seen. The last page is asked for again
// (it is not full, so it has no token of its own) and what it repeats is skipped.
struct Cursor {
  std::optional<std::string> token;
  int64_t last = 0;
};

// Reads pages from `c` to the newest (true) or for kMaxPages (false), handing
// each event past c.last to `take`, which returns false to stop there.
core::Result<bool> walk(EventsIo& io, Cursor& c, size_t page_size,
                        const std::function<bool(const json&)>& take) {
  for (int page = 0; page < kMaxPages; ++page) {
    std::string target = "/_vouch/events?limit=" + std::to_string(page_size);
    if (c.token) {
      target += "&next_token=";
      auth::uri_encode(*c.token, false, target);
    }
    auto doc = call_json(io.client, "GET", target);
    if (!doc.ok()) return doc.error();
    const json events = doc->value("events", json::array());
    for (const auto& e : events.is_array() ? events : json::array()) {
      auto seq = core::event_seq(e.value("id", ""));
      if (!seq || *seq <= c.last) continue;
      c.last = *seq;
      if (!take(e)) return false;
    }
    auto next = doc->find("next_token");
    if (next == doc->end() || !next->is_string()) return true;
    c.token = next->get<std::string>();
  }
  return false;
}

std::string line_of(const EventsArgs& args, const json& e) {
  return args.client.format == OutputFormat::kJson ? e.dump() + "\n" : event_row(e);
}

int fail(EventsIo& io, const std::string& message) {
  io.err("vouch: " + message + "\n");
  return kExitUsage;
}

// The events after --after (or the oldest kept), at most --limit; a note on
// stderr names the --after that continues when more are left.
int list_events(const EventsArgs& args, EventsIo& io) {
  const size_t limit = args.limit.value_or(kDefaultShown);
  Cursor c{std::nullopt, args.after.value_or(0)};
  size_t shown = 0;
  int64_t last_shown = c.last;
  bool more = false;
  // One more than wanted tells whether more are left; past --after, full
  // pages, since what comes before it is read only to be skipped.
  const size_t page = args.after ? kPageMax : std::min(kPageMax, limit + 1);
  if (args.client.format == OutputFormat::kTable) io.out(events_header());
  auto end = walk(io, c, page, [&](const json& e) {
    if (shown == limit) return !(more = true);
    io.out(line_of(args, e));
    ++shown;
    last_shown = c.last;
    return true;
  });
  if (!end.ok()) return fail(io, end.error().message);
  if (more || !*end) {
    // Cut short by the page bound: all it saw was shown (or skipped).
    const int64_t last = more ? last_shown : c.last;
    io.err("vouch: more events follow: vouch events --after " + core::event_id(last) + "\n");
  }
  return kExitVerified;
}

// Prints events as they come until SIGINT (or --limit of them): those after
// --after first, else only those after the start. A server that stops
// answering (or answers 429/5xx) is asked again; a refusal ends it with 3.
int follow_events(const EventsArgs& args, EventsIo& io) {
  Cursor c{std::nullopt, args.after.value_or(0)};
  size_t shown = 0;
  bool print = args.after.has_value();
  const auto take = [&](const json& e) {
    if (!print) return true;
    io.out(line_of(args, e));
    return !args.limit || ++shown < *args.limit;
  };
  if (args.client.format == OutputFormat::kTable) io.out(events_header());
  auto first = walk(io, c, kPageMax, take);
  if (!first.ok()) return fail(io, first.error().message);
  print = true;
  bool failing = false;
  while (!(args.limit && shown >= *args.limit) && !io.stopped()) {
    io.sleep(args.interval);
    if (io.stopped()) break;
    auto polled = walk(io, c, kPageMax, take);
    if (!polled.ok() && polled.error().code != core::ErrorCode::kUnavailable) {
      return fail(io, polled.error().message);
    }
    if (!polled.ok() && !failing) {
      io.err("vouch: " + polled.error().message + "; asking again\n");
    } else if (polled.ok() && failing) {
      io.err("vouch: the server answers again\n");
    }
    failing = !polled.ok();
  }
  return kExitVerified;
}

int add_webhook(const WebhooksArgs& args, EventsIo& io) {
  json body{{"url", args.target}};
  if (!args.event_types.empty()) body["event_types"] = args.event_types;
  auto doc = call_json(io.client, "POST", "/_vouch/webhooks", body.dump(), 201);
  if (!doc.ok()) return fail(io, doc.error().message);
  const json hook = doc->value("webhook", json::object());
  if (!hook.is_object() || !hook.contains("id"))
    return fail(io, "the server's answer has no webhook");
  io.out(args.client.format == OutputFormat::kJson ? hook.dump(2) + "\n"
                                                   : webhook_added_text(hook));
  return kExitVerified;
}

int list_webhooks(const WebhooksArgs& args, EventsIo& io) {
  auto doc = call_json(io.client, "GET", "/_vouch/webhooks");
  if (!doc.ok()) return fail(io, doc.error().message);
  json hooks = doc->value("webhooks", json::array());
  if (!hooks.is_array()) return fail(io, "the server's answer has no webhook list");
  io.out(args.client.format == OutputFormat::kJson ? hooks.dump(2) + "\n" : webhooks_table(hooks));
  return kExitVerified;
}

int remove_webhook(const WebhooksArgs& args, EventsIo& io) {
  std::string target = "/_vouch/webhooks/";
  auth::uri_encode(args.target, false, target);
  auto reply = io.client.call("DELETE", target);
  if (!reply.ok()) return fail(io, "cannot reach the server: " + reply.error().message);
  if (reply->status != 204 && reply->status != 200) return fail(io, reply_error(*reply));
  if (args.client.format == OutputFormat::kJson) {
    io.out(json{{"removed", args.target}}.dump() + "\n");
  } else {
    io.out("removed webhook " + args.target + "\n");
  }
  return kExitVerified;
}

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

// Runs one client command with the real clock, libcurl and stdio.
template <class Args>
int client_main(const core::Result<Args>& parsed, const char* usage,
                int (*run)(const Args&, EventsIo&)) {
  if (!parsed.ok()) {
    std::fprintf(stderr, "vouch: %s\n%s", parsed.error().message.c_str(), usage);
    return kExitUsage;
  }
  auto transport = curl_transport();
  core::SystemClock clock;
  AdminClient client(parsed->client, *transport, clock);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  EventsIo io{client,
              [](std::chrono::milliseconds d) {
                // In slices, so that SIGINT ends the wait at once.
                constexpr std::chrono::milliseconds kSlice(100);
                for (; d.count() > 0 && !g_interrupted.load(); d -= kSlice) {
                  std::this_thread::sleep_for(std::min(d, kSlice));
                }
              },
              [] { return g_interrupted.load(); },
              [](const std::string& s) {
                std::fputs(s.c_str(), stdout);
                std::fflush(stdout);
              },
              [](const std::string& s) { std::fputs(s.c_str(), stderr); }};
  return run(*parsed, io);
}

bool wants_help(const std::vector<std::string>& args) {
  return !args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help");
}

}  // namespace

int run_events(const EventsArgs& args, EventsIo& io) {
  return args.follow ? follow_events(args, io) : list_events(args, io);
}

int run_webhooks(const WebhooksArgs& args, EventsIo& io) {
  if (args.command == "add") return add_webhook(args, io);
  if (args.command == "remove") return remove_webhook(args, io);
  return list_webhooks(args, io);
}

int events_main(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::fputs(kEventsUsage, stdout);
    return kExitVerified;
  }
  return client_main(parse_events(args, process_env()), kEventsUsage, &run_events);
}

int webhooks_main(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::fputs(kWebhooksUsage, stdout);
    return kExitVerified;
  }
  return client_main(parse_webhooks(args, process_env()), kWebhooksUsage, &run_webhooks);
}

}  // namespace vouch::cli
