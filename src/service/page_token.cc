#include "service/page_token.h"

#include <charconv>

#include "core/encoding.h"
#include "crypto/crypto.h"

namespace vouch::service {

namespace {
constexpr size_t kMacBytes = 16;
}

PageTokens::PageTokens(const std::string& secret) : key_(crypto::derive_key(secret, kKeyLabel)) {}

std::string PageTokens::mac(const core::Scope& scope, const std::string& listing,
                            int64_t seq) const {
  auto d = crypto::hmac_sha256(
      key_, scope.account_id + '\n' + scope.region + '\n' + listing + '\n' + std::to_string(seq));
  return std::string(reinterpret_cast<const char*>(d.data()), kMacBytes);
}

std::string PageTokens::encode(const core::Scope& scope, const std::string& listing,
                               int64_t after_seq) const {
  std::string raw = std::to_string(after_seq) + '.' + mac(scope, listing, after_seq);
  return core::base64url_encode(
      std::span(reinterpret_cast<const uint8_t*>(raw.data()), raw.size()));
}

std::optional<int64_t> PageTokens::decode(const core::Scope& scope, const std::string& listing,
                                          const std::string& token) const {
  auto raw = core::base64url_decode(token);
  if (!raw || raw->size() < kMacBytes + 2) return std::nullopt;
  size_t dot = raw->size() - kMacBytes - 1;
  if ((*raw)[dot] != '.') return std::nullopt;
  int64_t seq = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + dot, seq);
  if (ec != std::errc() || end != raw->data() + dot || seq < 0) return std::nullopt;
  if (!crypto::equal(raw->substr(dot + 1), mac(scope, listing, seq))) return std::nullopt;
  return seq;
}

}  // namespace vouch::service
