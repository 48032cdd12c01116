// Signed verification-link tokens: round trip, tampering, other keys, garbage.
#include "mail/link_token.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "core/encoding.h"
#include "crypto/crypto.h"

namespace vouch::mail {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";
const core::LinkToken kToken{"id-0123456789abcdef0123", "nOnCe_-123", 1'700'086'400, {}};

void expect_same(const core::LinkToken& a, const core::LinkToken& b) {
  EXPECT_EQ(a.claim_id, b.claim_id);
  EXPECT_EQ(a.nonce, b.nonce);
  EXPECT_EQ(a.expires_unix, b.expires_unix);
  EXPECT_EQ(a.template_name, b.template_name);
}

TEST(LinkTokens, RoundTrip) {
  LinkTokens links(kKey);
  const std::string t = links.encode(kToken);
  auto back = links.decode(t);
  ASSERT_TRUE(back.has_value()) << t;
  expect_same(*back, kToken);
}

TEST(LinkTokens, ACustomVerificationLinkCarriesItsTemplateSigned) {
  LinkTokens links(kKey);
  core::LinkToken custom = kToken;
  custom.template_name = "Welcome_Template-1";
  const std::string t = links.encode(custom);
  auto back = links.decode(t);
  ASSERT_TRUE(back.has_value()) << t;
  expect_same(*back, custom);
  // The plain link is another token: the template is part of what is MACed.
  EXPECT_NE(t, links.encode(kToken));
  auto plain = links.decode(links.encode(kToken));
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(plain->template_name.empty());
}

TEST(LinkTokens, UrlSafeAndDeterministic) {
  LinkTokens links(kKey);
  const std::string t = links.encode(kToken);
  EXPECT_EQ(t, links.encode(kToken));
  for (char c : t) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
        << "character '" << c << "' needs escaping in a URL: " << t;
  }
  EXPECT_EQ(std::count(t.begin(), t.end(), '.'), 1) << t;
}

TEST(LinkTokens, RoundTripOfEdgeValues) {
  LinkTokens links(kKey);
  for (const core::LinkToken& in :
       {core::LinkToken{"c", "", 0, {}}, core::LinkToken{"id-x", "n", -5, {}},
        core::LinkToken{"id-y", "nonce", 9'223'372'036'854'775'807LL, {}}}) {
    auto back = links.decode(links.encode(in));
    ASSERT_TRUE(back.has_value()) << in.claim_id << " " << in.expires_unix;
    expect_same(*back, in);
  }
}

TEST(LinkTokens, DifferentFieldsGiveDifferentTokens) {
  LinkTokens links(kKey);
  const std::string base = links.encode(kToken);
  core::LinkToken t = kToken;
  t.nonce += "x";
  EXPECT_NE(links.encode(t), base);
  t = kToken;
  t.expires_unix += 1;
  EXPECT_NE(links.encode(t), base);
  t = kToken;
  t.claim_id += "x";
  EXPECT_NE(links.encode(t), base);
}

// Any single changed character makes the token worthless: the payload is
// under the MAC, the MAC is checked in full, and only canonical base64url is
// accepted, so not even the unused low bits of the last character can move.
TEST(LinkTokens, EveryCharacterTamperedIsRejected) {
  LinkTokens links(kKey);
  const std::string t = links.encode(kToken);
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/|% ";
  int tried = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    for (char c : kAlphabet) {
      if (c == t[i]) continue;
      std::string bad = t;
      bad[i] = c;
      ++tried;
      EXPECT_FALSE(links.decode(bad).has_value())
          << "position " << i << " -> '" << c << "': " << bad;
    }
  }
  EXPECT_GT(tried, 1000);
}

TEST(LinkTokens, EveryByteBitFlippedIsRejected) {
  LinkTokens links(kKey);
  const std::string t = links.encode(kToken);
  for (size_t i = 0; i < t.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = t;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(links.decode(bad).has_value()) << "position " << i << " bit " << bit;
    }
  }
}

