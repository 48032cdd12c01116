#include "auth/signing_key.h"

#include <openssl/crypto.h>

#include <mutex>
#include <unordered_map>

namespace vouch::auth {

void hex_encode(const Digest& d, char out[64]) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 0xf];
  }
}

std::string hex(const Digest& d) {
  std::string s(64, '\0');
  hex_encode(d, s.data());
  return s;
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

namespace {

constexpr size_t kMaxCachedKeys = 1024;

Digest derive(std::string_view secret, std::string_view date, std::string_view region,
              std::string_view service) {
  std::string k0;
  k0.reserve(4 + secret.size());
  k0.append("AWS4").append(secret);
  Digest k = hmac_sha256(k0.data(), k0.size(), date);
  OPENSSL_cleanse(k0.data(), k0.size());
  k = hmac_sha256(k.data(), k.size(), region);
  k = hmac_sha256(k.data(), k.size(), service);
  return hmac_sha256(k.data(), k.size(), "aws4_request");
}

struct KeyCache {
  std::mutex mu;
  std::unordered_map<std::string, crypto::HmacSha256Key> map;
};

KeyCache& cache() {
  static KeyCache* c = new KeyCache();  // never destroyed: safe during static teardown
  return *c;
}

}  // namespace

Digest signing_key(std::string_view secret, std::string_view date, std::string_view region,
                   std::string_view service) {
  return derive(secret, date, region, service);
}

Digest scope_signature(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service, std::string_view string_to_sign) {
  thread_local std::string id;  // reused: no allocation once it has grown
  id.clear();
  id.append(secret).push_back('\0');
  id.append(date).push_back('\0');
  id.append(region).push_back('\0');
  id.append(service);
  KeyCache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.map.find(id);
    if (it != c.map.end()) {
      const crypto::HmacSha256Key key = it->second;  // a copy: signed outside the lock
      return key.sign(string_to_sign);
    }
  }
  Digest k = derive(secret, date, region, service);
  const crypto::HmacSha256Key key(k.data(), k.size());
  OPENSSL_cleanse(k.data(), k.size());
  std::lock_guard<std::mutex> lock(c.mu);
  // Crude but bounded: keys are per day, so a full reset is cheap to refill.
  if (c.map.size() >= kMaxCachedKeys) c.map.clear();
  c.map.emplace(id, key);
  return key.sign(string_to_sign);
}

}  // namespace vouch::auth
