// POSTs a webhook delivery over HTTP(S) with libcurl (a handle per thread,
// keeping its connections alive between POSTs): no redirects followed,
// no proxy, connect and total timeouts, the response body read up to a
// bound and discarded. Unless allowed, refuses to connect to loopback,
// private (RFC 1918, fc00::/7), link-local and unspecified addresses,
// checked on the address curl is about to connect to (after DNS), so a
// name that resolves there (or is rebound there) is refused too.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

struct sockaddr;

namespace vouch::webhook {

struct PostResult {
  enum class Kind { kResponse, kTransport, kRefused };
  Kind kind = Kind::kTransport;
  long status = 0;    // kResponse: the HTTP status
  std::string error;  // kTransport, kRefused: what went wrong
};

class Poster {
 public:
  virtual ~Poster() = default;
  virtual PostResult post(const std::string& url,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body) = 0;
};

struct PosterOptions {
  bool allow_private = false;  // --webhook-allow-private
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds total_timeout{10};
  size_t max_response = 64 * 1024;  // read past this: the connection is dropped
};

class CurlPoster final : public Poster {
 public:
  explicit CurlPoster(PosterOptions options) : options_(options) {}
  PostResult post(const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body) override;

 private:
  const PosterOptions options_;
};

// Whether a webhook may not connect to `addr` by default (loopback, RFC 1918,
// fc00::/7, link-local, unspecified, and IPv4-mapped forms of them).
bool is_private_address(const sockaddr* addr);

}  // namespace vouch::webhook