TEST(LinkTokens, TruncatedOrExtendedIsRejected) {
  LinkTokens links(kKey);
  const std::string t = links.encode(kToken);
  for (size_t n = 0; n < t.size(); ++n) {
    EXPECT_FALSE(links.decode(t.substr(0, n)).has_value()) << "prefix of " << n;
    EXPECT_FALSE(links.decode(t.substr(n + 1)).has_value()) << "suffix from " << n + 1;
  }
  for (const char* tail : {"A", "AA", "AAA", "AAAA", ".", "=", "x.y"}) {
    EXPECT_FALSE(links.decode(t + tail).has_value()) << tail;
  }
}

TEST(LinkTokens, PayloadSwappedBetweenTokensIsRejected) {
  LinkTokens links(kKey);
  core::LinkToken other = kToken;
  other.claim_id = "id-ffffffffffffffffffff";
  const std::string a = links.encode(kToken), b = links.encode(other);
  const std::string mixed = b.substr(0, b.find('.')) + a.substr(a.find('.'));
  EXPECT_FALSE(links.decode(mixed).has_value());
}

TEST(LinkTokens, OtherKeyIsRejected) {
  LinkTokens mine(kKey), theirs("another secret key of the same length!!");
  LinkTokens almost(kKey.substr(0, kKey.size() - 1) + "0");
  const std::string t = theirs.encode(kToken);
  EXPECT_FALSE(mine.decode(t).has_value());
  EXPECT_FALSE(mine.decode(almost.encode(kToken)).has_value());
  EXPECT_FALSE(theirs.decode(mine.encode(kToken)).has_value());
  EXPECT_TRUE(theirs.decode(t).has_value());
}

TEST(LinkTokens, EmptyKeyStillChecksTheMac) {
  LinkTokens none("");
  LinkTokens mine(kKey);
  EXPECT_FALSE(none.decode(mine.encode(kToken)).has_value());
  EXPECT_FALSE(mine.decode(none.encode(kToken)).has_value());
}

TEST(LinkTokens, GarbageIsRejected) {
  LinkTokens links(kKey);
  for (const std::string& g :
       {std::string(), std::string("."), std::string(".."), std::string("abc"), std::string("abc."),
        std::string(".abc"), std::string("a.b.c"), std::string("!!!!.????"),
        std::string("%41%42.%43"), std::string(600, 'A'),
        std::string(600, 'A') + "." + std::string(22, 'A'), std::string("\0\0\0.\0\0", 6),
        std::string("aWQ.AAAAAAAAAAAAAAAAAAAAAA"),
        std::string("aWR8bm9uY2V8MQ.AAAAAAAAAAAAAAAAAAAAAA")}) {
    EXPECT_FALSE(links.decode(g).has_value()) << "'" << g << "'";
  }
}

TEST(LinkTokens, OverlongTokenIsRejectedEvenIfSigned) {
  LinkTokens links(kKey);
  core::LinkToken big{std::string(400, 'c'), std::string(200, 'n'), 1};
  const std::string t = links.encode(big);
  ASSERT_GT(t.size(), 512u);
  EXPECT_FALSE(links.decode(t).has_value());
}

// A link carrying the claim id, nonce and expiry of kToken, MACed by hand.
std::string link_macd_with(std::string_view key) {
  const std::string payload = kToken.claim_id + "|" + kToken.nonce + "|" +
                              std::to_string(kToken.expires_unix);
  auto mac = crypto::hmac_sha256(key, "link\n" + payload);
  auto b64 = [](std::string_view s) {
    return core::base64url_encode(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  };
  return b64(payload) + "." + b64(std::string_view(reinterpret_cast<const char*>(mac.data()), 16));
}

// That the key is derived for links alone (no page token key makes one) is
// checked in service/page_token_test.cc, where both kinds of token are seen.

// Links mailed before the keys were derived were MACed with the secret itself;
// they stay good for the rest of their 24 h.
TEST(LinkTokens, LinksMacdWithTheSecretItselfStillDecode) {
  LinkTokens links(kKey);
  auto back = links.decode(link_macd_with(kKey));
  ASSERT_TRUE(back.has_value());
  expect_same(*back, kToken);
  EXPECT_FALSE(LinkTokens("another secret key of the same length!!").decode(link_macd_with(kKey)));
}

}  // namespace
}  // namespace vouch::mail
