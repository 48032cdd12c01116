// SigV4 digests: hex SHA-256 and the derived-signing-key cache, over crypto/.
#pragma once

#include <string>
#include <string_view>

#include "crypto/crypto.h"

namespace vouch::auth {

using crypto::Digest;
using crypto::hmac_sha256;
using crypto::sha256;

// Lowercase hex of 32 bytes, written to a 64-char buffer.
void hex_encode(const Digest& d, char out[64]);
std::string hex(const Digest& d);
std::string sha256_hex(std::string_view data);

// kSigning for (secret, date, region, service).
Digest signing_key(std::string_view secret, std::string_view date, std::string_view region,
                   std::string_view service);

// The signature of `string_to_sign`: HMAC-SHA256 under that kSigning, kept
// ready (derived, its HMAC blocks hashed) because every request from the
// same client in a day uses the same one.
Digest scope_signature(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service, std::string_view string_to_sign);

}  // namespace vouch::auth
