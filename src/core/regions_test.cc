#include "core/regions.h"

#include <gtest/gtest.h>

#include <string>

namespace vouch::core {
namespace {

TEST(RegionsTest, TheBuiltInListHoldsAwsPublicRegionsOnly) {
  RegionList aws;
  for (std::string_view r : {"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-7",
                             "mx-central-1", "ca-west-1", "il-central-1", "ap-east-2"}) {
    EXPECT_TRUE(aws.contains(r)) << r;
  }
  for (std::string_view r : {"zz-fake-9", "", "US-EAST-1", "us-east-1 ", "aws-global", "cn-north-1",
                             "us-gov-west-1", "us-east-10"}) {
    EXPECT_FALSE(aws.contains(r)) << r;
  }
  EXPECT_EQ(aws.size(), aws_regions().size());
  for (std::string_view r : aws_regions()) EXPECT_TRUE(valid_region_name(r)) << r;
}

TEST(RegionsTest, AddedAndReplacedLists) {
  RegionList added;
  added.add("zz-fake-9");
  EXPECT_TRUE(added.contains("zz-fake-9"));
  EXPECT_TRUE(added.contains("us-east-1"));

  RegionList only({"zz-fake-9", "eu-west-1"});
  EXPECT_TRUE(only.contains("zz-fake-9"));
  EXPECT_TRUE(only.contains("eu-west-1"));
  EXPECT_FALSE(only.contains("us-east-1"));
  EXPECT_EQ(only.size(), 2u);
}

TEST(RegionsTest, ValidNames) {
  for (std::string_view ok : {"us-east-1", "zz-fake-9", "local", "a", "x1"}) {
    EXPECT_TRUE(valid_region_name(ok)) << ok;
  }
  std::string longest(kMaxRegionName, 'a');
  EXPECT_TRUE(valid_region_name(longest));
  for (std::string_view bad :
       {"", "US-EAST-1", "us_east_1", "-us", "us-", "us/east", "us east", "us.east"}) {
    EXPECT_FALSE(valid_region_name(bad)) << bad;
  }
  EXPECT_FALSE(valid_region_name(longest + "a"));
}

}  // namespace
}  // namespace vouch::core
