// Opaque, tamper-evident pagination tokens. A token names the last seq seen
// and is bound by HMAC to the account, region and listing it came from, so a
// forged or foreign token is rejected rather than read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/claim.h"

namespace vouch::service {

class PageTokens {
 public:
  // Names the key derived from the server's secret for this purpose alone.
  static constexpr std::string_view kKeyLabel = "vouch page-token v1";
  // `secret`: the server's secret key; tokens are MACed with a key derived
  // from it for page tokens alone.
  explicit PageTokens(const std::string& secret);

  // `listing` names what is being paged (e.g. "ses:Domain") so a token from
  // one listing cannot be replayed against another.
  std::string encode(const core::Scope& scope, const std::string& listing, int64_t after_seq) const;
  std::optional<int64_t> decode(const core::Scope& scope, const std::string& listing,
                                const std::string& token) const;

 private:
  std::string mac(const core::Scope& scope, const std::string& listing, int64_t seq) const;
  const std::string key_;
};

}  // namespace vouch::service
