#include "api/router.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/authn.h"
#include "api/common/json.h"
#include "api/ui/static_ui.h"
#include "api/localstack_probe.h"

namespace vouch::api {

namespace {

// SES (awsQuery form): GetIdentityVerificationAttributes names up to 100
// identities of up to 320 octets, each octet at worst percent-encoded in 3:
// 100 x ("&Identities.member.100=" + 960) = 98,300 bytes, plus the rest.
constexpr size_t kSesBody = 128 * 1024;
// Lattice (JSON): up to 50 tags of up to 128 + 256 characters, each at worst
// an escaped surrogate pair (12 bytes): 230,400 bytes, plus the rest.
constexpr size_t kLatticeBody = 256 * 1024;
// SES v2 (JSON): the same 50 tags, plus an identity name.
constexpr size_t kSesV2Body = 256 * 1024;
// Other writes (test clock, checks, forms of the mail pages): small.
constexpr size_t kSmallBody = 16 * 1024;
// GET, HEAD and DELETE carry nothing; a few bytes are tolerated.
constexpr size_t kNoBody = 1024;

constexpr std::string_view kHealth = "/_vouch/health";

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

using Auth = Router::Auth;

bool starts(std::string_view p, std::string_view prefix) {
  return p.substr(0, prefix.size()) == prefix;
}

}  // namespace

// clang-format off
const Router::Route Router::kRoutes[] = {
  // what                                     matcher                                                                      auth                    body limit    handler
  {"GET|HEAD /_vouch/health",                 [](std::string_view p) { return p == kHealth; },                             Auth::kNone,            kNoBody,      &Router::health},
  {"POST / (SES awsQuery)",                   [](std::string_view p) { return p == "/"; },                                 Auth::kSigV4,           kSesBody,     &Router::root},
  {"/v2/email/{identities[/{id}[/dkim]],list-identities,tags} (SES v2)", &sesv2::SesV2Api::owns,                              Auth::kSigV4,           kSesV2Body,   &Router::sesv2},
  {"/domainverifications[/{id}], /tags/{arn}", &lattice::LatticeApi::owns,                                                 Auth::kSigV4,           kLatticeBody, &Router::lattice},
  {"/_vouch/claims[/{id}[/check]] (admin)",   [](std::string_view p) { return p == "/_vouch/claims" || starts(p, "/_vouch/claims/"); },
                                                                                                                           Auth::kSigV4,           kSmallBody,   &Router::control},
  {"POST /_vouch/test/claims/{id}/status",   [](std::string_view p) { return starts(p, "/_vouch/test/claims/"); },        Auth::kTestModeSigV4,   kSmallBody,   &Router::control},
  {"GET /_vouch/events, /_vouch/webhooks[/{id}]", &control::EventsApi::owns,                                             Auth::kSigV4,           kSmallBody,   &Router::events},
  {"POST /_vouch/test/{clock,run-due-checks,reset}", [](std::string_view p) { return starts(p, "/_vouch/test/"); },        Auth::kTestMode,        kSmallBody,   &Router::control},
  {"GET|HEAD|POST /_vouch/verify-email",      [](std::string_view p) { return p == "/_vouch/verify-email"; },              Auth::kLinkToken,       kSmallBody,   &Router::mail},
  {"GET|HEAD /_vouch/ui/[{file}] (web console)", &ui::owns,                                                              Auth::kNone,            kNoBody,      &Router::ui},
  {"GET|HEAD /_localstack/{health,init[/{stage}]}", &localstack::owns,                                                  Auth::kNone,            kNoBody,      &Router::localstack},
  {"GET|DELETE /_aws/ses (sent-mail inbox)",  [](std::string_view p) { return p == "/_aws/ses"; },                         Auth::kSigV4OrTestMode, kSmallBody,   &Router::mail},
};
// clang-format on

namespace {

const Router::Route* route_of(std::string_view path) {
  for (const auto& r : Router::routes()) {
    if (r.matches(path)) return &r;
  }
  return nullptr;
}

}  // namespace

std::span<const Router::Route> Router::routes() { return kRoutes; }

size_t Router::body_limit(std::string_view method, std::string_view target) {
  if (method == "GET" || method == "HEAD" || method == "DELETE") return kNoBody;
  const Route* r = route_of(path_of(target));
  return r ? r->body_limit : kSmallBody;
}

size_t Router::max_body_limit() {
  size_t most = kSmallBody;
  for (const auto& r : routes()) most = std::max(most, r.body_limit);
  return most;
}

bool Router::is_health(std::string_view, std::string_view target) {
  return path_of(target) == kHealth;
}

Router::Router(ses::SesApi& ses, sesv2::SesV2Api& sesv2, lattice::LatticeApi& lattice,
               control::ControlApi& control, HealthInfo health)
    : ses_(ses),
      sesv2_(sesv2),
      lattice_(lattice),
      control_(control),
      health_(std::move(health)),
      started_(health_.steady_now()) {}

http::HandlerResult Router::handle(http::Request& req) {
  const Route* r = route_of(req.path());
  if (!r) return json_error(404, "UnknownOperationException", "Unknown operation");
  return (this->*(r->handler))(req);
}

http::HandlerResult Router::health(http::Request& req) {
  if (req.method != "GET" && req.method != "HEAD")
    return json_error(405, "MethodNotAllowed", "Use GET.");
  if (auto ok = cached_store_ok()) return health_response(*ok);
  // A ping may wait on the network: off the I/O threads.
  return http::Deferred([this] { return health_response(ping_store()); });
}

http::HandlerResult Router::localstack(http::Request& req) {
  if (auto ok = cached_store_ok()) {
    return localstack::respond(req.method, req.path(), health_.version, *ok);
  }
  return http::Deferred([this, method = req.method, path = std::string(req.path())] {
    return localstack::respond(method, path, health_.version, ping_store());
  });
}

namespace {
constexpr auto kPingFor = std::chrono::seconds(1);  // how long a ping's result stands
}  // namespace

std::optional<bool> Router::cached_store_ok() {
  if (!health_.ping) return true;
  std::lock_guard lock(ping_->mu);
  if (ping_->valid && health_.steady_now() - ping_->at < kPingFor) return ping_->ok;
  return std::nullopt;
}

bool Router::ping_store() {
  std::unique_lock one(ping_->pinging, std::try_to_lock);
  if (!one.owns_lock()) {
    // Another probe is pinging: its store may hang (a dead connection), so
    // no probe waits on it. Until it has taken a second, the last result
    // stands; past that, the store is not answering.
    std::lock_guard lock(ping_->mu);
    return ping_->ok && health_.steady_now() - ping_->started < kPingFor;
  }
  if (auto ok = cached_store_ok()) return *ok;
  {
    std::lock_guard lock(ping_->mu);
    ping_->started = health_.steady_now();
  }
  const bool ok = health_.ping().ok();
  std::lock_guard lock(ping_->mu);
  ping_->valid = true;
  ping_->ok = ok;
  ping_->at = health_.steady_now();
  return ok;
}

http::Response Router::health_response(bool store_ok) {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(health_.steady_now() - started_);
  nlohmann::json body{{"status", store_ok ? "ok" : "unavailable"},
                      {"version", health_.version},
                      {"store", health_.store},
                      {"store_ok", store_ok},
                      {"node", health_.node},
                      {"allocator", health_.allocator},
                      {"tls", health_.tls},
                      {"uptime_seconds", uptime.count()}};
  // 503 takes the node out of a load balancer while its store does not answer.
  return http::Response{store_ok ? 200 : 503, "application/json", {}, body.dump()};
}

http::HandlerResult Router::root(http::Request& req) {
  // Any other scope goes to SES too, which names the service it expected.
  if (scope_service(req) != "vpc-lattice") return ses_.handle(req);
  return json_error(404, "UnknownOperationException", "Unknown operation");
}

http::HandlerResult Router::sesv2(http::Request& req) { return sesv2_.handle(req); }

http::HandlerResult Router::lattice(http::Request& req) { return lattice_.handle(req); }

http::HandlerResult Router::control(http::Request& req) { return control_.handle(req); }

http::HandlerResult Router::mail(http::Request& req) {
  if (!mail_) return json_error(404, "UnknownOperationException", "Unknown operation");
  return mail_->handle(req);
}

http::HandlerResult Router::ui(http::Request& req) { return ui::serve(req); }

http::HandlerResult Router::events(http::Request& req) {
  if (!events_) return json_error(404, "UnknownOperationException", "Unknown operation");
  return events_->handle(req);
}

}  // namespace vouch::api
