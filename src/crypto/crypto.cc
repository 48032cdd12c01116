// SHA-256 and HMAC-SHA256 go through OpenSSL's low-level SHA256_* functions,
// deprecated in OpenSSL 3 but shipped: the same assembly as EVP (SHA-NI where
// the CPU has it) without the provider dispatch, which costs more than
// hashing a request, and with a plain struct as context, copied for free.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace vouch::crypto {

void OsRandom::fill(std::span<uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}

static_assert(sizeof(SHA256_CTX) <= sizeof(HmacSha256Key::State));
static_assert(alignof(SHA256_CTX) <= alignof(HmacSha256Key::State));

namespace {

// Not the one-shot SHA256(): in OpenSSL 3 it fetches the algorithm per call.
void sha256_into(const void* data, size_t len, unsigned char* out) {
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, data, len);
  SHA256_Final(out, &c);
}

SHA256_CTX& ctx(HmacSha256Key::State& s) { return *reinterpret_cast<SHA256_CTX*>(s.bytes); }
const SHA256_CTX& ctx(const HmacSha256Key::State& s) {
  return *reinterpret_cast<const SHA256_CTX*>(s.bytes);
}

}  // namespace

HmacSha256Key::HmacSha256Key(const void* key, size_t key_len) {
  // RFC 2104: a key longer than the block is hashed first; then both padded
  // blocks are hashed once here, not once per message.
  unsigned char block[SHA256_CBLOCK] = {};
  if (key_len > sizeof block) {
    sha256_into(key, key_len, block);
  } else if (key_len > 0) {
    std::memcpy(block, key, key_len);
  }
  unsigned char pad[SHA256_CBLOCK];
  for (size_t i = 0; i < sizeof pad; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&ctx(inner_));
  SHA256_Update(&ctx(inner_), pad, sizeof pad);
  for (size_t i = 0; i < sizeof pad; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&ctx(outer_));
  SHA256_Update(&ctx(outer_), pad, sizeof pad);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}

HmacSha256Key::~HmacSha256Key() {
  OPENSSL_cleanse(inner_.bytes, sizeof inner_.bytes);
  OPENSSL_cleanse(outer_.bytes, sizeof outer_.bytes);
}

Digest HmacSha256Key::sign(std::string_view data) const {
  Digest d{};
  SHA256_CTX c = ctx(inner_);
  SHA256_Update(&c, data.data(), data.size());
  SHA256_Final(d.data(), &c);
  c = ctx(outer_);
  SHA256_Update(&c, d.data(), d.size());
  SHA256_Final(d.data(), &c);
  OPENSSL_cleanse(&c, sizeof c);
  return d;
}

Digest hmac_sha256(const void* key, size_t key_len, std::string_view data) {
  return HmacSha256Key(key, key_len).sign(data);
}

Digest hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256(key.data(), key.size(), data);
}

std::string derive_key(std::string_view secret, std::string_view label) {
  // One block of HKDF-Expand: T(1) = HMAC(PRK, info || 0x01).
  auto d = hmac_sha256(secret, std::string(label) + '\x01');
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

Digest sha256(std::string_view data) {
  Digest d{};
  sha256_into(data.data(), data.size(), d.data());
  return d;
}

bool equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace vouch::crypto
