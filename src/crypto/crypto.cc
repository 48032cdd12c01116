#include "crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace vouch::crypto {

void OsRandom::fill(std::span<uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}

namespace {

// OpenSSL 3 fetches the algorithm on every one-shot HMAC()/SHA256() call,
// which costs more than hashing a request. Fetch once, keep a context per
// thread and re-initialise it for each use.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

const EVP_MD* sha256_algorithm() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct ThreadContexts {
  EVP_MAC_CTX* mac = EVP_MAC_CTX_new(hmac_algorithm());
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool mac_ready = false;  // digest parameter set once
  ~ThreadContexts() {
    EVP_MAC_CTX_free(mac);
    EVP_MD_CTX_free(md);
  }
};

ThreadContexts& contexts() {
  thread_local ThreadContexts c;
  return c;
}

}  // namespace

Digest hmac_sha256(const void* key, size_t key_len, std::string_view data) {
  Digest d{};
  ThreadContexts& c = contexts();
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
                         OSSL_PARAM_construct_end()};
  size_t len = 0;
  if (EVP_MAC_init(c.mac, static_cast<const unsigned char*>(key), key_len,
                   c.mac_ready ? nullptr : params) != 1 ||
      EVP_MAC_update(c.mac, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(c.mac, d.data(), &len, d.size()) != 1) {
    std::abort();  // only on memory exhaustion or a broken OpenSSL
  }
  c.mac_ready = true;
  return d;
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
  ThreadContexts& c = contexts();
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(c.md, sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(c.md, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(c.md, d.data(), &len) != 1) {
    std::abort();
  }
  return d;
}

bool equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace vouch::crypto
