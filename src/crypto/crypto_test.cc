// The crypto primitives against published vectors: HMAC-SHA256 (RFC 4231),
// SHA-256 (FIPS 180-2), derive_key (RFC 5869); the per-thread contexts
// reused across keys and threads; constant-time equality; the CSPRNG.
#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

namespace vouch::crypto {
namespace {

std::string hex(const Digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

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

// RFC 4231 test cases 1 (short key), 2 (key shorter than the output) and 6
// (a key longer than the block, hashed first).
TEST(HmacSha256, Rfc4231Vectors) {
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac_sha256(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, BothOverloadsAgreeAndKeysDoNotLeakBetweenCalls) {
  const std::string k1 = "key-one", k2(100, 'k');
  const Digest a = hmac_sha256(k1, "data");
  EXPECT_EQ(hmac_sha256(k1.data(), k1.size(), "data"), a);
  // The thread's context is re-initialised per call: another key between
  // two calls with the same key changes nothing.
  const Digest b = hmac_sha256(k2, "data");
  EXPECT_NE(a, b);
  EXPECT_EQ(hmac_sha256(k1, "data"), a);
  EXPECT_NE(hmac_sha256(k1, "datA"), a);
  EXPECT_EQ(hex(hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// A ready key signs message after message as a fresh HMAC would: its padded
// blocks are copied per message, never consumed. Keys exactly one block
// long and one byte past it (hashed first) included.
TEST(HmacSha256Key, SignsEachMessageAsAFreshHmac) {
  for (const std::string& key : {std::string("Jefe"), std::string(64, 'k'), std::string(65, 'k')}) {
    const HmacSha256Key ready(key.data(), key.size());
    for (const std::string_view msg : {"what do ya want for nothing?", "", "again", "again"}) {
      EXPECT_EQ(ready.sign(msg), hmac_sha256(key, msg)) << key.size() << " " << msg;
    }
    const HmacSha256Key copy = ready;
    EXPECT_EQ(copy.sign("again"), ready.sign("again"));
  }
  EXPECT_EQ(hex(HmacSha256Key("Jefe", 4).sign("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(HmacSha256Key(std::string(64, 'k').data(), 64).sign("m"),
            HmacSha256Key(std::string(65, 'k').data(), 65).sign("m"));
}

TEST(HmacSha256, EachThreadGetsTheSameAnswer) {
  const Digest want = hmac_sha256("Jefe", "what do ya want for nothing?");
  std::vector<Digest> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&got, i] {
      for (int n = 0; n < 100; ++n) got[i] = hmac_sha256("Jefe", "what do ya want for nothing?");
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, want);
}

TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Interleaved with HMAC on the same thread: separate contexts.
  (void)hmac_sha256("k", "d");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Equal, ComparesContentAndLength) {
  EXPECT_TRUE(equal("", ""));
  EXPECT_TRUE(equal("secret", "secret"));
  EXPECT_FALSE(equal("secret", "secreT"));
  EXPECT_FALSE(equal("secret", "secret "));
  EXPECT_FALSE(equal("secret", ""));
  EXPECT_FALSE(equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_TRUE(equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}

TEST(OsRandom, FillsWithFreshBytes) {
  OsRandom r;
  std::array<uint8_t, 32> a{}, b{};
  r.fill(a);
  r.fill(b);
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));  // 2^-256 to fail by chance
  EXPECT_NE(a, b);
  r.fill(std::span<uint8_t>());  // nothing to fill: no call, no abort
}

}  // namespace
}  // namespace vouch::crypto
