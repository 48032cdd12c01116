// OpenSSL behind plain functions: the CSPRNG and HMAC the service needs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/random.h"

namespace vouch::crypto {

// Bytes from OpenSSL's CSPRNG. Aborts if the CSPRNG fails: handing out a
// predictable token would be worse than stopping.
class OsRandom final : public core::Random {
 public:
  void fill(std::span<uint8_t> out) override;
};

using Digest = std::array<uint8_t, 32>;
Digest hmac_sha256(std::string_view key, std::string_view data);
Digest hmac_sha256(const void* key, size_t key_len, std::string_view data);
Digest sha256(std::string_view data);
// A 32-byte key for one purpose, named by `label`, from a uniformly random
// secret: HKDF-Expand (RFC 5869) with the secret as PRK and `label` as info.
std::string derive_key(std::string_view secret, std::string_view label);
// Constant-time equality.
bool equal(std::string_view a, std::string_view b);

}  // namespace vouch::crypto
