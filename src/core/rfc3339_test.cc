#include "core/rfc3339.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>

namespace vouch::core {
namespace {

using namespace std::chrono;

TimePoint at_ms(int64_t ms) { return TimePoint(duration_cast<TimePoint::duration>(milliseconds(ms))); }

TEST(Rfc3339Test, Epoch) { EXPECT_EQ(format_rfc3339(TimePoint{}), "1970-01-01T00:00:00.000Z"); }

TEST(Rfc3339Test, FormatsMilliseconds) {
  EXPECT_EQ(format_rfc3339(at_ms(1683322529339)), "2023-05-05T21:35:29.339Z");
  EXPECT_EQ(format_rfc3339(at_ms(1)), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(format_rfc3339(at_ms(999)), "1970-01-01T00:00:00.999Z");
  EXPECT_EQ(format_rfc3339(at_ms(1000)), "1970-01-01T00:00:01.000Z");
}

TEST(Rfc3339Test, TruncatesSubMillisecondPrecision) {
  TimePoint t = at_ms(1767225600123) + microseconds(999);
  EXPECT_EQ(format_rfc3339(t), "2026-01-01T00:00:00.123Z");
}

TEST(Rfc3339Test, LeapDayAndEndOfYear) {
  // 2024-02-29T23:59:59.999Z
  EXPECT_EQ(format_rfc3339(at_ms(1709251199999)), "2024-02-29T23:59:59.999Z");
  // 1999-12-31T23:59:59.000Z
  EXPECT_EQ(format_rfc3339(at_ms(946684799000)), "1999-12-31T23:59:59.000Z");
}

TEST(Rfc3339Test, BeforeNineteenSeventyFloorsTheSecond) {
  EXPECT_EQ(format_rfc3339(at_ms(-1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(at_ms(-1000)), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_rfc3339(at_ms(-1500)), "1969-12-31T23:59:58.500Z");
  // 1900-01-01T00:00:00.250Z
  EXPECT_EQ(format_rfc3339(at_ms(-2208988800000 + 250)), "1900-01-01T00:00:00.250Z");
}

TEST(Rfc3339Test, AlwaysTheSameShape) {
  const std::regex shape("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
  for (int64_t ms : {int64_t{0}, int64_t{-86400001}, int64_t{7258118399999}, int64_t{1767227400000}}) {
    EXPECT_TRUE(std::regex_match(format_rfc3339(at_ms(ms)), shape)) << ms;
  }
  EXPECT_EQ(format_rfc3339(at_ms(7258118399999)), "2199-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace vouch::core
