// The one HTTP/1.1 listener: keep-alive sessions on Boost.Beast with a
// deadline on every read and write, header and per-route body limits,
// connection caps (in all and per client) with reserve slots for health
// checks, HEAD answered without a body, and a graceful stop. It knows
// nothing of SES, Lattice or SQL: every request goes to one Handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/message.h"
#include "server/tls_context.h"

namespace vouch::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 4566;  // 0: pick a free port
  int io_threads = 0;          // 0: one per usable CPU (cpus.h)
  int blocking_threads = 64;   // run Deferred work (durable writes) here
  // Connections served at once. Past it, up to `reserve_connections` more
  // each get one request answered, if `reserve_route` says so (the health
  // check), else 503; past those, new connections get 503 and are closed.
  size_t max_connections = 10000;
  size_t reserve_connections = 16;
  // Per client address (IPv4, or IPv6 /64), reserve included; more get 503.
  // 0: no cap.
  size_t max_connections_per_client = 256;
  size_t header_limit = 16 * 1024;  // bytes; more is 431
  size_t body_limit = 1024 * 1024;  // bytes, for any request; more is 413
  // The body a request's route can need, asked once its header is read: a
  // larger Content-Length is answered 413 before any of the body is read.
  // Unset: body_limit for every route.
  std::function<size_t(std::string_view method, std::string_view target)> route_body_limit;
  std::function<bool(std::string_view method, std::string_view target)> reserve_route;
  std::chrono::seconds idle_timeout{60};     // waiting for the next request
  std::chrono::seconds request_timeout{30};  // reading one request, writing one response
  std::chrono::seconds reserve_timeout{5};   // a reserve connection's whole request
  // HTTPS when set: a connection takes tls->current() at its accept, and
  // SIGHUP (with handle_signals) reloads the pair. A handshake holds a
  // connection slot like a request does, for handshake_timeout at most.
  std::shared_ptr<TlsContexts> tls;
  std::chrono::seconds handshake_timeout{10};  // a TLS handshake; a TLS close
};

// Whose connection an address's is, for the per-client cap: an IPv4
// address, or an IPv6 /64 (an IPv4-mapped one counts as its IPv4).
std::string client_key(const std::string& address);

// Raises the soft limit on open files to the hard one (what the kernel
// allows) and returns the soft limit in effect.
size_t raise_fd_limit();

// Connections `fd_limit` descriptors can serve once `reserved_fds` are kept
// for the store, DNS and SMTP and `reserve_connections` for health checks
// (0 if none).
size_t connection_budget(size_t fd_limit, size_t reserved_fds, size_t reserve_connections);

class HttpServer {
 public:
  HttpServer(ServerOptions options, http::Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listener: kInvalidArgument for an address that is not one,
  // kUnavailable when the port cannot be had (in use, not permitted).
  core::Status bind();
  unsigned short port() const;      // the bound port
  size_t open_connections() const;  // served now, reserve slots included
  // Serves until stop() (or SIGTERM/SIGINT, when handle_signals was set;
  // then SIGHUP reloads the TLS pair, if any).
  // Returns once in-flight requests have finished.
  void run(bool handle_signals);
  // Stops accepting, lets in-flight requests finish, closes idle connections.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vouch::server
