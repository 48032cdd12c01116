#include "crypto/dkim_key.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <vector>

#include "core/encoding.h"

namespace vouch::crypto {

namespace {

constexpr std::string_view kField = "DomainSigningPrivateKey";

core::Error bad(const std::string& why) {
  return core::invalid_argument("Invalid DomainSigningPrivateKey: " + why, std::string(kField));
}

// Standard base64 with its padding, as the model's pattern allows.
std::optional<std::string> decode(std::string_view text) {
  size_t pad = 0;
  while (!text.empty() && text.back() == '=' && pad < 2) {
    text.remove_suffix(1);
    ++pad;
  }
  if (pad > 0 && (text.size() + pad) % 4 != 0) return std::nullopt;
  std::string url(text);
  for (char& c : url) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
    else if (c == '-' || c == '_') return std::nullopt;  // not in the standard alphabet
  }
  return core::base64url_decode(url);
}

}  // namespace

core::Result<DkimPublicKey> dkim_public_key(std::string_view private_key_base64) {
  auto der = decode(private_key_base64);
  if (!der || der->empty()) return bad("it is not base64.");
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  // PKCS#8 or the traditional PKCS#1 form, whichever the bytes are.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der->size())), EVP_PKEY_free);
  OPENSSL_cleanse(der->data(), der->size());
  if (!key || p != reinterpret_cast<const unsigned char*>(der->data()) + der->size())
    return bad("it is not a DER-encoded private key (PKCS#1 or PKCS#8).");
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return bad("it is not an RSA key.");
  const int bits = EVP_PKEY_get_bits(key.get());
  if (bits != 1024 && bits != 2048)
    return bad("the key has " + std::to_string(bits) + " bits; it must have 1024 or 2048.");
  unsigned char* spki = nullptr;
  const int len = i2d_PUBKEY(key.get(), &spki);
  if (len <= 0) return core::internal_error("cannot encode a DKIM public key");
  DkimPublicKey out;
  out.bits = bits;
  out.spki_base64 = core::base64_encode({spki, static_cast<size_t>(len)});
  OPENSSL_free(spki);
  return out;
}

}  // namespace vouch::crypto
