// Helpers shared by the auth tests: raw HTTP request files and fixed times.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/sigv4.h"
#include "core/clock.h"

namespace vouch::auth::testing {

struct OwnedRequest {
  std::string method, target, body;
  std::vector<Header> headers;
  RequestView view() const { return RequestView{method, target, &headers, body}; }
};

std::string read_file(const std::string& path);
// "METHOD TARGET HTTP/1.1\nName:value\n...\n\nbody" (the test-suite .req/.sreq form).
OwnedRequest parse_http(std::string_view text);
// "20150830T123600Z" → TimePoint; aborts the test binary on bad input.
vouch::core::TimePoint at(std::string_view amz_date);
// Value of the first header with this name (any case), or "".
std::string header_value(const OwnedRequest& r, std::string_view name);

// Fixtures for the unit tests: one known key, a fixed "now", a signer input.
using Req = OwnedRequest;
inline const vouch::core::TimePoint kNow{std::chrono::seconds(1767227400)};  // 20260101T003000Z
std::optional<Credentials> test_lookup(std::string_view akid);               // AKIDTEST only
SignInput input(vouch::core::TimePoint when = kNow);
Req signed_req(const SignInput& in);
std::variant<Principal, AuthError> check(const Req& r, VerifyOptions opts = {});
// The error, or a test failure if the request verified.
AuthError error_of(const std::variant<Principal, AuthError>& v);
void set_header(Req& r, std::string_view name, std::string value);
void drop_header(Req& r, std::string_view name);

}  // namespace vouch::auth::testing
