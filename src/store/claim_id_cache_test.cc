#include "store/claim_id_cache.h"

#include <gtest/gtest.h>

namespace vouch::store {
namespace {

std::shared_ptr<const core::Claim> claim(int n, const std::string& subject) {
  auto c = std::make_shared<core::Claim>();
  c->id = "dv-" + std::to_string(n);
  c->scope = {"111122223333", "us-east-1"};
  c->subject = subject;
  return c;
}

const std::string kKeyA = "111122223333\x1fus-east-1\x1f"
                          "a.example";

TEST(ClaimIdCacheTest, FindsWhatWasPutAndForgetsWhatWasErased) {
  ClaimIdCache cache(8);
  cache.put(claim(1, "a.example"));
  ASSERT_NE(cache.find("dv-1"), nullptr);
  EXPECT_EQ(cache.find("dv-1")->subject, "a.example");
  EXPECT_EQ(cache.find("dv-2"), nullptr);
  cache.put(claim(1, "a.example"));  // again: replaces
  EXPECT_EQ(cache.entries(), 1u);
  cache.erase("dv-1");
  EXPECT_EQ(cache.find("dv-1"), nullptr);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(ClaimIdCacheTest, AKeyFindsEveryClaimOfItsSubjectAndScope) {
  ClaimIdCache cache(8);
  cache.put(claim(1, "a.example"));
  cache.put(claim(2, "a.example"));
  cache.put(claim(3, "b.example"));
  auto other_region = std::make_shared<core::Claim>(*claim(4, "a.example"));
  other_region->scope.region = "eu-west-1";
  cache.put(other_region);
  cache.erase_key(kKeyA);
  EXPECT_EQ(cache.find("dv-1"), nullptr);
  EXPECT_EQ(cache.find("dv-2"), nullptr);
  EXPECT_NE(cache.find("dv-3"), nullptr);  // the controls
  EXPECT_NE(cache.find("dv-4"), nullptr);
  EXPECT_EQ(cache.entries(), 2u);
  cache.erase_key(kKeyA);  // nothing left under it
  cache.clear();
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(ClaimIdCacheTest, TwoGenerationsOfTheCapacityAtMost) {
  ClaimIdCache cache(4);
  for (int i = 0; i < 100; ++i) {
    cache.put(claim(i, "d" + std::to_string(i % 7) + ".example"));
    EXPECT_LE(cache.entries(), 8u);
  }
  EXPECT_EQ(cache.find("dv-0"), nullptr);
  EXPECT_NE(cache.find("dv-99"), nullptr);
  // The index holds only what is cached: a retired claim's key, erased, leaves
  // the cached ones of other keys.
  for (int k = 0; k < 7; ++k) {
    cache.erase_key("111122223333\x1fus-east-1\x1f"
                    "d" +
                    std::to_string(k) + ".example");
  }
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(ClaimIdCacheTest, AClaimInUseOutlivesARetirement) {
  ClaimIdCache cache(2);
  cache.put(claim(1, "a.example"));
  cache.put(claim(2, "b.example"));
  cache.put(claim(3, "c.example"));        // 1 and 2 are now the old generation
  ASSERT_NE(cache.find("dv-1"), nullptr);  // back to the young one
  cache.put(claim(4, "d.example"));        // retires 2; young {4}, old {3, 1}
  cache.put(claim(5, "e.example"));
  EXPECT_NE(cache.find("dv-1"), nullptr);
  EXPECT_EQ(cache.find("dv-2"), nullptr);
  cache.erase_key(kKeyA);  // its index entry came along
  EXPECT_EQ(cache.find("dv-1"), nullptr);
}

TEST(ClaimIdCacheTest, NoCapacityKeepsNothing) {
  ClaimIdCache cache(0);
  cache.put(claim(1, "a.example"));
  EXPECT_EQ(cache.find("dv-1"), nullptr);
  EXPECT_EQ(cache.entries(), 0u);
}

}  // namespace
}  // namespace vouch::store
