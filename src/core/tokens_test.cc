#include "core/tokens.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/claim.h"
#include "core/encoding.h"
#include "core/random.h"

namespace vouch::core {
namespace {

bool matches(const std::string& s, const char* re) { return std::regex_match(s, std::regex(re)); }

// Standard base64 back to bytes, via the URL-safe decoder.
std::optional<std::string> decode_std_base64(std::string s) {
  if (s.size() % 4 != 0) return std::nullopt;
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '-' || c == '_') return std::nullopt;
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return base64url_decode(s);
}

// Every generator once, in a fixed order.
std::vector<std::string> all_formats(Random& r) {
  std::vector<std::string> out;
  out.push_back(new_ses_token(r));
  for (auto& t : new_dkim_tokens(r)) out.push_back(t);
  out.push_back(new_ses_claim_id(r));
  out.push_back(new_lattice_id(r));
  out.push_back(new_lattice_txt_label(r));
  out.push_back(new_lattice_txt_value(r));
  return out;
}

TEST(TokensTest, SesToken) {
  SeededRandom r(1);
  for (int i = 0; i < 200; ++i) {
    std::string t = new_ses_token(r);
    ASSERT_EQ(t.size(), 44u) << t;
    EXPECT_TRUE(matches(t, "^[A-Za-z0-9+/]{43}=$")) << t;
    auto bytes = decode_std_base64(t);
    ASSERT_TRUE(bytes.has_value()) << t;
    EXPECT_EQ(bytes->size(), 32u);
    // And it is exactly the standard encoding of those bytes.
    std::vector<uint8_t> raw(bytes->begin(), bytes->end());
    EXPECT_EQ(base64_encode(raw), t);
  }
}

TEST(TokensTest, SesTokenMatchesObservedAwsTokens) {
  // The helper accepts the real tokens from the spec, so the format test above
  // checks the same shape AWS produces.
  for (const char* aws : {"QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=",
                          "pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=",
                          "fmxqxT/icOYx4aA/bEUrDPMeax9/s3frblS+niixmqk="}) {
    EXPECT_TRUE(matches(aws, "^[A-Za-z0-9+/]{43}=$")) << aws;
    auto bytes = decode_std_base64(aws);
    ASSERT_TRUE(bytes.has_value()) << aws;
    EXPECT_EQ(bytes->size(), 32u);
  }
}

TEST(TokensTest, DkimTokens) {
  SeededRandom r(2);
  for (int i = 0; i < 100; ++i) {
    auto tokens = new_dkim_tokens(r);
    ASSERT_EQ(tokens.size(), 3u);
    for (const auto& t : tokens) EXPECT_TRUE(matches(t, "^[a-z2-7]{32}$")) << t;
    EXPECT_NE(tokens[0], tokens[1]);
    EXPECT_NE(tokens[1], tokens[2]);
    EXPECT_NE(tokens[0], tokens[2]);
  }
}

// The prefix lengths that domain validation counts on.
TEST(TokensTest, RecordPrefixesMatchTheNamesMade) {
  SeededRandom r(5);
  const std::string d = "example.com";
  for (const auto& t : new_dkim_tokens(r)) {
    EXPECT_EQ(dkim_record_name(t, d).size(), kDkimRecordPrefix + d.size());
  }
  EXPECT_EQ(new_lattice_txt_label(r).size() + 1, kLatticeRecordPrefix);
}

TEST(TokensTest, SesClaimId) {
  SeededRandom r(3);
  for (int i = 0; i < 200; ++i) {
    std::string id = new_ses_claim_id(r);
    EXPECT_EQ(id.size(), 23u);
    EXPECT_TRUE(matches(id, "^id-[0-9a-f]{20}$")) << id;
  }
}

TEST(TokensTest, LatticeId) {
  SeededRandom r(4);
  for (int i = 0; i < 200; ++i) {
    std::string id = new_lattice_id(r);
    EXPECT_EQ(id.size(), 20u);
    EXPECT_TRUE(matches(id, "^dv-[0-9a-f]{17}$")) << id;
  }
}

TEST(TokensTest, LatticeTxtLabelAndValue) {
  SeededRandom r(5);
  for (int i = 0; i < 200; ++i) {
    std::string label = new_lattice_txt_label(r);
    EXPECT_EQ(label.size(), 21u);
    EXPECT_TRUE(matches(label, "^_[a-z2-7]{20}$")) << label;
    std::string value = new_lattice_txt_value(r);
    EXPECT_EQ(value.size(), 44u);
    EXPECT_TRUE(matches(value, "^vpc-lattice:[a-z2-7]{32}$")) << value;
  }
}

TEST(TokensTest, Base32AlphabetIsFullyUsed) {
  // Over many draws every one of the 32 characters shows up, and nothing else.
  SeededRandom r(6);
  std::set<char> seen;
  for (int i = 0; i < 50; ++i) {
    for (auto& t : new_dkim_tokens(r)) seen.insert(t.begin(), t.end());
  }
  EXPECT_EQ(seen.size(), 32u);
  EXPECT_EQ(std::string(seen.begin(), seen.end()), "234567abcdefghijklmnopqrstuvwxyz");

  std::set<char> hex;
  for (int i = 0; i < 50; ++i) {
    std::string id = new_ses_claim_id(r);
    hex.insert(id.begin() + 3, id.end());
  }
  EXPECT_EQ(std::string(hex.begin(), hex.end()), "0123456789abcdef");
}

TEST(TokensTest, DeterministicUnderTheSameSeed) {
  SeededRandom a(42), b(42);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(all_formats(a), all_formats(b));
}

TEST(TokensTest, DifferentUnderAnotherSeed) {
  SeededRandom a(42), b(43);
  auto fa = all_formats(a);
  auto fb = all_formats(b);
  ASSERT_EQ(fa.size(), fb.size());
  for (size_t i = 0; i < fa.size(); ++i) EXPECT_NE(fa[i], fb[i]) << i;
}

TEST(TokensTest, SuccessiveValuesDiffer) {
  SeededRandom r(7);
  std::set<std::string> tokens, ids, dvs, labels, values;
  for (int i = 0; i < 500; ++i) {
    tokens.insert(new_ses_token(r));
    ids.insert(new_ses_claim_id(r));
    dvs.insert(new_lattice_id(r));
    labels.insert(new_lattice_txt_label(r));
    values.insert(new_lattice_txt_value(r));
  }
  EXPECT_EQ(tokens.size(), 500u);
  EXPECT_EQ(ids.size(), 500u);
  EXPECT_EQ(dvs.size(), 500u);
  EXPECT_EQ(labels.size(), 500u);
  EXPECT_EQ(values.size(), 500u);
}

// A Random that hands out a fixed byte pattern, to pin the exact mapping.
class CountingRandom final : public Random {
 public:
  void fill(std::span<uint8_t> out) override {
    for (auto& b : out) b = next_++;
  }

 private:
  uint8_t next_ = 0;
};

TEST(TokensTest, ExactMappingFromBytes) {
  {
    CountingRandom r;  // bytes 00 01 02 ... 1f
    EXPECT_EQ(new_ses_token(r), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  }
  {
    CountingRandom r;  // 00 01 .. 09 -> hex, first 20 characters
    EXPECT_EQ(new_ses_claim_id(r), "id-00010203040506070809");
  }
  {
    CountingRandom r;  // 9 bytes -> 18 hex digits, cut to 17
    EXPECT_EQ(new_lattice_id(r), "dv-00010203040506070");
  }
  {
    CountingRandom r;  // byte & 31 indexes a-z2-7
    EXPECT_EQ(new_lattice_txt_label(r), "_abcdefghijklmnopqrst");
    EXPECT_EQ(new_lattice_txt_value(r), "vpc-lattice:uvwxyz234567abcdefghijklmnopqrst");
  }
}

}  // namespace
}  // namespace vouch::core
