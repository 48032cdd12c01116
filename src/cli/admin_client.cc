#include "cli/admin_client.h"

#include <curl/curl.h>

#include <cctype>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/sigv4.h"

namespace vouch::cli {

namespace {

// The admin API's answers are small; more is not an answer from vouch.
constexpr size_t kMaxReply = 64 << 20;
constexpr long kConnectTimeoutSeconds = 10;
constexpr long kRequestTimeoutSeconds = 120;  // a live check waits on DNS

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * n > kMaxReply) return 0;  // curl fails the transfer
  body->append(data, size * n);
  return size * n;
}

// Keeps x-amzn-ErrorType: the error's code when the body does not carry it.
size_t header(char* data, size_t size, size_t n, void* out) {
  constexpr std::string_view kName = "x-amzn-errortype:";
  std::string_view line(data, size * n);
  if (line.size() > kName.size() && line.size() < 1024) {
    std::string lower(line.substr(0, kName.size()));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == kName) {
      std::string_view v = line.substr(kName.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
        v.remove_suffix(1);
      *static_cast<std::string*>(out) = std::string(v);
    }
  }
  return size * n;
}

class CurlTransport : public HttpTransport {
 public:
  core::Result<HttpReply> send(const std::string& method, const std::string& url,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body) override {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return core::internal_error("cannot start libcurl");
    curl_slist* list = nullptr;
    for (const auto& [name, value] : headers) {
      list = curl_slist_append(list, (name + ": " + value).c_str());
    }
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> owned(list, &curl_slist_free_all);
    HttpReply reply;
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    if (!body.empty() || method == "POST") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply.error_type);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    // An https endpoint under a private CA, as the AWS CLI and SDKs take it.
    if (const char* ca = std::getenv("AWS_CA_BUNDLE"); ca && *ca) {
      curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    }
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, kRequestTimeoutSeconds);
    if (CURLcode rc = curl_easy_perform(c); rc != CURLE_OK) {
      return core::internal_error(url + ": " + curl_easy_strerror(rc));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
  }
};

// "http://host:port/x" -> "host:port".
std::string authority_of(const std::string& endpoint) {
  const auto start = endpoint.find("://") + 3;
  return endpoint.substr(start, endpoint.find('/', start) - start);
}

}  // namespace

std::unique_ptr<HttpTransport> curl_transport() { return std::make_unique<CurlTransport>(); }

core::Result<HttpReply> AdminClient::call(const std::string& method, const std::string& target,
                                          const std::string& body) {
  auth::SignInput in;
  in.method = method;
  in.target = target;
  in.body = body;
  in.region = options_.region;
  in.service = "ses";
  in.access_key_id = options_.access_key_id;
  in.secret_access_key = options_.secret_access_key;
  in.when = clock_.now();
  in.host = authority_of(options_.endpoint);
  if (!body.empty()) in.headers.push_back({"Content-Type", "application/json"});
  if (!options_.session_token.empty()) {
    in.headers.push_back({"X-Amz-Security-Token", options_.session_token});
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (auto& h : auth::sign(in)) headers.emplace_back(std::move(h.name), std::move(h.value));
  return transport_.send(method, options_.endpoint + target, headers, body);
}

std::string reply_error(const HttpReply& r) {
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  std::string code = r.error_type.substr(0, r.error_type.find(':')), message;
  if (doc.is_object()) {
    for (const char* k : {"code", "__type"}) {
      auto it = doc.find(k);
      if (code.empty() && it != doc.end() && it->is_string()) code = it->get<std::string>();
    }
    for (const char* k : {"message", "Message"}) {
      if (auto it = doc.find(k); it != doc.end() && it->is_string()) {
        message = it->get<std::string>();
      }
    }
  }
  std::string out = "HTTP " + std::to_string(r.status);
  if (!code.empty()) out += " " + code.substr(code.rfind('#') + 1);
  if (!message.empty()) out += ": " + message;
  return out;
}

core::Result<nlohmann::json> call_json(AdminClient& client, const std::string& method,
                                       const std::string& target, const std::string& body,
                                       long want) {
  auto reply = client.call(method, target, body);
  if (!reply.ok()) {
    return core::Error{
        core::ErrorCode::kUnavailable, "cannot reach the server: " + reply.error().message, {}, {}};
  }
  if (reply->status != want) {
    const bool again = reply->status == 429 || reply->status >= 500;
    return core::Error{again ? core::ErrorCode::kUnavailable : core::ErrorCode::kInternal,
                       reply_error(*reply),
                       {},
                       {}};
  }
  auto doc = nlohmann::json::parse(reply->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::internal_error("the server's answer is not JSON");
  }
  return doc;
}

}  // namespace vouch::cli
