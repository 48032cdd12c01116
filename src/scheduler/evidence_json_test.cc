// evidence_text must be exactly what evidence_to_json(e).dump() writes: the
// admin API and stored rows from before it was written by hand hold that text.
#include "scheduler/evidence_json.h"

#include <gtest/gtest.h>

#include <random>

namespace vouch::scheduler {
namespace {

using core::Evidence;
using core::PerspectiveEvidence;

Evidence sample() {
  Evidence e;
  e.at = core::TimePoint(std::chrono::nanoseconds(1'750'000'000'123'456'789));
  e.record_name = "_amazonses.example.com";
  e.expected = "QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=";
  e.quorum = 2;
  e.outcome = core::Outcome::kAbsent;
  e.perspectives = {
      {"127.0.0.1:53", PerspectiveEvidence::Result::kFound, {}, ""},
      {"127.0.0.2:53", PerspectiveEvidence::Result::kWrong, {"\"quoted\"", "v=spf1 -all"}, "other values"},
      {"[::1]:53", PerspectiveEvidence::Result::kError, {}, "timeout"},
      {"127.0.0.3:53", PerspectiveEvidence::Result::kAbsent, {}, "NXDOMAIN"},
  };
  return e;
}

TEST(EvidenceTextTest, MatchesTheJsonLibrarysDump) {
  Evidence e = sample();
  EXPECT_EQ(evidence_text(e), evidence_to_json(e).dump());
  for (auto o : {core::Outcome::kFound, core::Outcome::kResolverError}) {
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
  e.perspectives[1].seen = {all, std::string("\0nul", 4), "tab\there\\back\"slash", "Bücher 日本語 🚀"};
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

}  // namespace
}  // namespace vouch::scheduler
