#include "mail/link_token.h"

#include <charconv>

#include "core/encoding.h"
#include "crypto/crypto.h"

namespace vouch::mail {

namespace {
constexpr size_t kMacBytes = 16;

std::string b64(std::string_view s) {
  return core::base64url_encode(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}
}  // namespace

LinkTokens::LinkTokens(const std::string& secret)
    : key_(crypto::derive_key(secret, kKeyLabel)), legacy_key_(secret) {}

std::string LinkTokens::encode(const core::LinkToken& t) const {
  std::string payload = t.claim_id + "|" + t.nonce + "|" + std::to_string(t.expires_unix);
  if (!t.template_name.empty()) payload += "|" + t.template_name;
  auto mac = crypto::hmac_sha256(key_, "link\n" + payload);
  return b64(payload) + "." +
         b64(std::string_view(reinterpret_cast<const char*>(mac.data()), kMacBytes));
}

std::optional<core::LinkToken> LinkTokens::decode(const std::string& token) const {
  if (token.size() > 512) return std::nullopt;
  size_t dot = token.find('.');
  if (dot == std::string::npos) return std::nullopt;
  auto payload = core::base64url_decode(token.substr(0, dot));
  auto mac = core::base64url_decode(token.substr(dot + 1));
  if (!payload || !mac) return std::nullopt;
  auto macd_with = [&](const std::string& key) {
    auto expected = crypto::hmac_sha256(key, "link\n" + *payload);
    return crypto::equal(
        *mac, std::string_view(reinterpret_cast<const char*>(expected.data()), kMacBytes));
  };
  if (!macd_with(key_) && !macd_with(legacy_key_)) return std::nullopt;
  // claim|nonce|expiry, then |template for a custom verification email.
  size_t a = payload->find('|');
  size_t b = a == std::string::npos ? a : payload->find('|', a + 1);
  if (b == std::string::npos) return std::nullopt;
  size_t c = payload->find('|', b + 1);
  core::LinkToken t{payload->substr(0, a), payload->substr(a + 1, b - a - 1), 0, {}};
  if (c != std::string::npos) {
    t.template_name = payload->substr(c + 1);
    if (t.template_name.empty() || t.template_name.find('|') != std::string::npos)
      return std::nullopt;
  }
  const std::string exp = payload->substr(b + 1, c == std::string::npos ? c : c - b - 1);
  auto [end, ec] = std::from_chars(exp.data(), exp.data() + exp.size(), t.expires_unix);
  if (ec != std::errc() || end != exp.data() + exp.size()) return std::nullopt;
  return t;
}

}  // namespace vouch::mail
