#include "crypto/webhook_signature.h"

#include <charconv>
#include <vector>

#include "core/encoding.h"
#include "crypto/crypto.h"

namespace vouch::crypto {

namespace {

std::string mac_hex(std::string_view secret, std::string_view t, std::string_view body) {
  std::string signed_text;
  signed_text.reserve(t.size() + 1 + body.size());
  signed_text.append(t).append(".").append(body);
  const Digest d = hmac_sha256(secret, signed_text);
  return core::hex_encode(d);
}

}  // namespace

std::string webhook_signature(std::string_view secret, int64_t unix_seconds,
                              std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + mac_hex(secret, t, body);
}

bool verify_webhook_signature(std::string_view secret, std::string_view header,
                              std::string_view body, int64_t now_unix, int64_t tolerance_seconds) {
  std::string_view t;
  std::vector<std::string_view> v1;
  constexpr size_t kMaxParts = 16;  // a header is a few entries; more is not ours
  size_t parts = 0;
  while (!header.empty() && parts++ < kMaxParts) {
    const size_t comma = header.find(',');
    std::string_view part = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (part.substr(0, 2) == "t=") t = part.substr(2);
    if (part.substr(0, 3) == "v1=") v1.push_back(part.substr(3));
  }
  int64_t when = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), when);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) return false;
  if (when > now_unix + tolerance_seconds || when < now_unix - tolerance_seconds) return false;
  const std::string expected = mac_hex(secret, t, body);
  bool any = false;
  for (auto sig : v1) any |= equal(sig, expected);
  return any;
}

}  // namespace vouch::crypto
