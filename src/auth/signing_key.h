// SigV4 digests: hex SHA-256, HMAC and the derived-signing-key cache, over crypto/.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace vouch::auth {

using Digest = std::array<unsigned char, 32>;  // same as crypto::Digest

Digest sha256(std::string_view data);
Digest hmac_sha256(const void* key, size_t key_len, std::string_view data);
// Lowercase hex of 32 bytes, written to a 64-char buffer.
void hex_encode(const Digest& d, char out[64]);
std::string hex(const Digest& d);
std::string sha256_hex(std::string_view data);

// kSigning for (secret, date, region, service); memoized because every
// request from the same client in a day derives the same key.
Digest signing_key(std::string_view secret, std::string_view date, std::string_view region,
                   std::string_view service);

}  // namespace vouch::auth
