#include "cli/events_args.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "core/event_json.h"

namespace vouch::cli {

const char* const kEventsUsage =
    "usage:\n"
    "  vouch events [--after evt-N] [--limit N]\n"
    "  vouch events --follow [--after evt-N] [--limit N] [--interval 2s]\n"
    "Events of the caller's account, oldest first, one a line (--format json: JSON lines).\n"
    "--limit: the most printed (default 100, at most 100000); with --follow, stop after N.\n"
    "--follow: print events as they come (from --after, or from now) until SIGINT.\n"
    "common: [--endpoint-url URL] [--region R] [--format table|json]\n"
    "credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;\n"
    "Region: AWS_REGION or AWS_DEFAULT_REGION; endpoint: AWS_ENDPOINT_URL.\n"
    "exit: 0 done (SIGINT ends --follow with 0), 3 usage, connection or server error\n";

const char* const kWebhooksUsage =
    "usage:\n"
    "  vouch webhooks add URL [--event-type TYPE]...\n"
    "  vouch webhooks list\n"
    "  vouch webhooks remove ID\n"
    "TYPE: ses.identity.status_changed, ses.dkim.status_changed,\n"
    "      ses.mail_from.status_changed, vpc-lattice.domain_verification.status_changed\n"
    "      (none: every type). add prints the signing secret once.\n"
    "common: [--endpoint-url URL] [--region R] [--format table|json]\n"
    "credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;\n"
    "Region: AWS_REGION or AWS_DEFAULT_REGION; endpoint: AWS_ENDPOINT_URL.\n"
    "exit: 0 done, 3 usage, connection or server error\n";

namespace {

core::Error bad(const std::string& message) { return core::invalid_argument(message); }

std::optional<size_t> count_of(const std::string& v) {
  size_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

}  // namespace

core::Result<EventsArgs> parse_events(const std::vector<std::string>& args, const Getenv& env) {
  EventsArgs e;
  std::vector<std::string> rest;
  auto client = parse_client(args, env, &rest);
  if (!client.ok()) return client.error();
  e.client = std::move(*client);
  bool interval_set = false;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == "--follow") {
      e.follow = true;
      continue;
    }
    if (rest[i].rfind("--", 0) != 0) return bad("events takes no argument " + rest[i]);
    std::string flag;
    auto v = flag_value(rest, &i, &flag);
    if (!v || v->empty()) return bad(flag + " needs a value");
    if (flag == "--after") {
      // "evt-17", or the bare 17.
      auto seq = core::event_seq(*v);
      if (auto n = count_of(*v); !seq && n && *n <= INT64_MAX) seq = static_cast<int64_t>(*n);
      if (!seq) return bad("--after needs an event id such as evt-17");
      e.after = *seq;
    } else if (flag == "--limit") {
      auto n = count_of(*v);
      if (!n || *n < 1 || *n > kMaxEventsShown) {
        return bad("--limit must be between 1 and " + std::to_string(kMaxEventsShown));
      }
      e.limit = *n;
    } else if (flag == "--interval") {
      auto d = parse_millis(*v);
      if (!d) return bad("--interval needs a duration such as 500ms, 2s or 1m");
      e.interval = *d;
      interval_set = true;
    } else {
      return bad("unknown option " + flag + " for events");
    }
  }
  if (!e.follow && interval_set) {
    return bad("--interval goes with --follow");
  }
  return e;
}

core::Result<WebhooksArgs> parse_webhooks(const std::vector<std::string>& args, const Getenv& env) {
  if (args.empty()) return bad("webhooks needs a command: add, list or remove");
  WebhooksArgs w;
  w.command = args[0];
  if (w.command != "add" && w.command != "list" && w.command != "remove") {
    return bad("unknown webhooks command '" + w.command + "'");
  }
  std::vector<std::string> rest;
  auto client = parse_client({args.begin() + 1, args.end()}, env, &rest);
  if (!client.ok()) return client.error();
  w.client = std::move(*client);
  std::vector<std::string> positional;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i].rfind("--", 0) != 0) {
      positional.push_back(rest[i]);
      continue;
    }
    std::string flag;
    auto v = flag_value(rest, &i, &flag);
    if (flag != "--event-type" || w.command != "add") {
      return bad("unknown option " + flag + " for webhooks " + w.command);
    }
    if (!v || !core::is_event_type(*v)) {
      return bad("--event-type needs one of the types below, not '" + v.value_or("") + "'");
    }
    if (std::find(w.event_types.begin(), w.event_types.end(), *v) != w.event_types.end()) continue;
    if (w.event_types.size() == kMaxEventTypes) return bad("too many --event-type");
    w.event_types.push_back(*v);
  }
  if (w.command == "list") {
    if (!positional.empty()) return bad("webhooks list takes no argument");
    return w;
  }
  const char* what = w.command == "add" ? "one URL" : "one webhook ID";
  if (positional.size() != 1) return bad("webhooks " + w.command + " needs " + what);
  w.target = positional[0];
  if (w.command == "add" && w.target.rfind("http://", 0) != 0 &&
      w.target.rfind("https://", 0) != 0) {
    return bad("the webhook URL must start with http:// or https://: " + w.target);
  }
  return w;
}

}  // namespace vouch::cli
