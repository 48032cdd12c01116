// read_plain_txt_reply against c-ares: on every reply it reads, the records
// are c-ares's to the byte; whatever it leaves (odd names, a cut or bent
// reply, no TXT answer), fill_answer gives c-ares's answer, error included.
#include "verify/dns/txt_reply.h"

#include <ares.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "verify/dns/answer_reply.h"
#include "verify/dns/dns_test_bytes.h"

namespace vouch::verify::dns {
namespace {

using core::DnsAnswer;
using test::Bytes;

// What c-ares alone made of a TXT reply before read_plain_txt_reply.
DnsAnswer by_cares(const Bytes& m) {
  DnsAnswer out;
  out.kind = DnsAnswer::Kind::kRecords;
  fill_txt_by_cares(out, m.data(), static_cast<int>(m.size()));
  return out;
}

// A TXT reply: the answers' names point at the question's (compressed, as
// servers send them) or repeat it in full.
Bytes reply(const Bytes& qname, const std::vector<std::pair<unsigned, Bytes>>& answers,
            bool compressed) {
  return test::reply_to(qname, 16, answers, {}, !compressed);
}

void expect_as_cares(const Bytes& m, const std::string& what) {
  DnsAnswer got;
  fill_answer(got, core::RecordType::kTxt, ARES_SUCCESS, m.data(), static_cast<int>(m.size()));
  const DnsAnswer want = by_cares(m);
  EXPECT_EQ(got.kind, want.kind) << what;
  EXPECT_EQ(got.records, want.records) << what;
  EXPECT_EQ(got.error, want.error) << what;
}

TEST(TxtReplyTest, ReadsAPlainReplyAsCaresDoes) {
  const Bytes q = test::name("_amazonses.d1.bench.test");
  Bytes two_strings{3, 'a', 'b', 'c', 0, 2, 'd', 'e'};
  const Bytes m = reply(q, {{16, two_strings}, {16, {5, 't', 'o', 'k', 'e', 'n'}}}, true);
  std::vector<std::string> records;
  ASSERT_TRUE(read_plain_txt_reply(m.data(), static_cast<int>(m.size()), &records));
  EXPECT_EQ(records, (std::vector<std::string>{"abcde", "token"}));
  expect_as_cares(m, "plain");
  expect_as_cares(reply(q, {{16, two_strings}}, false), "uncompressed");
}

// The control: what it leaves to c-ares still reads as c-ares reads it.
TEST(TxtReplyTest, LeavesTheRestToCares) {
  const Bytes q = test::name("_amazonses.d1.bench.test");
  std::vector<std::string> records;
  const Bytes odd_name = reply(test::name("sp ace.example"), {{16, {1, 'x'}}}, true);
  EXPECT_FALSE(read_plain_txt_reply(odd_name.data(), static_cast<int>(odd_name.size()), &records));
  expect_as_cares(odd_name, "a name with a space");
  const Bytes no_txt = reply(q, {{5, test::name("x.example")}}, true);
  EXPECT_FALSE(read_plain_txt_reply(no_txt.data(), static_cast<int>(no_txt.size()), &records));
  expect_as_cares(no_txt, "a CNAME only");
  const Bytes bent = reply(q, {{16, {9, 'a'}}}, true);
  EXPECT_FALSE(read_plain_txt_reply(bent.data(), static_cast<int>(bent.size()), &records));
  expect_as_cares(bent, "a string longer than its record");
  EXPECT_TRUE(records.empty());
}

// Random replies, then each byte changed and each length cut: fill_answer
// always agrees with c-ares.
TEST(TxtReplyTest, AgreesWithCaresOnBentReplies) {
  std::mt19937 rng(19);
  const std::string alphabet = "abcXYZ019-_. \\\x01\xc3";
  for (int round = 0; round < 60; ++round) {
    std::string qn;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 20); i < n; ++i) {
      qn += alphabet[rng() % alphabet.size()];
    }
    std::vector<std::pair<unsigned, Bytes>> answers;
    for (int a = 0, n = static_cast<int>(rng() % 4); a < n; ++a) {
      Bytes rdata;
      for (int s = 0, k = static_cast<int>(rng() % 3); s < k; ++s) {
        const auto len = static_cast<unsigned char>(rng() % 6);
        rdata.push_back(len);
        for (unsigned i = 0; i < len; ++i) rdata.push_back(static_cast<unsigned char>(rng()));
      }
      answers.push_back({rng() % 5 ? 16u : 5u, rdata});
    }
    const Bytes m = reply(test::name(qn), answers, rng() % 2);
    expect_as_cares(m, "round " + std::to_string(round));
    for (size_t i = 0; i < m.size(); ++i) {
      Bytes bent = m;
      bent[i] = static_cast<unsigned char>(rng());
      expect_as_cares(bent, "round " + std::to_string(round) + " byte " + std::to_string(i));
      expect_as_cares(Bytes(m.begin(), m.begin() + static_cast<long>(i)),
                      "round " + std::to_string(round) + " cut at " + std::to_string(i));
    }
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace vouch::verify::dns
