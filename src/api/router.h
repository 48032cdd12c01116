// The top of the request path: one route table (router.cc) lists every
// route with its auth, its body limit and its handler. `POST /` goes to SES,
// or to nothing for a VPC Lattice scope, by the SigV4 scope's service.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <optional>
#include <string_view>

#include "api/control/control_api.h"
#include "api/control/events_api.h"
#include "api/lattice/lattice_api.h"
#include "api/mail/mail_api.h"
#include "api/ses/ses_api.h"
#include "api/sesv2/sesv2_api.h"
#include "core/error.h"
#include "http/message.h"

namespace vouch::api {

struct HealthInfo {
  std::string version;
  std::string store;
  std::string allocator;  // "jemalloc <version>" or "glibc"
  std::string node;       // this process's id (--node-id, or random at start)
  // Whether the store answers (store.ping()); unset: always. Its result is
  // kept for a second, so a load balancer's probes cost the store little.
  std::function<core::Status()> ping;
  bool tls = false;  // the listener serves HTTPS
  // Where uptime is read from: tests pass a fake to see it count.
  std::function<std::chrono::steady_clock::time_point()> steady_now =
      std::chrono::steady_clock::now;
};

class Router {
 public:
  // Who may call a route. The handler checks it; the table says it.
  enum class Auth {
    kNone,             // anyone
    kSigV4,            // a SigV4 signature of a known account (the handler's service)
    kTestMode,         // exists only in test mode, unsigned
    kTestModeSigV4,    // exists only in test mode, signed (names the caller's claims)
    kSigV4OrTestMode,  // unsigned in test mode, SigV4 outside it (the inbox)
    kLinkToken,        // the signed token in a verification link
  };
  struct Route {
    std::string_view paths;  // for the reader: what the matcher takes
    bool (*matches)(std::string_view path);
    Auth auth;
    size_t body_limit;  // bytes a write (not GET/HEAD/DELETE) may carry
    http::HandlerResult (Router::*handler)(http::Request&);
  };
  // Every route, in the order they are tried.
  static std::span<const Route> routes();

  Router(ses::SesApi& ses, sesv2::SesV2Api& sesv2, lattice::LatticeApi& lattice,
         control::ControlApi& control, HealthInfo health);
  // The mail routes (verification links, inbox), when mail is wired.
  void set_mail(mail::MailApi* mail) { mail_ = mail; }
  // The event and webhook routes, when wired.
  void set_events(control::EventsApi* events) { events_ = events; }
  http::HandlerResult handle(http::Request& req);

  // The most body a request to `target` can need, for the server to refuse a
  // larger one before reading it (before its signature can be checked).
  static size_t body_limit(std::string_view method, std::string_view target);
  static size_t max_body_limit();  // the largest of them
  // The health check, which the server answers even when out of connections.
  static bool is_health(std::string_view method, std::string_view target);

 private:
  static const Route kRoutes[];

  http::HandlerResult health(http::Request& req);
  http::HandlerResult root(http::Request& req);
  http::HandlerResult sesv2(http::Request& req);
  http::HandlerResult lattice(http::Request& req);
  http::HandlerResult control(http::Request& req);
  http::HandlerResult mail(http::Request& req);
  http::HandlerResult events(http::Request& req);
  http::HandlerResult ui(http::Request& req);
  http::HandlerResult localstack(http::Request& req);

  ses::SesApi& ses_;
  sesv2::SesV2Api& sesv2_;
  lattice::LatticeApi& lattice_;
  control::ControlApi& control_;
  mail::MailApi* mail_ = nullptr;
  control::EventsApi* events_ = nullptr;
  const HealthInfo health_;
  const std::chrono::steady_clock::time_point started_;
  // The last ping's result and when it was taken; one ping at a time.
  struct PingCache {
    std::mutex mu;
    bool valid = false;
    bool ok = true;  // the store answered at start
    std::chrono::steady_clock::time_point at{};
    std::chrono::steady_clock::time_point started{};  // of the ping in flight
    std::mutex pinging;                               // held by the probe that pings
  };
  std::unique_ptr<PingCache> ping_ = std::make_unique<PingCache>();
  std::optional<bool> cached_store_ok();
  bool ping_store();
  http::Response health_response(bool store_ok);
};

}  // namespace vouch::api
