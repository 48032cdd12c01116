// Signed one-time links for email verification: base64url(claim_id|nonce|
// expiry).base64url(HMAC-SHA256 truncated to 128 bits). Forgery is caught by
// the MAC; single use and revocation by the nonce kept on the claim.
#pragma once

#include <optional>
#include <string>

#include "core/mail.h"

namespace vouch::service {

class LinkTokens {
 public:
  explicit LinkTokens(std::string key) : key_(std::move(key)) {}
  std::string encode(const core::LinkToken& t) const;
  // nullopt for anything not made by encode() with this key.
  std::optional<core::LinkToken> decode(const std::string& token) const;

 private:
  const std::string key_;
};

}  // namespace vouch::service
