// Bring-your-own-DKIM settings of a domain identity. They ride in the
// identity's tags under "aws:" keys (never shown as tags): the origin and
// the public key its TXT record must hold. The selector is the identity's
// one DKIM token. The private key is never kept.
#pragma once

#include <string>
#include <string_view>

#include "core/claim.h"
#include "core/error.h"
#include "service/identity_service.h"

namespace vouch::service {

inline constexpr std::string_view kDkimOriginTag = "aws:vouch:dkim-origin";  // "EXTERNAL"
inline constexpr std::string_view kDkimPublicKeyTag = "aws:vouch:dkim-public-key";

// Whether a domain's tags say BYODKIM.
bool is_byodkim(const core::Tags& domain_tags);
// The kind of a domain's DKIM record claims: kSesDkimTxt for BYODKIM.
core::ClaimKind dkim_record_kind(const core::Tags& domain_tags);
// Whether `record` is one of the domain's current DKIM records (a BYODKIM
// TXT claim for another key is not).
bool current_dkim_record(const core::Tags& domain_tags, const core::Claim& record);

// A checked BYODKIM request: the selector and the key's public half.
struct ByoDkimKey {
  std::string selector;
  std::string public_key;  // SubjectPublicKeyInfo DER, base64
  int bits = 0;
};

// Validates the selector (a DNS label, as the model's pattern says) and the
// private key (RSA, 1024 or 2048 bits) for `domain`: kInvalidArgument with
// the reason, never quoting the key.
core::Result<ByoDkimKey> read_byodkim(const ByoDkim& in, const std::string& domain);

// Makes `domain` a BYODKIM domain with `key` (its one token the selector).
void set_byodkim(core::Claim& domain, const ByoDkimKey& key);
// Clears the BYODKIM settings (tokens are the caller's to set).
void clear_byodkim(core::Claim& domain);

}  // namespace vouch::service
