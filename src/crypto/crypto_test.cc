// derive_key against RFC 5869's first test vector.
#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace vouch::crypto {
namespace {

std::string bytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// RFC 5869 A.1: the first 32 bytes of OKM are one HKDF-Expand block of PRK and info.
TEST(DeriveKey, IsHkdfExpand) {
  const std::string prk = bytes("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  const std::string info = bytes("f0f1f2f3f4f5f6f7f8f9");
  EXPECT_EQ(derive_key(prk, info),
            bytes("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"));
}

TEST(DeriveKey, LabelsAndSecretsGiveDifferentKeys) {
  const std::string a = derive_key("secret", "one"), b = derive_key("secret", "two");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_NE(a, derive_key("secreT", "one"));
  EXPECT_EQ(a, derive_key("secret", "one"));
}

}  // namespace
}  // namespace vouch::crypto
