#include "store/evidence_cache.h"

#include <gtest/gtest.h>

namespace vouch::store {
namespace {

const size_t kEntry = EvidenceCache::cost("id-0", std::string(100, 'e'));

TEST(EvidenceCacheTest, FindPutEraseAndClear) {
  EvidenceCache cache(1 << 20);
  EXPECT_EQ(cache.find("id-1"), nullptr);
  cache.put("id-1", {std::string("{\"a\":1}"), nullptr});
  cache.put("id-2", {std::nullopt, nullptr});  // no evidence yet is an answer too
  ASSERT_NE(cache.find("id-1"), nullptr);
  EXPECT_EQ(cache.find("id-1")->text, "{\"a\":1}");
  ASSERT_NE(cache.find("id-2"), nullptr);
  EXPECT_EQ(cache.find("id-2")->text, std::nullopt);
  EXPECT_EQ(cache.bytes(), EvidenceCache::cost("id-1", std::string("{\"a\":1}")) +
                               EvidenceCache::cost("id-2", std::nullopt));
  cache.put("id-1", {std::string("{\"a\":2}"), nullptr});  // replaced, counted once
  EXPECT_EQ(cache.find("id-1")->text, "{\"a\":2}");
  EXPECT_EQ(cache.entries(), 2u);
  cache.erase("id-1");
  EXPECT_EQ(cache.find("id-1"), nullptr);
  EXPECT_EQ(cache.bytes(), EvidenceCache::cost("id-2", std::nullopt));
  cache.clear();
  EXPECT_EQ(cache.find("id-2"), nullptr);
  EXPECT_EQ((std::pair{cache.entries(), cache.bytes()}), (std::pair<size_t, size_t>{0, 0}));
}

TEST(EvidenceCacheTest, BoundedInBytesKeepingWhatIsRead) {
  EvidenceCache cache(10 * kEntry);  // five entries a generation
  const std::string text(100, 'e');
  for (int i = 0; i < 100; ++i) {
    cache.put("id-" + std::to_string(i % 10), {text, nullptr});
    if (i % 10 == 0) (void)cache.find("id-0");  // read now and then: kept
    EXPECT_LE(cache.bytes(), 10 * kEntry) << i;
  }
  EXPECT_NE(cache.find("id-0"), nullptr);
  EXPECT_LE(cache.entries(), 10u);
  EXPECT_GE(cache.entries(), 5u);
  // Read from the old generation, an entry moves to the young one, counted once.
  size_t total = cache.bytes();
  for (int i = 0; i < 10; ++i) (void)cache.find("id-" + std::to_string(i));
  EXPECT_LE(cache.bytes(), total);
}

TEST(EvidenceCacheTest, AnEntryOverHalfTheBoundOrABoundOfZeroKeepsNothing) {
  EvidenceCache cache(4 * kEntry);
  cache.put("id-big", {std::string(3 * kEntry, 'e'), nullptr});
  EXPECT_EQ(cache.find("id-big"), nullptr);
  cache.put("id-small", {std::string(100, 'e'), nullptr});
  EXPECT_NE(cache.find("id-small"), nullptr);  // the control
  EvidenceCache off(0);
  off.put("id-1", {std::nullopt, nullptr});
  EXPECT_EQ(off.find("id-1"), nullptr);
}

}  // namespace
}  // namespace vouch::store
