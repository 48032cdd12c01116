#include "core/encoding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vouch::core {
namespace {

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

std::string b64(std::string_view s) { return base64_encode(bytes_of(s)); }
std::string b64url(std::string_view s) { return base64url_encode(bytes_of(s)); }

// RFC 4648 §10.
TEST(Base64Test, Rfc4648Vectors) {
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foob"), "Zm9vYg==");
  EXPECT_EQ(b64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, UsesStandardAlphabet) {
  // 0xfb 0xff 0xbf -> "+/+/" style characters.
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0xfb, 0xef, 0xbe}), "++++");
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0xff, 0xff, 0xff}), "////");
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0x00, 0x00, 0x00}), "AAAA");
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0xff}), "/w==");
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0xff, 0xfe}), "//4=");
}

TEST(Base64Test, LengthIsPaddedToFour) {
  for (size_t n = 0; n <= 64; ++n) {
    std::vector<uint8_t> in(n, 0x5a);
    std::string out = base64_encode(in);
    EXPECT_EQ(out.size(), (n + 2) / 3 * 4) << n;
  }
  EXPECT_EQ(base64_encode(std::vector<uint8_t>(32, 0)).size(), 44u);
}

TEST(Base64UrlTest, Rfc4648VectorsUnpadded) {
  EXPECT_EQ(b64url(""), "");
  EXPECT_EQ(b64url("f"), "Zg");
  EXPECT_EQ(b64url("fo"), "Zm8");
  EXPECT_EQ(b64url("foo"), "Zm9v");
  EXPECT_EQ(b64url("foob"), "Zm9vYg");
  EXPECT_EQ(b64url("fooba"), "Zm9vYmE");
  EXPECT_EQ(b64url("foobar"), "Zm9vYmFy");
}

TEST(Base64UrlTest, UsesUrlSafeAlphabet) {
  EXPECT_EQ(base64url_encode(std::vector<uint8_t>{0xfb, 0xef, 0xbe}), "----");
  EXPECT_EQ(base64url_encode(std::vector<uint8_t>{0xff, 0xff, 0xff}), "____");
  EXPECT_EQ(base64url_encode(std::vector<uint8_t>{0xff}), "_w");
  EXPECT_EQ(base64url_encode(std::vector<uint8_t>{0xff, 0xfe}), "__4");
}

TEST(Base64UrlTest, DecodesVectors) {
  EXPECT_EQ(base64url_decode(""), std::string(""));
  EXPECT_EQ(base64url_decode("Zg"), std::string("f"));
  EXPECT_EQ(base64url_decode("Zm8"), std::string("fo"));
  EXPECT_EQ(base64url_decode("Zm9v"), std::string("foo"));
  EXPECT_EQ(base64url_decode("Zm9vYg"), std::string("foob"));
  EXPECT_EQ(base64url_decode("Zm9vYmE"), std::string("fooba"));
  EXPECT_EQ(base64url_decode("Zm9vYmFy"), std::string("foobar"));
  EXPECT_EQ(base64url_decode("____"), std::string("\xff\xff\xff"));
  EXPECT_EQ(base64url_decode("----"), std::string("\xfb\xef\xbe"));
  EXPECT_EQ(base64url_decode("AAAA"), std::string(3, '\0'));
}

TEST(Base64UrlTest, RoundTripsEveryLengthUpTo64) {
  uint32_t x = 12345;
  for (size_t n = 0; n <= 64; ++n) {
    std::vector<uint8_t> in(n);
    for (auto& b : in) {
      x = x * 1103515245u + 12345u;
      b = static_cast<uint8_t>(x >> 16);
    }
    std::string enc = base64url_encode(in);
    EXPECT_EQ(enc.size(), (n * 8 + 5) / 6) << n;  // unpadded
    EXPECT_EQ(
        enc.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << enc;
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec.has_value()) << n << " " << enc;
    EXPECT_EQ(*dec, std::string(in.begin(), in.end())) << n;
  }
  // Every byte value survives.
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  auto dec = base64url_decode(base64url_encode(all));
  ASSERT_TRUE(dec.has_value());
  EXPECT_EQ(*dec, std::string(all.begin(), all.end()));
}

TEST(Base64UrlTest, DecodeRejectsBadCharacters) {
  for (std::string_view bad : std::vector<std::string_view>{
           "Zm+v", "Zm9/", "Zm9 YmFy", "Zm9\n", "Zg==", "Zm8=", "Zm9!", "Zm\xc3\xa9", "*AAA",
           "Zm9vYmF=", std::string_view("AA\0A", 4)}) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
  }
}

TEST(Base64UrlTest, DecodeRejectsImpossibleLength) {
  for (std::string_view bad : {"A", "AAAAA", "Zm9vY", "AAAAAAAAA"}) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
  }
}

TEST(Base64UrlTest, DecodeRejectsNonCanonicalTrailingBits) {
  // "Zg" is canonical for "f"; "Zh".."Zv" carry non-zero bits past the byte.
  EXPECT_TRUE(base64url_decode("Zg").has_value());
  for (std::string_view bad : {"Zh", "Zi", "Zj", "Zv", "Z_"}) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
  }
  // Two bytes leave two spare bits: "Zm8" is canonical, "Zm9" / "Zm-" are not.
  EXPECT_TRUE(base64url_decode("Zm8").has_value());
  for (std::string_view bad : {"Zm9", "Zm-", "Zm_", "Zm+"}) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
  }
  // Exactly one canonical encoding per input: of the 64 possible last
  // characters, 4 are canonical for 1 leftover byte and 16 for 2.
  int one = 0, two = 0;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (char c : alphabet) {
    one += base64url_decode(std::string("A") + c).has_value();
    two += base64url_decode(std::string("AA") + c).has_value();
  }
  EXPECT_EQ(one, 4);
  EXPECT_EQ(two, 16);
}

TEST(HexTest, LowerCase) {
  EXPECT_EQ(hex_encode(std::vector<uint8_t>{}), "");
  EXPECT_EQ(hex_encode(std::vector<uint8_t>{0x00}), "00");
  EXPECT_EQ(hex_encode(std::vector<uint8_t>{0x0f}), "0f");
  EXPECT_EQ(hex_encode(std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef}), "deadbeef");
  EXPECT_EQ(hex_encode(std::vector<uint8_t>{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}),
            "0123456789abcdef");
  EXPECT_EQ(hex_encode(bytes_of("foobar")), "666f6f626172");  // RFC 4648 §10 base16, lower-cased
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  std::string h = hex_encode(all);
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(h.substr(0, 6), "000102");
  EXPECT_EQ(h.substr(506), "fdfeff");
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace vouch::core
