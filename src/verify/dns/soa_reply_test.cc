// parse_soa on hand-built DNS messages: the SOA in the answer or authority
// section, compressed names, other records before it, and malformed messages
// (every truncation of a good one), which must give none and never read out
// of bounds.
#include "verify/dns/soa_reply.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "verify/dns/dns_test_bytes.h"

namespace vouch::verify::dns {
namespace {

using test::Bytes;
using test::name;
using test::u16;

void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

void u32(Bytes& b, uint32_t v) {
  u16(b, v >> 16);
  u16(b, v & 0xffff);
}

struct Rr {
  unsigned type = 6;
  Bytes rdata;
};

Bytes soa_rdata(const Bytes& mname, const Bytes& rname, uint32_t serial) {
  Bytes r = mname;
  append(r, rname);
  u32(r, serial);
  for (int i = 0; i < 4; ++i) u32(r, 3600);
  return r;
}

// A reply to TXT _amazonses.example.com with `answers` then `authority`.
Bytes message(const std::vector<Rr>& answers, const std::vector<Rr>& authority) {
  Bytes m{0x12, 0x34, 0x81, 0x83};
  u16(m, 1);
  u16(m, static_cast<unsigned>(answers.size()));
  u16(m, static_cast<unsigned>(authority.size()));
  u16(m, 0);
  append(m, name("_amazonses.example.com"));
  u16(m, 16);
  u16(m, 1);
  for (const auto* section : {&answers, &authority}) {
    for (const auto& rr : *section) {
      append(m, {0xC0, 12 + 11});  // owner: "example.com" in the question
      u16(m, rr.type);
      u16(m, 1);
      u32(m, 300);
      u16(m, static_cast<unsigned>(rr.rdata.size()));
      append(m, rr.rdata);
    }
  }
  return m;
}

std::optional<core::Soa> parse(const Bytes& m) {
  return parse_soa(m.data(), static_cast<int>(m.size()));
}

const Rr kSoa{6, soa_rdata(name("ns1.example.com"), name("hostmaster.example.com"), 2026120401)};

TEST(SoaReply, InTheAuthoritySection) {
  auto soa = parse(message({}, {kSoa}));
  ASSERT_TRUE(soa.has_value());
  EXPECT_EQ(soa->primary_ns, "ns1.example.com");
  EXPECT_EQ(soa->admin, "hostmaster.example.com");
  EXPECT_EQ(soa->serial, 2026120401u);
}

TEST(SoaReply, TheRecordNamesItsZoneAndTtlAndSection) {
  const Bytes negative = message({}, {kSoa});
  auto authority = parse_soa_record(negative.data(), static_cast<int>(negative.size()));
  ASSERT_TRUE(authority.has_value());
  EXPECT_EQ(authority->zone, "example.com");
  EXPECT_EQ(authority->ttl, 300u);
  EXPECT_FALSE(authority->in_answer);
  EXPECT_EQ(authority->soa.serial, 2026120401u);
  const Bytes answer = message({kSoa}, {});
  auto at_apex = parse_soa_record(answer.data(), static_cast<int>(answer.size()));
  ASSERT_TRUE(at_apex.has_value());
  EXPECT_TRUE(at_apex->in_answer);
}

TEST(SoaReply, InTheAnswerSectionAfterOtherRecords) {
  Rr txt{16, {3, 'a', 'b', 'c'}};
  auto soa = parse(message({txt, kSoa}, {}));
  ASSERT_TRUE(soa.has_value());
  EXPECT_EQ(soa->serial, 2026120401u);
}

TEST(SoaReply, CompressedNamesAndTheLargestSerial) {
  Bytes mname{3, 'n', 's', '2', 0xC0, 12 + 11};  // "ns2" + pointer to "example.com"
  Bytes rname{0xC0, 12 + 11};
  auto soa = parse(message({}, {{6, soa_rdata(mname, rname, 4294967295u)}}));
  ASSERT_TRUE(soa.has_value());
  EXPECT_EQ(soa->primary_ns, "ns2.example.com");
  EXPECT_EQ(soa->admin, "example.com");
  EXPECT_EQ(soa->serial, 4294967295u);
}

TEST(SoaReply, NoneWithoutAnSoa) {
  EXPECT_TRUE(parse(message({}, {kSoa})).has_value());  // positive control
  EXPECT_FALSE(parse(message({}, {})).has_value());
  EXPECT_FALSE(parse(message({{16, {3, 'a', 'b', 'c'}}}, {{2, name("ns1.example.com")}})));
  EXPECT_FALSE(parse_soa(nullptr, 0).has_value());
}

TEST(SoaReply, MalformedGivesNone) {
  const Bytes good = message({}, {kSoa});
  ASSERT_TRUE(parse(good).has_value());
  for (size_t n = 0; n < good.size(); ++n) {
    Bytes cut(good.begin(), good.begin() + static_cast<long>(n));
    EXPECT_FALSE(parse(cut).has_value()) << n;
  }
  // RDATA one byte short of the five numbers, and one byte long.
  Bytes short_rdata = kSoa.rdata;
  short_rdata.pop_back();
  EXPECT_FALSE(parse(message({}, {{6, short_rdata}})).has_value());
  Bytes long_rdata = kSoa.rdata;
  long_rdata.push_back(0);
  EXPECT_FALSE(parse(message({}, {{6, long_rdata}})).has_value());
}

TEST(SoaReply, QueryNameIsTheParent) {
  EXPECT_EQ(soa_query_name("_amazonses.example.com"), "example.com");
  EXPECT_EQ(soa_query_name("tok._domainkey.example.com"), "_domainkey.example.com");
  EXPECT_EQ(soa_query_name("com"), "com");
  EXPECT_EQ(soa_query_name("com."), "com.");
}

}  // namespace
}  // namespace vouch::verify::dns
