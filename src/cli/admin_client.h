// A SigV4-signed HTTP client for the admin API of a running server (the
// client commands' one way in). Requests go out over libcurl.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/claims_args.h"
#include "core/clock.h"
#include "core/error.h"

namespace vouch::cli {

struct HttpReply {
  long status = 0;
  std::string body;
  std::string error_type;  // x-amzn-ErrorType, where a restJson error names its code
};

// Sends one request; an Error means no HTTP answer (connection refused...).
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual core::Result<HttpReply> send(
      const std::string& method, const std::string& url,
      const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) = 0;
};

std::unique_ptr<HttpTransport> curl_transport();

class AdminClient {
 public:
  AdminClient(ClientOptions options, HttpTransport& transport, const core::Clock& clock)
      : options_(std::move(options)), transport_(transport), clock_(clock) {}

  // `target`: path and query, e.g. "/_vouch/claims?after=3". A reply of any
  // status is a reply; an Error is a failed connection.
  core::Result<HttpReply> call(const std::string& method, const std::string& target,
                               const std::string& body = "");

 private:
  ClientOptions options_;
  HttpTransport& transport_;
  const core::Clock& clock_;
};

// The server's error as one line: "403 InvalidSignatureException: ..." .
std::string reply_error(const HttpReply& r);

// The JSON object of a reply with status `want`; else an Error whose message
// is the line to print ("cannot reach the server: ...", reply_error()) and
// whose code is kUnavailable when asking again may do (no answer, 429, 5xx).
core::Result<nlohmann::json> call_json(AdminClient& client, const std::string& method,
                                       const std::string& target, const std::string& body = "",
                                       long want = 200);

}  // namespace vouch::cli
