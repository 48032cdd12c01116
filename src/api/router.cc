#include "api/router.h"

#include <nlohmann/json.hpp>

#include "api/authn.h"

namespace vouch::api {

namespace {

// SES (awsQuery form): GetIdentityVerificationAttributes names up to 100
// identities of up to 320 octets, each octet at worst percent-encoded in 3:
// 100 x ("&Identities.member.100=" + 960) = 98,300 bytes, plus the rest.
constexpr size_t kSesBody = 128 * 1024;
// Lattice (JSON): up to 50 tags of up to 128 + 256 characters, each at worst
// an escaped surrogate pair (12 bytes): 230,400 bytes, plus the rest.
constexpr size_t kLatticeBody = 256 * 1024;
// Other writes (test clock, checks, forms of the mail pages): small.
constexpr size_t kSmallBody = 16 * 1024;
// GET, HEAD and DELETE carry nothing; a few bytes are tolerated.
constexpr size_t kNoBody = 1024;

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

size_t Router::body_limit(std::string_view method, std::string_view target) {
  if (method == "GET" || method == "HEAD" || method == "DELETE") return kNoBody;
  const std::string_view path = path_of(target);
  if (path == "/") return kSesBody;
  if (lattice::LatticeApi::owns(path)) return kLatticeBody;
  return kSmallBody;
}

size_t Router::max_body_limit() { return kLatticeBody; }

bool Router::is_health(std::string_view, std::string_view target) {
  return path_of(target) == "/_vouch/health";
}

Router::Router(ses::SesApi& ses, lattice::LatticeApi& lattice, control::ControlApi& control,
               HealthInfo health)
    : ses_(ses),
      lattice_(lattice),
      control_(control),
      health_(std::move(health)),
      started_(health_.steady_now()) {}

http::Response json_error(int status, std::string_view type, std::string_view message) {
  nlohmann::json body{{"message", message}};
  return http::Response{status, "application/json", {{"x-amzn-ErrorType", std::string(type)}},
                        body.dump()};
}

http::Response Router::health(const http::Request&) const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      health_.steady_now() - started_);
  nlohmann::json body{{"status", "ok"},
                      {"version", health_.version},
                      {"store", health_.store},
                      {"allocator", health_.allocator},
                      {"uptime_seconds", uptime.count()}};
  return http::Response{200, "application/json", {}, body.dump()};
}

http::Outcome Router::handle(http::Request& req) {
  const std::string_view path = req.path();
  if (path == "/_vouch/health") {
    if (req.method != "GET" && req.method != "HEAD") {
      return json_error(405, "MethodNotAllowed", "Use GET.");
    }
    return health(req);
  }
  if (path == "/") {
    // Any other scope goes to SES too, which names the service it expected.
    if (scope_service(req) != "vpc-lattice") return ses_.handle(req);
  }
  if (lattice::LatticeApi::owns(path)) return lattice_.handle(req);
  if (control::ControlApi::owns(path)) return control_.handle(req);
  if (mail_ && mail::MailApi::owns(path)) return mail_->handle(req);
  return json_error(404, "UnknownOperationException", "Unknown operation");
}

}  // namespace vouch::api
