// Adapters for the cli tests around the Result/Status API, so that each
// assertion still reads as "this error text" or "this value".
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/admin_client.h"
#include "core/clock.h"
#include "core/error.h"

namespace vouch::cli::test {

// The error's text, "" when it succeeded.
inline std::string error_text(const core::Status& s) { return s.ok() ? "" : s.error().message; }
template <class T>
std::string error_text(const core::Result<T>& r) {
  return r.ok() ? "" : r.error().message;
}

// The value into *out when it succeeded; the error's text ("" when fine).
template <class T>
std::string parse_into(core::Result<T> r, T* out) {
  if (!r.ok()) return r.error().message;
  *out = std::move(*r);
  return "";
}

// The value, or nullopt with the error's text in *error.
template <class T>
std::optional<T> value(core::Result<T> r, std::string* error) {
  if (r.ok()) return std::move(*r);
  *error = r.error().message;
  return std::nullopt;
}
// An optional value: nullopt both for none and for an error (then *error is set).
template <class T>
std::optional<T> value(core::Result<std::optional<T>> r, std::string* error) {
  if (r.ok()) return std::move(*r);
  *error = r.error().message;
  return std::nullopt;
}

// Whether it succeeded; if not, the error's text in *error.
inline bool done(const core::Status& s, std::string* error) {
  if (!s.ok()) *error = s.error().message;
  return s.ok();
}

struct Sent {
  std::string method, url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Answers each request with the next canned reply; a reply of status 0, or
// none left, is a connection error.
class FakeTransport : public HttpTransport {
 public:
  core::Result<HttpReply> send(const std::string& method, const std::string& url,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body) override {
    sent.push_back({method, url, headers, body});
    if (replies.empty()) return core::internal_error("connection refused");
    auto r = replies.front();
    replies.pop_front();
    if (r.status == 0) return core::internal_error("connection refused");
    return r;
  }
  void add(long status, const nlohmann::json& body) {
    replies.push_back({status, body.dump(), ""});
  }
  std::deque<HttpReply> replies;
  std::vector<Sent> sent;
};

// What a client command's test runs with: signing options, the fake server,
// a manual clock, and what the command slept and printed.
struct ClientFixture {
  ClientOptions options_{"http://127.0.0.1:4566", "us-east-1", "AKIDEXAMPLE",
                         "wJalrXUtnFEMI/K7MDENG", "",          OutputFormat::kTable};
  FakeTransport transport_;
  core::ManualClock clock_{core::TimePoint(std::chrono::seconds(1700000000))};
  std::vector<std::chrono::milliseconds> slept_;
  std::string out_, err_;
};

}  // namespace vouch::cli::test
