// Plain HTTP request/response values shared by the server and the API
// handlers, so handlers are functions that tests call without a socket.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vouch::http {

struct Header {
  std::string name;  // as received
  std::string value;
};

bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request-target: path and query as on the wire
  std::vector<Header> headers;
  std::string body;
  std::string request_id;  // assigned by the server

  // First header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  std::string_view path() const;   // target before '?'
  std::string_view query() const;  // target after '?', or ""
};

struct Response {
  int status = 200;
  std::string content_type;  // empty: no body type
  std::vector<Header> headers;
  std::string body;
  // An internal error's cause: never sent; the server logs it once, with the
  // request id (log_internal_error).
  std::string cause = {};
};

// One line on stderr: "vouch: internal error, request <id>: <cause>" (the
// cause cut at 1 KiB, control characters as '?', so one error is one line).
void log_internal_error(std::string_view request_id, std::string_view cause);

// Where log_internal_error's line goes instead (the process's logger); set
// once at start, before any request.
using InternalErrorLog = std::function<void(std::string_view request_id, std::string_view line)>;
void set_internal_error_log(InternalErrorLog log);

// A handler answers at once, or hands back work that may block (a durable
// write) for the server to run off its I/O threads.
using Deferred = std::function<Response()>;

// Work that waits without holding a thread (live DNS lookups). The server
// runs `start` on its blocking pool, where it may read the store briefly and
// then hand `done` on to whatever finishes the work; the response is what
// `done` is called with, once, from any thread. A `done` dropped uncalled
// answers 500.
using Done = std::function<void(Response)>;
struct Async {
  std::function<void(Done done)> start;
  // `start` only queues the work and returns (a read queued for a batched
  // statement): the server runs it on the I/O thread, saving the hop.
  bool quick_start = false;
};

using HandlerResult = std::variant<Response, Deferred, Async>;
using Handler = std::function<HandlerResult(Request&)>;

}  // namespace vouch::http
