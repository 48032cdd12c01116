// Reading BYODKIM private keys: PKCS#1 and PKCS#8 RSA keys of 1024 and 2048
// bits give their SubjectPublicKeyInfo; anything else is refused by name.
#include "crypto/dkim_key.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "core/encoding.h"

namespace vouch::crypto {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Key rsa(unsigned bits) { return Key(EVP_RSA_gen(bits), EVP_PKEY_free); }

std::string b64(unsigned char* der, int len) {
  std::string out = core::base64_encode({der, static_cast<size_t>(len)});
  OPENSSL_free(der);
  return out;
}

// The traditional form (PKCS#1 RSAPrivateKey for RSA).
std::string traditional(const Key& k) {
  unsigned char* der = nullptr;
  const int len = i2d_PrivateKey(k.get(), &der);
  return b64(der, len);
}

std::string pkcs8(const Key& k) {
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(k.get());
  unsigned char* der = nullptr;
  const int len = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
  PKCS8_PRIV_KEY_INFO_free(info);
  return b64(der, len);
}

std::string spki(const Key& k) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(k.get(), &der);
  return b64(der, len);
}

TEST(DkimKeyRead, RsaKeysOf1024And2048BitsInEitherForm) {
  for (unsigned bits : {1024u, 2048u}) {
    Key k = rsa(bits);
    for (const std::string& priv : {traditional(k), pkcs8(k)}) {
      auto pub = dkim_public_key(priv);
      ASSERT_TRUE(pub.ok()) << pub.error().message;
      EXPECT_EQ(pub->bits, static_cast<int>(bits));
      EXPECT_EQ(pub->spki_base64, spki(k));
    }
  }
}

TEST(DkimKeyRead, PaddingMayBeLeftOut) {
  Key k = rsa(1024);
  std::string priv = traditional(k);
  while (priv.back() == '=') priv.pop_back();
  auto pub = dkim_public_key(priv);
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_EQ(pub->spki_base64, spki(k));
}

void expect_refused(const std::string& priv, const std::string& why) {
  auto pub = dkim_public_key(priv);
  ASSERT_FALSE(pub.ok()) << why;
  EXPECT_EQ(pub.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(pub.error().field, "DomainSigningPrivateKey");
  EXPECT_NE(pub.error().message.find(why), std::string::npos) << pub.error().message;
  // The key itself is never quoted back.
  if (priv.size() > 20) {
    EXPECT_EQ(pub.error().message.find(priv.substr(0, 20)), std::string::npos);
  }
}

TEST(DkimKeyRead, OtherSizesAreRefused) {
  ASSERT_TRUE(dkim_public_key(traditional(rsa(1024))).ok());  // the control
  expect_refused(traditional(rsa(512)), "the key has 512 bits; it must have 1024 or 2048.");
  expect_refused(pkcs8(rsa(3072)), "the key has 3072 bits");
}

TEST(DkimKeyRead, OtherKeyTypesAreRefused) {
  Key ec(EVP_EC_gen("P-256"), EVP_PKEY_free);
  expect_refused(pkcs8(ec), "it is not an RSA key.");
  Key ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  expect_refused(pkcs8(ed), "it is not an RSA key.");
}

TEST(DkimKeyRead, GarbageIsRefused) {
  expect_refused("", "it is not base64.");
  expect_refused("not base64!", "it is not base64.");
  expect_refused("-----BEGIN", "it is not base64.");
  expect_refused("aGVsbG8=", "it is not a DER-encoded private key");       // "hello"
  expect_refused(spki(rsa(1024)), "it is not a DER-encoded private key");  // a public key
  // A key with bytes after it.
  Key k = rsa(1024);
  unsigned char* der = nullptr;
  const int len = i2d_PrivateKey(k.get(), &der);
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  bytes += std::string(3, '\0');
  expect_refused(
      core::base64_encode({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}),
      "it is not a DER-encoded private key");
}

}  // namespace
}  // namespace vouch::crypto
