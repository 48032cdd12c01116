// The one HTTP/1.1 listener: keep-alive sessions on Boost.Beast with a
// deadline on every read and write, header and body limits, a connection cap,
// and a graceful stop. It knows nothing of SES, Lattice or SQL: every request
// goes to one Handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "http/message.h"

namespace vouch::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 4566;  // 0: pick a free port
  int io_threads = 0;          // 0: one per core
  int blocking_threads = 64;   // run Deferred work (durable writes) here
  size_t max_connections = 10000;
  size_t header_limit = 16 * 1024;    // bytes; more is 431
  size_t body_limit = 1024 * 1024;    // bytes; more is 413
  std::chrono::seconds idle_timeout{60};     // waiting for the next request
  std::chrono::seconds request_timeout{30};  // reading one request, writing one response
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, http::Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listener. Returns an error text, or "" on success.
  std::string bind();
  unsigned short port() const;  // the bound port
  // Serves until stop() (or SIGTERM/SIGINT, when handle_signals was set).
  // Returns once in-flight requests have finished.
  void run(bool handle_signals);
  // Stops accepting, lets in-flight requests finish, closes idle connections.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vouch::server
