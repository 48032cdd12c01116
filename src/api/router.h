// The top of the request path: picks the API a request belongs to by its
// route and, for `POST /`, by the SigV4 scope's service.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "api/control/control_api.h"
#include "api/lattice/lattice_api.h"
#include "api/mail/mail_api.h"
#include "api/ses/ses_api.h"
#include "http/message.h"

namespace vouch::api {

struct HealthInfo {
  std::string version;
  std::string store;
  std::string allocator;  // "jemalloc <version>" or "glibc"
  // Where uptime is read from: tests pass a fake to see it count.
  std::function<std::chrono::steady_clock::time_point()> steady_now = std::chrono::steady_clock::now;
};

class Router {
 public:
  Router(ses::SesApi& ses, lattice::LatticeApi& lattice, control::ControlApi& control,
         HealthInfo health);
  // The mail routes (verification links, inbox), when mail is wired.
  void set_mail(mail::MailApi* mail) { mail_ = mail; }
  http::Outcome handle(http::Request& req);

  // The most body a request to `target` can need, for the server to refuse a
  // larger one before reading it (before its signature can be checked).
  static size_t body_limit(std::string_view method, std::string_view target);
  static size_t max_body_limit();  // the largest of them
  // The health check, which the server answers even when out of connections.
  static bool is_health(std::string_view method, std::string_view target);

 private:
  http::Response health(const http::Request& req) const;

  ses::SesApi& ses_;
  lattice::LatticeApi& lattice_;
  control::ControlApi& control_;
  mail::MailApi* mail_ = nullptr;
  const HealthInfo health_;
  const std::chrono::steady_clock::time_point started_;
};

// restJson1-style error body, for routes outside the awsQuery API.
http::Response json_error(int status, std::string_view type, std::string_view message);

}  // namespace vouch::api
