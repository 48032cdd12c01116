#include "cli/claims_args.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <span>
#include <string_view>

namespace vouch::cli {

const char* const kClaimsUsage =
    "usage:\n"
    "  vouch claims list [--status S] [--kind K] [--region R]\n"
    "  vouch claims show ID|NAME [--kind K]\n"
    "  vouch claims check ID|NAME [--kind K] [--wait] [--timeout 10m] [--poll-interval 5s]\n"
    "common: [--endpoint-url URL] [--region R] [--format table|json]\n"
    "credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;\n"
    "Region: AWS_REGION or AWS_DEFAULT_REGION; endpoint: AWS_ENDPOINT_URL.\n"
    "exit: 0 verified, 1 not yet, 2 failed, 3 usage or connection error\n";

namespace {

constexpr std::array<std::string_view, 4> kStatuses = {"pending", "verified", "unconfirmed",
                                                       "failed"};
constexpr std::array<std::string_view, 7> kKinds = {
    "ses_domain",   "ses_email",        "lattice_domain",   "ses_dkim",
    "ses_dkim_txt", "ses_mail_from_mx", "ses_mail_from_spf"};
// Long enough for any deploy; short enough that ms never overflow.
constexpr auto kMaxWait = std::chrono::hours(24 * 365);

core::Error bad(const std::string& message) { return core::invalid_argument(message); }

bool one_of(std::string_view v, std::span<const std::string_view> set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

std::string joined(std::span<const std::string_view> set) {
  std::string out;
  for (auto v : set) out += (out.empty() ? "" : "|") + std::string(v);
  return out;
}

std::string env_or(const Getenv& env, const std::string& name, const std::string& fallback = "") {
  auto v = env(name);
  return v && !v->empty() ? *v : fallback;
}

}  // namespace

Getenv process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
}

std::optional<std::string> flag_value(const std::vector<std::string>& args, size_t* i,
                                      std::string* flag) {
  const std::string& a = args[*i];
  if (auto eq = a.find('='); eq != std::string::npos) {
    *flag = a.substr(0, eq);
    return a.substr(eq + 1);
  }
  *flag = a;
  if (*i + 1 >= args.size()) return std::nullopt;
  return args[++*i];
}

std::optional<std::chrono::milliseconds> parse_millis(const std::string& text) {
  long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || n <= 0) return std::nullopt;
  const std::string_view unit(end, text.data() + text.size() - end);
  const long long mult = unit == "ms"                  ? 1
                         : unit.empty() || unit == "s" ? 1000
                         : unit == "m"                 ? 60'000
                         : unit == "h"                 ? 3'600'000
                                                       : 0;
  if (mult == 0 || n > kMaxWait.count() * 3600 * 1000 / mult) return std::nullopt;
  return std::chrono::milliseconds(n * mult);
}

core::Result<ClientOptions> parse_client(const std::vector<std::string>& args, const Getenv& env,
                                         std::vector<std::string>* rest) {
  ClientOptions o;
  o.endpoint = env_or(env, "AWS_ENDPOINT_URL", "http://127.0.0.1:4566");
  o.region = env_or(env, "AWS_REGION", env_or(env, "AWS_DEFAULT_REGION", "us-east-1"));
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--endpoint-url", 0) != 0 && a.rfind("--region", 0) != 0 &&
        a.rfind("--format", 0) != 0) {
      rest->push_back(a);
      continue;
    }
    std::string flag;
    auto v = flag_value(args, &i, &flag);
    if (flag != "--endpoint-url" && flag != "--region" && flag != "--format") {
      return bad("unknown option " + flag);
    }
    if (!v || v->empty()) return bad(flag + " needs a value");
    if (flag == "--endpoint-url") o.endpoint = *v;
    if (flag == "--region") o.region = *v;
    if (flag == "--format") {
      if (*v != "table" && *v != "json") return bad("--format must be table or json");
      o.format = *v == "json" ? OutputFormat::kJson : OutputFormat::kTable;
    }
  }
  if (o.endpoint.rfind("http://", 0) != 0 && o.endpoint.rfind("https://", 0) != 0) {
    return bad("the endpoint URL must start with http:// or https://: " + o.endpoint);
  }
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  o.access_key_id = env_or(env, "AWS_ACCESS_KEY_ID");
  o.secret_access_key = env_or(env, "AWS_SECRET_ACCESS_KEY");
  o.session_token = env_or(env, "AWS_SESSION_TOKEN");
  if (o.access_key_id.empty() || o.secret_access_key.empty()) {
    return bad("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  return o;
}

core::Result<ClaimsArgs> parse_claims(const std::vector<std::string>& args, const Getenv& env) {
  if (args.empty()) return bad("claims needs a command: list, show or check");
  ClaimsArgs c;
  c.command = args[0];
  if (c.command != "list" && c.command != "show" && c.command != "check") {
    return bad("unknown claims command '" + c.command + "'");
  }
  std::vector<std::string> rest;
  auto client = parse_client({args.begin() + 1, args.end()}, env, &rest);
  if (!client.ok()) return client.error();
  c.client = std::move(*client);
  std::vector<std::string> positional;
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (a.rfind("--", 0) != 0) {
      positional.push_back(a);
      continue;
    }
    if (a == "--wait") {
      if (c.command != "check") return bad("--wait goes with claims check");
      c.wait = true;
      continue;
    }
    std::string flag;
    auto v = flag_value(rest, &i, &flag);
    if (!v || v->empty()) return bad(flag + " needs a value");
    if (flag == "--status" && c.command == "list") {
      if (!one_of(*v, kStatuses)) return bad("--status must be one of " + joined(kStatuses));
      c.status = *v;
    } else if (flag == "--kind") {
      if (!one_of(*v, kKinds)) return bad("--kind must be one of " + joined(kKinds));
      c.kind = *v;
    } else if ((flag == "--timeout" || flag == "--poll-interval") && c.command == "check") {
      auto d = parse_millis(*v);
      if (!d) return bad(flag + " needs a duration such as 500ms, 30s or 10m");
      (flag == "--timeout" ? c.timeout : c.poll_interval) = *d;
    } else {
      return bad("unknown option " + flag + " for claims " + c.command);
    }
  }
  if (c.command == "list" && !positional.empty()) return bad("claims list takes no ID or NAME");
  if (c.command != "list") {
    if (positional.size() != 1) return bad("claims " + c.command + " needs one ID or NAME");
    c.target = positional[0];
  }
  return c;
}

}  // namespace vouch::cli
