// judge(): how each perspective's answer is read (found / absent / wrong /
// error, with its detail and the values seen), and the quorum verdict for
// every combination of readings across 1-7 perspectives, against the default
// quorum and against every explicit quorum.
#include "core/evidence.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace vouch::core {
namespace {

using Kind = DnsAnswer::Kind;
using R = PerspectiveEvidence::Result;

const TimePoint kNow = TimePoint(std::chrono::seconds(1'750'000'000));
const std::string kName = "_amazonses.example.com";
const std::string kToken = "pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=";

DnsAnswer answer(Kind kind, std::vector<std::string> records = {}, std::string error = {},
                 std::string resolver = "127.0.0.1:53") {
  DnsAnswer a;
  a.resolver = std::move(resolver);
  a.kind = kind;
  a.records = std::move(records);
  a.error = std::move(error);
  return a;
}

PerspectiveEvidence read_one(const DnsAnswer& a, const std::string& expected = kToken) {
  Evidence e = judge({a}, kName, expected, 1, kNow);
  EXPECT_EQ(e.perspectives.size(), 1u);
  return e.perspectives.empty() ? PerspectiveEvidence{} : e.perspectives[0];
}

// ---------------------------------------------------------------------------
// One perspective's reading

TEST(EvidenceRead, ExactRecordIsFound) {
  auto p = read_one(answer(Kind::kRecords, {kToken}, {}, "10.0.0.1:5353"));
  EXPECT_EQ(p.result, R::kFound);
  EXPECT_EQ(p.resolver, "10.0.0.1:5353");
  EXPECT_TRUE(p.seen.empty());
  EXPECT_EQ(p.detail, "TXT records");
}

TEST(EvidenceRead, AnyOneOfSeveralRecordsMatches) {
  EXPECT_EQ(read_one(answer(Kind::kRecords, {"v=spf1 -all", kToken, "other"})).result, R::kFound);
  EXPECT_EQ(read_one(answer(Kind::kRecords, {"a", "b", kToken})).result, R::kFound);
}

TEST(EvidenceRead, MatchIsExactAndCaseSensitive) {
  std::string lower = kToken;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const std::string& v : {lower, "\"" + kToken + "\"", kToken + " ", " " + kToken,
                               kToken.substr(1), kToken + kToken, std::string{}}) {
    auto p = read_one(answer(Kind::kRecords, {v}));
    EXPECT_EQ(p.result, R::kWrong) << "value [" << v << "]";
    ASSERT_EQ(p.seen.size(), 1u);
    EXPECT_EQ(p.seen[0], v);
  }
}

TEST(EvidenceRead, WrongListsEverySeenValueInOrder) {
  auto p = read_one(answer(Kind::kRecords, {"one", "two", "three"}));
  EXPECT_EQ(p.result, R::kWrong);
  EXPECT_EQ(p.seen, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(EvidenceRead, SeenValuesAreCutTo100Characters) {
  const std::string long_value(300, 'x');
  const std::string exactly_100(100, 'y');
  const std::string just_over = std::string(100, 'z') + "!";
  auto p = read_one(answer(Kind::kRecords, {long_value, exactly_100, just_over, "short"}));
  EXPECT_EQ(p.result, R::kWrong);
  ASSERT_EQ(p.seen.size(), 4u);
  EXPECT_EQ(p.seen[0], std::string(100, 'x'));
  EXPECT_EQ(p.seen[1], exactly_100);
  EXPECT_EQ(p.seen[2], std::string(100, 'z'));
  EXPECT_EQ(p.seen[3], "short");
}

TEST(EvidenceRead, TheCutCountsCharactersNotBytes) {
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "\xC3\xA9";                             // é, 2 bytes
  const std::string euro_at_100 = std::string(99, 'a') + "\xE2\x82\xAC" + "tail";  // € is 3 bytes
  const std::string emoji = std::string(99, 'b') + "\xF0\x9F\x98\x80\xF0\x9F\x98\x80";
  const std::string broken = std::string(99, 'c') + "\xE2\x82" + "dd";  // € without its last byte
  const std::string latin1 = std::string(110, '\xE9');                  // é in Latin-1: not UTF-8
  auto p = read_one(answer(Kind::kRecords, {accents, euro_at_100, emoji, broken, latin1}));
  ASSERT_EQ(p.seen.size(), 5u);
  std::string hundred_accents;
  for (int i = 0; i < 100; ++i) hundred_accents += "\xC3\xA9";
  EXPECT_EQ(p.seen[0], hundred_accents);
  EXPECT_EQ(p.seen[1], std::string(99, 'a') + "\xE2\x82\xAC");
  EXPECT_EQ(p.seen[2], std::string(99, 'b') + "\xF0\x9F\x98\x80");
  EXPECT_EQ(p.seen[3], std::string(99, 'c') + "\xE2");
  EXPECT_EQ(p.seen[4], std::string(100, '\xE9'));
}

TEST(EvidenceRead, LongExpectedValueIsMatchedInFull) {
  // The cut applies to what is shown, never to the comparison.
  const std::string expected = std::string(150, 'a');
  EXPECT_EQ(read_one(answer(Kind::kRecords, {expected}), expected).result, R::kFound);
  auto p = read_one(answer(Kind::kRecords, {std::string(149, 'a') + "b"}), expected);
  EXPECT_EQ(p.result, R::kWrong);
  ASSERT_EQ(p.seen.size(), 1u);
  EXPECT_EQ(p.seen[0], std::string(100, 'a'));
}

TEST(EvidenceRead, AbsentKinds) {
  auto nx = read_one(answer(Kind::kNxDomain));
  EXPECT_EQ(nx.result, R::kAbsent);
  EXPECT_EQ(nx.detail, "NXDOMAIN");
  auto nodata = read_one(answer(Kind::kNoData));
  EXPECT_EQ(nodata.result, R::kAbsent);
  EXPECT_EQ(nodata.detail, "no TXT records");
  // A "records" answer that holds none is no data, not a wrong value.
  auto empty = read_one(answer(Kind::kRecords, {}));
  EXPECT_EQ(empty.result, R::kAbsent);
  EXPECT_EQ(empty.detail, "no TXT records");
  EXPECT_TRUE(empty.seen.empty());
  // A name the resolver will never look up (too long for DNS): no answer can
  // ever hold the record, so it is absent and the claim fails in time.
  auto bad = read_one(answer(Kind::kBadName, {}, "Misformatted domain name"));
  EXPECT_EQ(bad.result, R::kAbsent);
  EXPECT_EQ(bad.detail, "not a valid DNS name");
  Evidence e = judge({answer(Kind::kBadName), answer(Kind::kBadName)}, kName, kToken, 2, kNow);
  EXPECT_EQ(e.outcome, CheckOutcome::kAbsent);
}

TEST(EvidenceRead, ErrorKindsAreNoConclusion) {
  struct Case {
    Kind kind;
    std::string error;
    std::string detail;
  } cases[] = {
      {Kind::kServFail, "", "SERVFAIL"},
      {Kind::kRefused, "", "REFUSED"},
      {Kind::kTimeout, "", "timeout"},
      {Kind::kError, "", "error"},
      {Kind::kError, "Misformatted DNS reply", "error: Misformatted DNS reply"},
      {Kind::kServFail, "upstream broken", "SERVFAIL: upstream broken"},
  };
  for (const auto& c : cases) {
    // Records attached to an error answer are ignored.
    auto p = read_one(answer(c.kind, {kToken}, c.error));
    EXPECT_EQ(p.result, R::kError) << c.detail;
    EXPECT_EQ(p.detail, c.detail);
    EXPECT_TRUE(p.seen.empty());
  }
}

TEST(EvidenceJudge, CarriesItsContext) {
  Evidence e = judge(
      {answer(Kind::kRecords, {kToken}, {}, "a:1"), answer(Kind::kNxDomain, {}, {}, "b:2")}, kName,
      kToken, 0, kNow);
  EXPECT_EQ(e.at, kNow);
  EXPECT_EQ(e.record_name, kName);
  EXPECT_EQ(e.expected, kToken);
  EXPECT_EQ(e.quorum, 1u);  // 0 is raised to 1
  ASSERT_EQ(e.perspectives.size(), 2u);
  EXPECT_EQ(e.perspectives[0].resolver, "a:1");  // in the order of the answers
  EXPECT_EQ(e.perspectives[1].resolver, "b:2");
  EXPECT_EQ(e.outcome, CheckOutcome::kFound);
}

TEST(EvidenceJudge, TakesTheFirstSoaAnyPerspectiveLearnt) {
  auto none = answer(Kind::kNxDomain, {}, {}, "a:1");
  auto with = answer(Kind::kNxDomain, {}, {}, "b:2");
  with.soa = Soa{"ns1.example.com", "hostmaster.example.com", 7};
  auto other = with;
  other.soa->serial = 8;
  EXPECT_FALSE(judge({none}, kName, kToken, 1, kNow).soa.has_value());
  auto e = judge({none, with, other}, kName, kToken, 1, kNow);
  ASSERT_TRUE(e.soa.has_value());
  EXPECT_EQ(e.soa->serial, 7u);
}

TEST(EvidenceJudge, NoAnswersIsNoConclusion) {
  Evidence e = judge({}, kName, kToken, 1, kNow);
  EXPECT_EQ(e.outcome, CheckOutcome::kResolverError);
  EXPECT_TRUE(e.perspectives.empty());
  EXPECT_EQ(e.quorum, 1u);
}

TEST(EvidenceJudge, QuorumIsClampedToThePerspectives) {
  std::vector<DnsAnswer> three(3, answer(Kind::kRecords, {kToken}));
  EXPECT_EQ(judge(three, kName, kToken, 0, kNow).quorum, 1u);
  EXPECT_EQ(judge(three, kName, kToken, 3, kNow).quorum, 3u);
  EXPECT_EQ(judge(three, kName, kToken, 7, kNow).quorum, 3u);
  EXPECT_EQ(judge(three, kName, kToken, 7, kNow).outcome, CheckOutcome::kFound);
}

TEST(EvidenceQuorum, DefaultQuorum) {
  EXPECT_EQ(default_quorum(0), 0u);
  EXPECT_EQ(default_quorum(1), 1u);
  EXPECT_EQ(default_quorum(2), 2u);
  EXPECT_EQ(default_quorum(3), 2u);
  EXPECT_EQ(default_quorum(4), 3u);
  EXPECT_EQ(default_quorum(5), 4u);
  EXPECT_EQ(default_quorum(6), 4u);
  EXPECT_EQ(default_quorum(7), 5u);
  EXPECT_EQ(default_quorum(20), 18u);
}

// Spelled-out cases, read as a person would.
TEST(EvidenceJudge, HandPickedVerdicts) {
  auto f = answer(Kind::kRecords, {kToken});
  auto a = answer(Kind::kNxDomain);
  auto w = answer(Kind::kRecords, {"nope"});
  auto e = answer(Kind::kTimeout);
  auto v = [&](std::vector<DnsAnswer> as, size_t q) {
    return judge(as, kName, kToken, q, kNow).outcome;
  };
  // One resolver.
  EXPECT_EQ(v({f}, 1), CheckOutcome::kFound);
  EXPECT_EQ(v({a}, 1), CheckOutcome::kAbsent);
  EXPECT_EQ(v({w}, 1), CheckOutcome::kAbsent);
  EXPECT_EQ(v({e}, 1), CheckOutcome::kResolverError);
  // Two resolvers, default quorum 2: they must agree.
  EXPECT_EQ(v({f, f}, 2), CheckOutcome::kFound);
  EXPECT_EQ(v({f, a}, 2), CheckOutcome::kAbsent);
  EXPECT_EQ(v({f, e}, 2), CheckOutcome::kResolverError);
  EXPECT_EQ(v({a, e}, 2), CheckOutcome::kAbsent);  // even if the error had found it: 1 < 2
  EXPECT_EQ(v({f, a}, 1), CheckOutcome::kFound);
  EXPECT_EQ(v({e, a}, 1), CheckOutcome::kResolverError);
  // Three, default quorum 2.
  EXPECT_EQ(v({f, f, a}, 2), CheckOutcome::kFound);
  EXPECT_EQ(v({f, e, a}, 2), CheckOutcome::kResolverError);
  EXPECT_EQ(v({f, w, a}, 2), CheckOutcome::kAbsent);
  EXPECT_EQ(v({e, e, e}, 2), CheckOutcome::kResolverError);
  EXPECT_EQ(v({e, e, a}, 2), CheckOutcome::kResolverError);
  EXPECT_EQ(v({e, a, a}, 2), CheckOutcome::kAbsent);
  // Seven, default quorum 5.
  EXPECT_EQ(v({f, f, f, f, f, a, a}, 5), CheckOutcome::kFound);
  EXPECT_EQ(v({f, f, f, f, e, a, a}, 5), CheckOutcome::kResolverError);
  EXPECT_EQ(v({f, f, f, e, w, a, a}, 5), CheckOutcome::kAbsent);
}

// Every combination of readings for 1..7 perspectives (4^n of them), with the
// default quorum and every explicit quorum 0..n+1.
TEST(EvidenceJudge, EveryCombinationUpToSevenPerspectives) {
  const DnsAnswer kinds[4] = {
      answer(Kind::kRecords, {"unrelated", kToken}),  // found
      answer(Kind::kNoData),                          // absent
      answer(Kind::kRecords, {"wrong value"}),        // wrong
      answer(Kind::kServFail),                        // error
  };
  const R results[4] = {R::kFound, R::kAbsent, R::kWrong, R::kError};
  size_t checked = 0;
  for (size_t n = 1; n <= 7; ++n) {
    size_t combos = 1;
    for (size_t i = 0; i < n; ++i) combos *= 4;
    for (size_t code = 0; code < combos; ++code) {
      std::vector<DnsAnswer> answers;
      std::vector<R> want;
      size_t found = 0, errors = 0;
      for (size_t i = 0, c = code; i < n; ++i, c /= 4) {
        answers.push_back(kinds[c % 4]);
        answers.back().resolver = "r" + std::to_string(i);
        want.push_back(results[c % 4]);
        found += c % 4 == 0;
        errors += c % 4 == 3;
      }
      std::vector<size_t> quorums = {default_quorum(n)};
      for (size_t q = 0; q <= n + 1; ++q) quorums.push_back(q);
      for (size_t q : quorums) {
        const size_t effective = std::min(std::max<size_t>(q, 1), n);
        CheckOutcome expected = found >= effective           ? CheckOutcome::kFound
                                : found + errors < effective ? CheckOutcome::kAbsent
                                                             : CheckOutcome::kResolverError;
        Evidence e = judge(answers, kName, kToken, q, kNow);
        ASSERT_EQ(e.outcome, expected) << "n=" << n << " code=" << code << " q=" << q
                                       << " found=" << found << " errors=" << errors;
        ASSERT_EQ(e.quorum, effective);
        ASSERT_EQ(e.perspectives.size(), n);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(e.perspectives[i].result, want[i])
              << "n=" << n << " code=" << code << " i=" << i;
          ASSERT_EQ(e.perspectives[i].resolver, "r" + std::to_string(i));
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100000u);
}

// Monotonic: turning one non-found perspective into found never makes the
// verdict worse; turning an error into absent never makes it "found".
TEST(EvidenceJudge, MoreAgreementNeverHurts) {
  const DnsAnswer f = answer(Kind::kRecords, {kToken});
  const DnsAnswer others[3] = {answer(Kind::kNxDomain), answer(Kind::kRecords, {"x"}),
                               answer(Kind::kTimeout)};
  auto rank = [](CheckOutcome o) {
    return o == CheckOutcome::kAbsent ? 0 : o == CheckOutcome::kResolverError ? 1 : 2;
  };
  for (size_t n = 1; n <= 5; ++n) {
    size_t combos = 1;
    for (size_t i = 0; i < n; ++i) combos *= 4;
    for (size_t code = 0; code < combos; ++code) {
      std::vector<DnsAnswer> as;
      for (size_t i = 0, c = code; i < n; ++i, c /= 4)
        as.push_back(c % 4 == 0 ? f : others[c % 4 - 1]);
      const auto base = judge(as, kName, kToken, default_quorum(n), kNow).outcome;
      for (size_t i = 0; i < n; ++i) {
        auto up = as;
        up[i] = f;
        EXPECT_GE(rank(judge(up, kName, kToken, default_quorum(n), kNow).outcome), rank(base));
      }
    }
  }
}

}  // namespace
}  // namespace vouch::core
