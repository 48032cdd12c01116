// Page tokens name a seq and are bound by HMAC to the scope and listing that
// issued them: anything else, including any single changed byte, is rejected.
#include "service/page_token.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "crypto/crypto.h"
#include "mail/link_token.h"

namespace vouch::service {
namespace {

const core::Scope kScope{"111122223333", "us-east-1"};
const std::string kListing = "ses:*";
const std::string kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode_raw(const std::string& raw) {
  return core::base64url_encode(
      std::span(reinterpret_cast<const uint8_t*>(raw.data()), raw.size()));
}

TEST(PageTokensTest, RoundTripsTheSeq) {
  PageTokens tokens("key");
  for (int64_t seq : {int64_t{0}, int64_t{1}, int64_t{42}, int64_t{1'000'000'007},
                      std::numeric_limits<int64_t>::max()}) {
    std::string t = tokens.encode(kScope, kListing, seq);
    EXPECT_EQ(tokens.decode(kScope, kListing, t), seq) << t;
  }
}

TEST(PageTokensTest, IsUrlSafeText) {
  PageTokens tokens("key");
  std::string t = tokens.encode(kScope, kListing, 123456);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.find_first_not_of(kUrlAlphabet), std::string::npos) << t;
  // Deterministic: the same page has the same token.
  EXPECT_EQ(tokens.encode(kScope, kListing, 123456), t);
  EXPECT_NE(tokens.encode(kScope, kListing, 123457), t);
}

TEST(PageTokensTest, IsBoundToTheAccountRegionAndListing) {
  PageTokens tokens("key");
  std::string t = tokens.encode(kScope, kListing, 77);
  EXPECT_EQ(tokens.decode(core::Scope{"444455556666", "us-east-1"}, kListing, t), std::nullopt);
  EXPECT_EQ(tokens.decode(core::Scope{"111122223333", "eu-west-1"}, kListing, t), std::nullopt);
  EXPECT_EQ(tokens.decode(kScope, "ses:Domain", t), std::nullopt);
  EXPECT_EQ(tokens.decode(kScope, "ses:EmailAddress", t), std::nullopt);
  // Field boundaries matter: moving characters between fields is another binding.
  EXPECT_EQ(tokens.decode(core::Scope{"11112222333", "3us-east-1"}, kListing, t), std::nullopt);
  EXPECT_EQ(tokens.decode(kScope, kListing, t), 77);
}

TEST(PageTokensTest, IsBoundToTheKey) {
  PageTokens a("key-a");
  PageTokens b("key-b");
  EXPECT_EQ(b.decode(kScope, kListing, a.encode(kScope, kListing, 5)), std::nullopt);
  EXPECT_EQ(a.decode(kScope, kListing, a.encode(kScope, kListing, 5)), 5);
}

TEST(PageTokensTest, RejectsAnySingleChangedCharacter) {
  PageTokens tokens("key");
  const std::string t = tokens.encode(kScope, kListing, 4242);
  int tried = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    for (char c : kUrlAlphabet) {
      if (c == t[i]) continue;
      std::string bad = t;
      bad[i] = c;
      ++tried;
      EXPECT_EQ(tokens.decode(kScope, kListing, bad), std::nullopt)
          << "position " << i << ": " << bad;
    }
  }
  EXPECT_EQ(tried, static_cast<int>(t.size()) * 63);
}

TEST(PageTokensTest, RejectsAnyFlippedBitOfTheDecodedBytes) {
  PageTokens tokens("key");
  const std::string t = tokens.encode(kScope, kListing, 4242);
  auto raw = core::base64url_decode(t);
  ASSERT_TRUE(raw);
  for (size_t i = 0; i < raw->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = *raw;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_EQ(tokens.decode(kScope, kListing, encode_raw(bad)), std::nullopt)
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(PageTokensTest, RejectsTruncatedAndExtendedTokens) {
  PageTokens tokens("key");
  const std::string t = tokens.encode(kScope, kListing, 99);
  for (size_t n = 0; n < t.size(); ++n) {
    EXPECT_EQ(tokens.decode(kScope, kListing, t.substr(0, n)), std::nullopt) << n;
    EXPECT_EQ(tokens.decode(kScope, kListing, t.substr(n + 1)), std::nullopt) << n;
  }
  for (const char* tail : {"A", "AA", "AAAA", "=", "==", " ", "\n"}) {
    EXPECT_EQ(tokens.decode(kScope, kListing, t + tail), std::nullopt) << tail;
  }
  auto raw = core::base64url_decode(t);
  ASSERT_TRUE(raw);
  EXPECT_EQ(tokens.decode(kScope, kListing, encode_raw(*raw + "x")), std::nullopt);
  EXPECT_EQ(tokens.decode(kScope, kListing, encode_raw(raw->substr(0, raw->size() - 1))),
            std::nullopt);
}

TEST(PageTokensTest, RejectsGarbageWithoutCrashing) {
  PageTokens tokens("key");
  const std::vector<std::string> garbage = {
      "",
      "=",
      "A",
      "AA",
      "AAA",
      "AAAA",
      "!!!!",
      "null",
      "-1",
      "0",
      "42",
      "../../etc/passwd",
      std::string(1, '\0'),
      std::string(24, '\0'),
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "////////////////////////",
      "++++++++++++++++++++++++",
      "ü😀",
      std::string(1 << 20, 'A'),
      std::string(1 << 20, '_'),
      encode_raw(std::string(1 << 20, '.')),
      encode_raw("."),
      encode_raw("1."),
      encode_raw("1" + std::string(17, '.')),
      encode_raw("-1." + std::string(16, 'x')),
      encode_raw("abc." + std::string(16, 'x')),
      encode_raw("99999999999999999999999." + std::string(16, 'x')),
      encode_raw(" 1." + std::string(16, 'x')),
      encode_raw("1 ." + std::string(16, 'x'))};
  for (const auto& g : garbage) {
    EXPECT_EQ(tokens.decode(kScope, kListing, g), std::nullopt) << g.substr(0, 40);
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 64, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    EXPECT_EQ(tokens.decode(kScope, kListing, s), std::nullopt);
    std::string u(rng() % 64, 'A');
    for (auto& c : u) c = kUrlAlphabet[rng() % 64];
    EXPECT_EQ(tokens.decode(kScope, kListing, u), std::nullopt) << u;
  }
}

// A page token for `seq` in kScope and kListing, MACed by hand.
std::string page_macd_with(std::string_view key, int64_t seq) {
  auto mac = crypto::hmac_sha256(
      key, kScope.account_id + '\n' + kScope.region + '\n' + kListing + '\n' + std::to_string(seq));
  return encode_raw(std::to_string(seq) + '.' +
                    std::string(reinterpret_cast<const char*>(mac.data()), 16));
}

// Page tokens have a key of their own, derived from the server's secret:
// neither the secret itself nor the links' key makes one.
TEST(PageTokensTest, KeyIsDerivedForPageTokensAlone) {
  const std::string secret(32, 's');
  PageTokens tokens(secret);
  const std::string page_key = crypto::derive_key(secret, PageTokens::kKeyLabel);
  EXPECT_EQ(tokens.encode(kScope, kListing, 7), page_macd_with(page_key, 7));
  EXPECT_EQ(tokens.decode(kScope, kListing, page_macd_with(page_key, 7)), 7);
  EXPECT_FALSE(
      tokens.decode(kScope, kListing,
                    page_macd_with(crypto::derive_key(secret, mail::LinkTokens::kKeyLabel), 7)));
  EXPECT_FALSE(tokens.decode(kScope, kListing, page_macd_with(secret, 7)));
}

// A link carrying the claim id, nonce and expiry of kLink, MACed by hand (as
// in mail/link_token_test.cc).
const core::LinkToken kLink{"id-0123456789abcdef0123", "nOnCe_-123", 1'700'086'400};
std::string link_macd_with(std::string_view key) {
  const std::string payload = kLink.claim_id + "|" + kLink.nonce + "|" +
                              std::to_string(kLink.expires_unix);
  auto mac = crypto::hmac_sha256(key, "link\n" + payload);
  auto b64 = [](std::string_view s) {
    return core::base64url_encode(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  };
  return b64(payload) + "." + b64(std::string_view(reinterpret_cast<const char*>(mac.data()), 16));
}

// Links have a key of their own, derived from the server's secret: what page
// tokens are MACed with never makes a link.
TEST(LinkTokens, KeyIsDerivedForLinksAlone) {
  const std::string kKey = "0123456789abcdef0123456789abcdef";
  mail::LinkTokens links(kKey);
  const std::string link_key = crypto::derive_key(kKey, mail::LinkTokens::kKeyLabel);
  const std::string page_key = crypto::derive_key(kKey, PageTokens::kKeyLabel);
  ASSERT_NE(link_key, page_key);
  EXPECT_EQ(links.encode(kLink), link_macd_with(link_key));
  EXPECT_TRUE(links.decode(link_macd_with(link_key)).has_value());
  EXPECT_FALSE(links.decode(link_macd_with(page_key)).has_value());
}

}  // namespace
}  // namespace vouch::service
