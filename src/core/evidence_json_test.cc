// evidence_text must be exactly what evidence_to_json(e).dump() writes: the
// admin API and stored rows from before it was written by hand hold that text.
#include "core/evidence_json.h"

#include <gtest/gtest.h>

#include <random>

namespace vouch::core {
namespace {

using core::Evidence;
using core::PerspectiveEvidence;

Evidence sample() {
  Evidence e;
  e.at = core::TimePoint(std::chrono::nanoseconds(1'750'000'000'123'456'789));
  e.record_name = "_amazonses.example.com";
  e.expected = "QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=";
  e.quorum = 2;
  e.outcome = core::CheckOutcome::kAbsent;
  e.perspectives = {
      {"127.0.0.1:53", PerspectiveEvidence::Result::kFound, {}, ""},
      {"127.0.0.2:53",
       PerspectiveEvidence::Result::kWrong,
       {"\"quoted\"", "v=spf1 -all"},
       "other values"},
      {"[::1]:53", PerspectiveEvidence::Result::kError, {}, "timeout"},
      {"127.0.0.3:53", PerspectiveEvidence::Result::kAbsent, {}, "NXDOMAIN"},
  };
  return e;
}

TEST(EvidenceTextTest, MatchesTheJsonLibrarysDump) {
  Evidence e = sample();
  EXPECT_EQ(evidence_text(e), evidence_to_json(e).dump());
  for (auto o : {core::CheckOutcome::kFound, core::CheckOutcome::kResolverError}) {
    e.outcome = o;
    EXPECT_EQ(evidence_text(e), evidence_to_json(e).dump());
  }
  e.perspectives.clear();
  EXPECT_EQ(evidence_text(e), evidence_to_json(e).dump());
}

TEST(EvidenceTextTest, EscapesLikeTheJsonLibraryForEveryByte) {
  Evidence e = sample();
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  e.perspectives[1].seen = {all, std::string("\0nul", 4), "tab\there\\back\"slash",
                            "Bücher 日本語 🚀"};
  e.record_name = all;
  e.expected = "\x7f\xc3\x28\xed\xa0\x80\xf4\x90\x80\x80";  // DEL, then invalid UTF-8
  EXPECT_EQ(evidence_text(e), evidence_to_json(e).dump());

  std::mt19937 rng(7);  // random bytes: invalid sequences of every kind
  for (int round = 0; round < 300; ++round) {
    std::string s(rng() % 40, '\0');
    for (auto& ch : s) ch = static_cast<char>(rng());
    e.perspectives[2].detail = s;
    e.perspectives[1].seen = {s, s + "x"};
    ASSERT_EQ(evidence_text(e), evidence_to_json(e).dump()) << round;
  }
}

// Plain text is scanned eight bytes at a time: one byte to escape (or not
// ASCII) at every offset of a block, and of the tail after the blocks.
TEST(EvidenceTextTest, EscapesAByteAtEveryOffset) {
  Evidence e = sample();
  std::vector<std::string> specials = {"\"", "\\", "\x7f", "\x80", "\xc3\xa9", "\xff", " ", "~"};
  for (int c = 0; c < 0x20; ++c) specials.push_back(std::string(1, static_cast<char>(c)));
  for (const std::string& special : specials) {
    for (size_t at = 0; at < 27; ++at) {
      std::string s(26, 'a');
      s.insert(at, special);
      e.expected = s;
      e.perspectives[0].detail = s.substr(0, at + 1);
      ASSERT_EQ(evidence_text(e), evidence_to_json(e).dump())
          << ::testing::PrintToString(special) << " at " << at;
    }
  }
}

// The admin view reads stored evidence back once, as typed data.
TEST(EvidenceFromTextTest, ReadsBackWhatEvidenceTextWrites) {
  const Evidence e = sample();
  auto back = evidence_from_text(evidence_text(e));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->at,
            std::chrono::floor<std::chrono::milliseconds>(e.at));  // stored to the millisecond
  EXPECT_EQ(back->record_name, e.record_name);
  EXPECT_EQ(back->expected, e.expected);
  EXPECT_EQ(back->quorum, e.quorum);
  EXPECT_EQ(back->outcome, core::CheckOutcome::kAbsent);
  ASSERT_EQ(back->perspectives.size(), e.perspectives.size());
  for (size_t i = 0; i < e.perspectives.size(); ++i) {
    EXPECT_EQ(back->perspectives[i].resolver, e.perspectives[i].resolver);
    EXPECT_EQ(back->perspectives[i].result, e.perspectives[i].result);
    EXPECT_EQ(back->perspectives[i].seen, e.perspectives[i].seen);
    EXPECT_EQ(back->perspectives[i].detail, e.perspectives[i].detail);
  }
  EXPECT_EQ(evidence_text(*back), evidence_text(e));  // the same text again
  for (auto o : {core::CheckOutcome::kFound, core::CheckOutcome::kResolverError}) {
    Evidence f = sample();
    f.outcome = o;
    EXPECT_EQ(evidence_from_text(evidence_text(f))->outcome, o);
  }
}

// The zone's SOA rides along when the resolver learnt it; without one the
// text is as before (rows written earlier read back the same).
TEST(EvidenceTextTest, KeepsTheSoa) {
  Evidence e = sample();
  const std::string without = evidence_text(e);
  EXPECT_EQ(without.find("soa"), std::string::npos);
  EXPECT_FALSE(evidence_from_text(without)->soa.has_value());
  e.soa = core::Soa{"ns1.example.com", "hostmaster.example.com", 4294967295u};
  EXPECT_EQ(evidence_text(e), evidence_to_json(e).dump());
  auto back = evidence_from_text(evidence_text(e));
  ASSERT_TRUE(back && back->soa);
  EXPECT_EQ(*back->soa, *e.soa);
}

TEST(EvidenceFromTextTest, RefusesWhatIsNotEvidence) {
  EXPECT_TRUE(evidence_from_text(evidence_text(sample())).has_value());  // positive control
  EXPECT_FALSE(evidence_from_text("{}").has_value());                    // what email claims store
  EXPECT_FALSE(evidence_from_text("not json").has_value());
  EXPECT_FALSE(evidence_from_text("[1,2]").has_value());
  EXPECT_FALSE(evidence_from_text(R"({"at":"yesterday","perspectives":[]})").has_value());
  EXPECT_FALSE(
      evidence_from_text(R"({"at":"2026-01-01T00:00:00.000Z","perspectives":[7]})").has_value());
}

}  // namespace
}  // namespace vouch::core
