#include "api/router.h"

#include <nlohmann/json.hpp>

#include "api/authn.h"

namespace vouch::api {

Router::Router(ses::SesApi& ses, lattice::LatticeApi& lattice, control::ControlApi& control,
               HealthInfo health)
    : ses_(ses), lattice_(lattice), control_(control), health_(std::move(health)) {}

http::Response json_error(int status, std::string_view type, std::string_view message) {
  nlohmann::json body{{"message", message}};
  return http::Response{status, "application/json", {{"x-amzn-ErrorType", std::string(type)}},
                        body.dump()};
}

http::Response Router::health(const http::Request&) const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - started_);
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
