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
};

// A handler answers at once, or hands back work that may block (a durable
// write) for the server to run off its I/O threads.
using Deferred = std::function<Response()>;
using Outcome = std::variant<Response, Deferred>;
using Handler = std::function<Outcome(Request&)>;

}  // namespace vouch::http
