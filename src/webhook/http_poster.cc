#include "webhook/http_poster.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace vouch::webhook {

namespace {

bool private_v4(uint32_t a) {  // host order
  const auto in = [a](uint32_t net, int bits) {
    return (a >> (32 - bits)) == (net >> (32 - bits));
  };
  return in(0x00000000, 8) ||   // 0.0.0.0/8: unspecified
         in(0x0A000000, 8) ||   // 10/8
         in(0x7F000000, 8) ||   // 127/8: loopback
         in(0xA9FE0000, 16) ||  // 169.254/16: link-local
         in(0xAC100000, 12) ||  // 172.16/12
         in(0xC0A80000, 16);    // 192.168/16
}

bool private_v6(const in6_addr& a) {
  const uint8_t* b = a.s6_addr;
  static const uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true;  // ::, ::1
  if ((b[0] & 0xfe) == 0xfc) return true;                                         // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;                         // fe80::/10
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) {  // ::ffff:a.b.c.d
    return private_v4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) |
                      b[15]);
  }
  return false;
}

struct Call {
  const PosterOptions* options;
  std::string refused;  // the address refused, when one was
  size_t read = 0;
};

curl_socket_t open_socket(void* clientp, curlsocktype, curl_sockaddr* address) {
  auto* call = static_cast<Call*>(clientp);
  if (!call->options->allow_private && is_private_address(&address->addr)) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (address->family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr, text,
                sizeof text);
    } else if (address->family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr, text,
                sizeof text);
    }
    call->refused = text;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

size_t discard(char*, size_t size, size_t n, void* clientp) {
  auto* call = static_cast<Call*>(clientp);
  call->read += size * n;
  if (call->read > call->options->max_response) return 0;  // aborts the transfer
  return size * n;
}

}  // namespace

bool is_private_address(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    return private_v4(ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    return private_v6(reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr);
  }
  return true;  // no other family is a webhook's
}

PostResult CurlPoster::post(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body) {
  // One handle per thread, reset for each POST: it keeps its connections,
  // so a run of deliveries to one receiver reuses them (each was checked
  // when it was opened, by the rules of a poster with the same allow_private).
  struct Handle {
    CURL* c = curl_easy_init();
    ~Handle() {
      if (c) curl_easy_cleanup(c);
    }
  };
  thread_local Handle handles[2];
  CURL* c = handles[options_.allow_private ? 1 : 0].c;
  if (!c) return {PostResult::Kind::kTransport, 0, "cannot start an HTTP client"};
  curl_easy_reset(c);
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  Call call{&options_, {}, 0};
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // never through a proxy from the environment
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &open_socket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &call);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &discard);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &call);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options_.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  if (!call.refused.empty()) {
    return {PostResult::Kind::kRefused, 0,
            "refused to connect to private address " + call.refused +
                " (serve --webhook-allow-private allows it)"};
  }
  // A response past the read bound still has its status.
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && status > 0)) {
    return {PostResult::Kind::kResponse, status, {}};
  }
  return {PostResult::Kind::kTransport, 0,
          std::string(curl_easy_strerror(rc)) + (error[0] ? std::string(": ") + error : "")};
}

}  // namespace vouch::webhook
