// Signed one-time links for email verification: base64url(claim_id|nonce|
// expiry).base64url(HMAC-SHA256 truncated to 128 bits). Forgery is caught by
// the MAC; single use and revocation by the nonce kept on the claim. The MAC
// key is derived from the server's secret for links alone (kKeyLabel).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/mail.h"

namespace vouch::mail {

class LinkTokens {
 public:
  // Names the key derived from the server's secret for this purpose alone.
  static constexpr std::string_view kKeyLabel = "vouch link-token v1";
  // `secret`: the server's secret key.
  explicit LinkTokens(const std::string& secret);
  std::string encode(const core::LinkToken& t) const;
  // nullopt for anything not made by encode() with this key.
  std::optional<core::LinkToken> decode(const std::string& token) const;

 private:
  const std::string key_;
  // The secret itself, which MACed links before keys were derived: accepted
  // so that links mailed before the upgrade work for the rest of their 24 h.
  // Nothing MACs with it any more.
  const std::string legacy_key_;
};

}  // namespace vouch::mail
