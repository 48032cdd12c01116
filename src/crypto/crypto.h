// OpenSSL behind plain functions: the CSPRNG and HMAC the service needs.
#pragma once

#include <array>
#include <cstddef>
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

// An HMAC-SHA256 key made ready once (its padded blocks hashed), for a key
// that signs many messages: each then costs the message's hashing alone.
class HmacSha256Key {
 public:
  HmacSha256Key(const void* key, size_t key_len);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = default;
  HmacSha256Key& operator=(const HmacSha256Key&) = default;
  Digest sign(std::string_view data) const;

  struct State {  // an OpenSSL SHA256_CTX, kept opaque here
    alignas(8) unsigned char bytes[112];
  };

 private:
  State inner_, outer_;
};
// A 32-byte key for one purpose, named by `label`, from a uniformly random
// secret: HKDF-Expand (RFC 5869) with the secret as PRK and `label` as info.
std::string derive_key(std::string_view secret, std::string_view label);
// Constant-time equality.
bool equal(std::string_view a, std::string_view b);

}  // namespace vouch::crypto
