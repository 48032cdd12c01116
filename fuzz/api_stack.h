// The whole request path as the server wires it (cli/main.cc's Services):
// every API over a SQLite store in a fresh temporary directory, a fixed
// clock, no rate limits, DNS that answers nothing, any credentials accepted
// (so the fuzzer reaches the decoders, not just the signature check), test
// mode on (the clock routes and the open inbox exist).
#pragma once

#include <memory>
#include <string_view>

#include "http/message.h"

namespace vouch::fuzz {

class ApiStack {
 public:
  // One per process: building it opens a store.
  static ApiStack& get();
  ~ApiStack();

  // Routes `req` and runs what the handler hands back (deferred or async
  // work) on this thread. Aborts on a 5xx other than 503 (bad input must get
  // a client error, as AWS's) and on a JSON answer that is not JSON.
  http::Response call(http::Request req);
  // "METHOD target" on the first line, then "Name: value" lines, an empty
  // line, the body. A request with no Authorization header gets one whose
  // credential scope names `service` (its signature is not checked).
  http::Response call_raw(std::string_view raw, std::string_view service);

 private:
  ApiStack();
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace vouch::fuzz
