// SoaCache with a hand-moved clock: expiry at the TTL or the cap, the bound
// on entries (oldest out first), the walk up a name's ancestors (only into a
// zone known to hold names, never across a nearer zone) and one cache per
// perspective. Each miss sits beside a hit that shows the entry is there.
#include "verify/dns/soa_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace vouch::verify::dns {
namespace {

using namespace std::chrono_literals;

struct SoaCacheTest : ::testing::Test {
  std::chrono::nanoseconds now{1h};
  SoaCache make(size_t perspectives = 1, std::chrono::seconds cap = 300s, size_t entries = 100) {
    return SoaCache(perspectives, cap, entries, [this] { return now; });
  }
};

SoaRecord record(const std::string& zone, uint32_t serial, uint32_t ttl = 3600,
                 bool in_answer = false) {
  return SoaRecord{{"ns." + zone, "hostmaster." + zone, serial}, zone, ttl, in_answer};
}

// Learnt from a NODATA answer about a name in the zone.
void learn(SoaCache& c, const std::string& zone, uint32_t serial, uint32_t ttl = 3600,
           size_t perspective = 0) {
  c.put(perspective, "name." + zone, record(zone, serial, ttl));
}

TEST_F(SoaCacheTest, AnEntryLivesItsTtlWhenShorterThanTheCap) {
  auto c = make();
  learn(c, "example.com", 7, 60);
  now += 59s;
  ASSERT_TRUE(c.find(0, "a.example.com"));
  EXPECT_EQ(c.find(0, "a.example.com")->serial, 7u);
  now += 1s;
  EXPECT_FALSE(c.find(0, "a.example.com"));
}

TEST_F(SoaCacheTest, AnEntryLivesTheCapWhenShorterThanItsTtl) {
  auto c = make(1, 300s);
  learn(c, "example.com", 7, 86400);
  now += 299s;
  EXPECT_TRUE(c.find(0, "a.example.com"));
  now += 1s;
  EXPECT_FALSE(c.find(0, "a.example.com"));
  learn(c, "example.com", 8, 86400);  // learnt again
  EXPECT_EQ(c.find(0, "a.example.com")->serial, 8u);
}

TEST_F(SoaCacheTest, CapZeroOrTtlZeroKeepsNothing) {
  auto on = make(1, 300s);
  auto off = make(1, 0s);
  learn(on, "example.com", 7);
  learn(off, "example.com", 7);
  EXPECT_TRUE(on.find(0, "a.example.com"));
  EXPECT_FALSE(off.find(0, "a.example.com"));
  EXPECT_EQ(off.size(), 0u);
  learn(on, "example.org", 7, 0);
  EXPECT_FALSE(on.find(0, "a.example.org"));
}

TEST_F(SoaCacheTest, TheOldestEntryGoesPastTheBound) {
  auto c = make(1, 300s, 2);
  learn(c, "a.test", 1);
  now += 1s;
  learn(c, "b.test", 2);
  now += 1s;
  learn(c, "c.test", 3);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_FALSE(c.find(0, "x.a.test"));
  EXPECT_TRUE(c.find(0, "x.b.test"));
  EXPECT_TRUE(c.find(0, "x.c.test"));
  // Relearning one many times keeps both the entries and the queue bounded.
  for (int i = 0; i < 1000; ++i) {
    now += 301s;
    learn(c, "b.test", 2);
  }
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(c.find(0, "x.b.test"));
}

TEST_F(SoaCacheTest, ANameIsInTheNearestZoneAboveItThatHoldsNames) {
  auto c = make();
  learn(c, "example.com", 7);
  EXPECT_EQ(c.find(0, "example.com")->serial, 7u);
  EXPECT_EQ(c.find(0, "d1.example.com")->serial, 7u);
  EXPECT_EQ(c.find(0, "a.b.c.example.com")->serial, 7u);
  EXPECT_EQ(c.find(0, "D1.Example.COM.")->serial, 7u);
  EXPECT_FALSE(c.find(0, "example.org"));
  EXPECT_FALSE(c.find(0, "xexample.com"));
  EXPECT_FALSE(c.find(0, "com"));
}

TEST_F(SoaCacheTest, AZoneSeenOnlyAtItsApexAnswersForItsApexAlone) {
  auto c = make();
  c.put(0, "example.com", record("example.com", 7, 3600, /*in_answer=*/true));
  EXPECT_EQ(c.find(0, "example.com")->serial, 7u);
  EXPECT_FALSE(c.find(0, "child.example.com"));  // might be a delegated zone
  // A negative answer about a name below it shows the zone holds names.
  c.put(0, "_amazonses.sub.example.com", record("example.com", 8));
  EXPECT_EQ(c.find(0, "child.example.com")->serial, 8u);
}

TEST_F(SoaCacheTest, ANearerZoneIsNeverCrossed) {
  auto c = make();
  learn(c, "example.com", 7);
  c.put(0, "child.example.com", record("child.example.com", 9, 60, /*in_answer=*/true));
  EXPECT_EQ(c.find(0, "child.example.com")->serial, 9u);
  EXPECT_EQ(c.find(0, "other.example.com")->serial, 7u);
  // Below the child's apex: not known to hold names, and not the parent's.
  EXPECT_FALSE(c.find(0, "x.child.example.com"));
  now += 60s;  // the child's entry expired: still a cut, not the parent's zone
  EXPECT_FALSE(c.find(0, "child.example.com"));
  EXPECT_FALSE(c.find(0, "x.child.example.com"));
  EXPECT_EQ(c.find(0, "other.example.com")->serial, 7u);
}

TEST_F(SoaCacheTest, EachPerspectiveHasItsOwn) {
  auto c = make(2);
  learn(c, "example.com", 7, 3600, 0);
  EXPECT_EQ(c.find(0, "a.example.com")->serial, 7u);
  EXPECT_FALSE(c.find(1, "a.example.com"));
  learn(c, "example.com", 8, 3600, 1);
  EXPECT_EQ(c.find(0, "a.example.com")->serial, 7u);
  EXPECT_EQ(c.find(1, "a.example.com")->serial, 8u);
  EXPECT_FALSE(c.find(2, "a.example.com"));  // no such perspective
}

TEST_F(SoaCacheTest, AnSoaForAZoneAboveNeitherTheNameNorItsApexIsIgnored) {
  auto c = make();
  // An answer about attacker.example naming victim.example's (or the TLD's)
  // SOA: neither holds the name asked about.
  c.put(0, "attacker.example", record("victim.example", 66, 3600, true));
  c.put(0, "x.attacker.example", record("other.example", 67));
  EXPECT_FALSE(c.find(0, "victim.example"));
  EXPECT_FALSE(c.find(0, "a.other.example"));
  EXPECT_EQ(c.size(), 0u);
  // Control: the same zones learnt from their own names are kept.
  c.put(0, "victim.example", record("victim.example", 1, 3600, true));
  c.put(0, "x.other.example", record("other.example", 2));
  ASSERT_TRUE(c.find(0, "victim.example"));
  EXPECT_EQ(c.find(0, "victim.example")->serial, 1u);
  ASSERT_TRUE(c.find(0, "a.other.example"));
  EXPECT_EQ(c.find(0, "a.other.example")->serial, 2u);
}

}  // namespace
}  // namespace vouch::verify::dns
