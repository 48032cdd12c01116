// parse_cname_reply on hand-built DNS messages: plain and compressed names,
// which records count (IN CNAME owned by the question's name), and malformed
// messages of every kind, including every truncation of a good one and random
// corruption, which must be reported and never read out of bounds.
#include "verify/dns/cname_reply.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "verify/dns/dns_test_bytes.h"

namespace vouch::verify::dns {
namespace {

using test::Bytes;
using test::name;
using test::u16;

const std::string kQname = "tok._domainkey.example.com";
constexpr unsigned kQnameOffset = 12;
constexpr unsigned kExampleComOffset = 12 + 4 + 11;  // "example.com" inside the question

Bytes pointer(unsigned offset) {
  return {static_cast<unsigned char>(0xC0 | (offset >> 8)), static_cast<unsigned char>(offset)};
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Rr {
  Bytes owner = pointer(kQnameOffset);
  unsigned type = 5, klass = 1;
  Bytes rdata;
  int rdlen = -1;  // -1: the real length
};

Bytes message(const std::vector<Rr>& rrs, int ancount = -1, unsigned qdcount = 1) {
  Bytes m{0x12, 0x34, 0x81, 0x80};
  u16(m, qdcount);
  u16(m, ancount < 0 ? static_cast<unsigned>(rrs.size()) : static_cast<unsigned>(ancount));
  u16(m, 0);
  u16(m, 0);
  m = m + name(kQname);
  u16(m, 5);
  u16(m, 1);
  for (const auto& rr : rrs) {
    m = m + rr.owner;
    u16(m, rr.type);
    u16(m, rr.klass);
    u16(m, 0);
    u16(m, 300);
    u16(m, rr.rdlen < 0 ? static_cast<unsigned>(rr.rdata.size()) : static_cast<unsigned>(rr.rdlen));
    m = m + rr.rdata;
  }
  return m;
}

CnameReply parse(const Bytes& m, std::vector<std::string>* out) {
  return parse_cname_reply(m.data(), static_cast<int>(m.size()), out);
}

std::vector<std::string> targets_of(const Bytes& m) {
  std::vector<std::string> out;
  EXPECT_EQ(parse(m, &out), CnameReply::kRecords);
  return out;
}

CnameReply verdict(const Bytes& m) {
  std::vector<std::string> out;
  return parse(m, &out);
}

TEST(CnameReply, PlainTarget) {
  Bytes m = message({Rr{.rdata = name("tok.dkim.amazonses.com")}});
  EXPECT_EQ(targets_of(m), std::vector<std::string>{"tok.dkim.amazonses.com"});
}

TEST(CnameReply, CompressedTargetAndOwner) {
  // "tok" + a pointer to "example.com" in the question.
  Bytes target = Bytes{3, 't', 'o', 'k'} + pointer(kExampleComOffset);
  EXPECT_EQ(targets_of(message({Rr{.rdata = target}})),
            std::vector<std::string>{"tok.example.com"});
  // The owner spelled out, in another case: still the question's name.
  Rr rr{.owner = name("TOK._DomainKey.Example.COM"), .rdata = name("t.example.net")};
  EXPECT_EQ(targets_of(message({rr})), std::vector<std::string>{"t.example.net"});
}

TEST(CnameReply, OnlyInCnamesOfTheQuestionsNameCount) {
  Rr other_owner{.owner = name("other.example.com"), .rdata = name("a.example.net")};
  Rr txt{.type = 16, .rdata = {3, 'a', 'b', 'c'}};
  Rr chaos{.klass = 3, .rdata = name("b.example.net")};
  Rr good{.rdata = name("c.example.net")};
  EXPECT_EQ(verdict(message({other_owner, txt, chaos})), CnameReply::kNoData);
  EXPECT_EQ(targets_of(message({other_owner, txt, chaos, good})),
            std::vector<std::string>{"c.example.net"});
  EXPECT_EQ(verdict(message({})), CnameReply::kNoData);
  // Two CNAMEs (not legal DNS, but seen): both are reported.
  Rr second{.rdata = name("d.example.net")};
  EXPECT_EQ(targets_of(message({good, second})),
            (std::vector<std::string>{"c.example.net", "d.example.net"}));
}

TEST(CnameReply, RootTarget) {
  EXPECT_EQ(targets_of(message({Rr{.rdata = {0}}})), std::vector<std::string>{""});
}

TEST(CnameReply, MalformedMessages) {
  std::vector<std::string> out;
  EXPECT_EQ(parse_cname_reply(nullptr, 0, &out), CnameReply::kMalformed);
  EXPECT_EQ(verdict(Bytes(11, 0)), CnameReply::kMalformed);
  EXPECT_EQ(verdict(message({}, 0, 0)), CnameReply::kMalformed);  // no question
  Rr good{.rdata = name("c.example.net")};
  EXPECT_EQ(verdict(message({good}, 2)), CnameReply::kMalformed);  // one answer short
  Rr long_rdlen{.rdata = name("c.example.net"), .rdlen = 200};
  EXPECT_EQ(verdict(message({long_rdlen})), CnameReply::kMalformed);
  Rr short_rdlen{.rdata = name("c.example.net"), .rdlen = 5};  // the name runs past its RDATA
  EXPECT_EQ(verdict(message({short_rdlen, good})), CnameReply::kMalformed);
  Rr trailing{.rdata = name("c.example.net") + Bytes{0x41}};
  EXPECT_EQ(verdict(message({trailing})), CnameReply::kMalformed);
  Rr empty_rdata{.rdata = {}};
  EXPECT_EQ(verdict(message({empty_rdata})), CnameReply::kMalformed);
}

TEST(CnameReply, BadPointersAndLabels) {
  // A pointer to itself, a pointer past the end, a label running past the end.
  Bytes m = message({Rr{.rdata = Bytes{1, 'x'}}});
  const unsigned rdata_at = static_cast<unsigned>(m.size()) - 2;
  Rr loop{.rdata = pointer(rdata_at)};
  EXPECT_EQ(verdict(message({loop})), CnameReply::kMalformed);
  Rr beyond{.rdata = pointer(4000)};
  EXPECT_EQ(verdict(message({beyond})), CnameReply::kMalformed);
  Rr owner_beyond{.owner = pointer(4000), .rdata = name("c.example.net")};
  EXPECT_EQ(verdict(message({owner_beyond})), CnameReply::kMalformed);
  Rr overlong_label{.rdata = Bytes{60, 'a', 'b'}};
  EXPECT_EQ(verdict(message({overlong_label})), CnameReply::kMalformed);
  Bytes truncated_question{0, 0, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 20, 'a'};
  EXPECT_EQ(verdict(truncated_question), CnameReply::kMalformed);
}

TEST(CnameReply, EveryTruncationIsMalformed) {
  Rr txt{.type = 16, .rdata = {3, 'a', 'b', 'c'}};
  Rr good{.rdata = Bytes{3, 't', 'o', 'k'} + pointer(kExampleComOffset)};
  const Bytes full = message({txt, good});
  ASSERT_EQ(targets_of(full), std::vector<std::string>{"tok.example.com"});
  for (size_t n = 0; n < full.size(); ++n) {
    // A copy of exactly n bytes, so reading past it is caught by ASan.
    Bytes cut(full.begin(), full.begin() + static_cast<long>(n));
    std::vector<std::string> out;
    EXPECT_EQ(parse_cname_reply(cut.empty() ? nullptr : cut.data(), static_cast<int>(n), &out),
              CnameReply::kMalformed)
        << n;
  }
}

TEST(CnameReply, RandomCorruptionNeverCrashes) {
  Rr txt{.type = 16, .rdata = {3, 'a', 'b', 'c'}};
  Rr good{.rdata = Bytes{3, 't', 'o', 'k'} + pointer(kExampleComOffset)};
  const Bytes full = message({txt, good, good});
  std::mt19937 rng(42);
  size_t records = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes m = full;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) m[rng() % m.size()] = static_cast<unsigned char>(rng());
    m.resize(m.size() - rng() % 8);
    std::vector<std::string> out;
    if (parse(m, &out) == CnameReply::kRecords) {
      ++records;
      EXPECT_FALSE(out.empty());
    } else {
      EXPECT_TRUE(out.empty());
    }
  }
  EXPECT_GT(records, 0u);  // some corruptions leave a readable answer
}

}  // namespace
}  // namespace vouch::verify::dns
