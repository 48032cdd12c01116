// SigV4 dates: both formats read, and a well-formed date the clock cannot
// hold (found by fuzz/sigv4_fuzz.cc: year 1013 overflowed) is clamped.
#include "auth/time_format.h"

#include <gtest/gtest.h>

namespace vouch::auth {
namespace {

TEST(TimeFormatTest, ReadsBothFormatsToTheSameTime) {
  auto amz = parse_amz_date("20150830T123600Z");
  auto http = parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT");
  ASSERT_TRUE(amz.has_value());
  ASSERT_TRUE(http.has_value());
  EXPECT_EQ(*amz, *http);
  EXPECT_EQ(format_amz_date(*amz), "20150830T123600Z");
  EXPECT_FALSE(parse_amz_date("20150830T123600").has_value());
  EXPECT_FALSE(parse_amz_date("20150230T123600Z").has_value());  // no 30 February
}

TEST(TimeFormatTest, YearsTheClockCannotHoldAreClampedNotOverflowed) {
  auto early = parse_amz_date("10130602T223226Z");
  auto late = parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT");
  ASSERT_TRUE(early.has_value());
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(format_amz_date(*early), "17000101T000000Z");
  EXPECT_EQ(format_amz_date(*late), "22000101T000000Z");
  // Dates the clock holds are read as they are.
  EXPECT_EQ(format_amz_date(*parse_amz_date("17000101T000001Z")), "17000101T000001Z");
  EXPECT_EQ(format_amz_date(*parse_amz_date("21991231T235959Z")), "21991231T235959Z");
}

}  // namespace
}  // namespace vouch::auth
