#include "cli/claims_command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/claims_view.h"

namespace vouch::cli {

using nlohmann::json;

namespace {

// 500 claims a page: 500,000 claims, far past --max-identities' default.
constexpr int kMaxPages = 1000;

struct Failure {
  std::string message;
};

// The JSON body of a 200, or why there is none.
std::variant<json, Failure> get_json(ClaimsIo& io, const std::string& method,
                                     const std::string& target) {
  auto doc = call_json(io.client, method, target);
  if (!doc.ok()) return Failure{doc.error().message};
  return std::move(*doc);
}

int fail(ClaimsIo& io, const std::string& message) {
  io.err += "vouch: " + message + "\n";
  return kExitUsage;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Every claim of the caller's account and Region, page by page.
std::variant<json, Failure> all_claims(ClaimsIo& io) {
  json all = json::array();
  std::string target = "/_vouch/claims";
  for (int page = 0; page < kMaxPages; ++page) {
    auto doc = get_json(io, "GET", target);
    if (auto* f = std::get_if<Failure>(&doc)) return *f;
    json& body = std::get<json>(doc);
    for (auto& c : body.value("claims", json::array())) all.push_back(std::move(c));
    auto next = body.find("next_after");
    if (next == body.end() || !next->is_number_integer()) return all;
    target = "/_vouch/claims?after=" + std::to_string(next->get<int64_t>());
  }
  return all;
}

bool matches(const json& c, const ClaimsArgs& a) {
  return (a.kind.empty() || c.value("kind", "") == a.kind) &&
         (a.status.empty() || c.value("status", "") == a.status);
}

// The one claim `args.target` names (its id, or its subject), or the exit status.
std::variant<std::string, int> resolve(const ClaimsArgs& args, ClaimsIo& io) {
  auto listed = all_claims(io);
  if (auto* f = std::get_if<Failure>(&listed)) return fail(io, f->message);
  json found = json::array();
  for (const auto& c : std::get<json>(listed)) {
    if (!matches(c, args)) continue;
    if (c.value("id", "") == args.target) return args.target;
    if (lower(c.value("subject", "")) == lower(args.target)) found.push_back(c);
  }
  if (found.size() == 1) return found[0].value("id", "");
  if (found.empty()) return fail(io, "no claim with the ID or NAME " + args.target);
  io.err += claims_table(found);
  return fail(io, args.target + " names " + std::to_string(found.size()) +
                      " claims: give one ID, or --kind");
}

void print_detail(const ClaimsArgs& args, ClaimsIo& io, const json& detail) {
  io.out += args.client.format == OutputFormat::kJson ? detail.dump(2) + "\n" : claim_text(detail);
}

int list(const ClaimsArgs& args, ClaimsIo& io) {
  auto listed = all_claims(io);
  if (auto* f = std::get_if<Failure>(&listed)) return fail(io, f->message);
  json shown = json::array();
  for (auto& c : std::get<json>(listed)) {
    if (matches(c, args)) shown.push_back(std::move(c));
  }
  io.out += args.client.format == OutputFormat::kJson ? shown.dump(2) + "\n" : claims_table(shown);
  return kExitVerified;
}

// --wait: checks again every poll interval until the claim is verified or
// failed, or the timeout passes (then 1, with the last answer printed).
int check(const ClaimsArgs& args, ClaimsIo& io, const std::string& id) {
  const std::string target = "/_vouch/claims/" + id + "/check";
  const auto deadline = io.clock.now() + args.timeout;
  for (;;) {
    auto doc = get_json(io, "POST", target);
    if (auto* f = std::get_if<Failure>(&doc)) {
      // Throttled: the next poll asks again.
      if (!args.wait || f->message.find("Throttl") == std::string::npos) {
        return fail(io, f->message);
      }
    } else {
      const json& detail = std::get<json>(doc);
      const int code = exit_code_of(detail);
      if (!args.wait || code != kExitNotYet || io.clock.now() >= deadline) {
        print_detail(args, io, detail);
        if (code == kExitNotYet && args.wait) io.err += "vouch: timed out; still not verified\n";
        return code;
      }
    }
    if (io.clock.now() >= deadline) {
      io.err += "vouch: timed out; still not verified\n";
      return kExitNotYet;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                            io.clock.now());
    io.sleep(std::min(args.poll_interval, left));
  }
}

}  // namespace

int run_claims(const ClaimsArgs& args, ClaimsIo& io) {
  if (args.command == "list") return list(args, io);
  auto id = resolve(args, io);
  if (auto* code = std::get_if<int>(&id)) return *code;
  const std::string& claim = std::get<std::string>(id);
  if (args.command == "check") return check(args, io, claim);
  auto doc = get_json(io, "GET", "/_vouch/claims/" + claim);
  if (auto* f = std::get_if<Failure>(&doc)) return fail(io, f->message);
  print_detail(args, io, std::get<json>(doc));
  return exit_code_of(std::get<json>(doc));
}

int claims_main(const std::vector<std::string>& args) {
  const Getenv env = process_env();
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(kClaimsUsage, stdout);
    return kExitVerified;
  }
  auto parsed = parse_claims(args, env);
  if (!parsed.ok()) {
    std::fprintf(stderr, "vouch: %s\n%s", parsed.error().message.c_str(), kClaimsUsage);
    return kExitUsage;
  }
  auto transport = curl_transport();
  core::SystemClock clock;
  AdminClient client(parsed->client, *transport, clock);
  ClaimsIo io{
      client, clock, [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }, {}, {}};
  const int code = run_claims(*parsed, io);
  std::fputs(io.out.c_str(), stdout);
  std::fputs(io.err.c_str(), stderr);
  return code;
}

}  // namespace vouch::cli
