// fill_answer on hand-built replies: a TXT record's strings are joined and
// records kept apart, MX reads "<preference> <exchange>", a negative answer
// takes its zone's SOA, and a reply that does not parse is an error.
#include "verify/dns/answer_reply.h"

#include <ares.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "verify/dns/dns_question.h"
#include "verify/dns/dns_test_bytes.h"

namespace vouch::verify::dns {
namespace {

using core::DnsAnswer;
using test::Bytes;
using test::name;
using test::u16;

// A reply to `qname` `qtype` with `answers` answer records and `authority`
// authority records, each (type, rdata) owned by the question's name.
Bytes reply(const std::string& qname, unsigned qtype,
            const std::vector<std::pair<unsigned, Bytes>>& answers,
            const std::vector<std::pair<unsigned, Bytes>>& authority = {}) {
  return test::reply_to(name(qname), qtype, answers, authority);
}

Bytes strings(const std::vector<std::string>& parts) {
  Bytes out;
  for (const auto& p : parts) {
    out.push_back(static_cast<unsigned char>(p.size()));
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

DnsAnswer fill(core::RecordType type, int status, const Bytes& m) {
  DnsAnswer a;
  fill_answer(a, type, status, m.data(), static_cast<int>(m.size()));
  return a;
}

TEST(AnswerReplyTest, JoinsTheStringsOfOneTxtRecordAndKeepsRecordsApart) {
  Bytes m = reply("example.com", 16,
                  {{16, strings({"v=spf1 ", "-all"})}, {16, strings({"token"})}});
  DnsAnswer a = fill(core::RecordType::kTxt, ARES_SUCCESS, m);
  EXPECT_EQ(a.kind, DnsAnswer::Kind::kRecords);
  EXPECT_EQ(a.records, (std::vector<std::string>{"v=spf1 -all", "token"}));
}

TEST(AnswerReplyTest, ReadsMxAsPreferenceAndExchange) {
  Bytes rdata;
  u16(rdata, 10);
  Bytes ex = name("feedback-smtp.us-east-1.amazonses.com");
  rdata.insert(rdata.end(), ex.begin(), ex.end());
  DnsAnswer a = fill(core::RecordType::kMx, ARES_SUCCESS,
                     reply("mail.example.com", 15, {{15, rdata}}));
  EXPECT_EQ(a.kind, DnsAnswer::Kind::kRecords);
  EXPECT_EQ(a.records, (std::vector<std::string>{"10 feedback-smtp.us-east-1.amazonses.com"}));
}

TEST(AnswerReplyTest, ANegativeAnswerTakesTheSoaOfItsZone) {
  Bytes soa = name("ns.example.com");
  Bytes admin = name("hostmaster.example.com");
  soa.insert(soa.end(), admin.begin(), admin.end());
  for (unsigned v : {0u, 7u, 0u, 3600u, 0u, 600u, 0u, 86400u, 0u, 60u}) u16(soa, v);
  DnsAnswer a = fill(core::RecordType::kTxt, ARES_ENODATA,
                     reply("example.com", 16, {}, {{6, soa}}));
  EXPECT_EQ(a.kind, DnsAnswer::Kind::kNoData);
  ASSERT_TRUE(a.soa.has_value());
  EXPECT_EQ(a.soa->primary_ns, "ns.example.com");
  EXPECT_EQ(a.soa->serial, 7u);
}

TEST(AnswerReplyTest, AReplyCutShortIsAnErrorAndAWholeOneIsNot) {
  Bytes m = reply("example.com", 16, {{16, strings({"token"})}});
  EXPECT_EQ(fill(core::RecordType::kTxt, ARES_SUCCESS, m).kind, DnsAnswer::Kind::kRecords);
  m.resize(m.size() - 3);
  DnsAnswer cut = fill(core::RecordType::kTxt, ARES_SUCCESS, m);
  EXPECT_EQ(cut.kind, DnsAnswer::Kind::kError);
  EXPECT_TRUE(cut.records.empty());
  EXPECT_FALSE(cut.error.empty());
}

TEST(DnsQuestionTest, KeysAQuestionByLowerCasedNameTypeAndClass) {
  Bytes a = reply("Example.COM", 16, {});
  Bytes b = reply("example.com", 16, {});
  const std::string want("\x07"
                         "example\x03"
                         "com\0\0\x10\0\x01",
                         17);
  EXPECT_EQ(question_of(a.data(), a.size()), want);
  EXPECT_EQ(question_of(a.data(), a.size()), question_of(b.data(), b.size()));
  Bytes mx = reply("example.com", 15, {});
  EXPECT_NE(question_of(mx.data(), mx.size()), question_of(b.data(), b.size()));
}

TEST(DnsQuestionTest, NoKeyForACutOrCompressedQuestion) {
  Bytes m = reply("example.com", 16, {});
  EXPECT_FALSE(question_of(m.data(), m.size()).empty());
  for (size_t n = 0; n < m.size(); ++n) EXPECT_EQ(question_of(m.data(), n), "") << n;
  m[12] = 0xC0;  // a pointer where the name starts
  EXPECT_EQ(question_of(m.data(), m.size()), "");
}

}  // namespace
}  // namespace vouch::verify::dns
