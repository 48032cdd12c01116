#include "core/rfc3339.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <regex>

namespace vouch::core {
namespace {

using namespace std::chrono;

TimePoint at_ms(int64_t ms) {
  return TimePoint(duration_cast<TimePoint::duration>(milliseconds(ms)));
}

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
  for (int64_t ms :
       {int64_t{0}, int64_t{-86400001}, int64_t{7258118399999}, int64_t{1767227400000}}) {
    EXPECT_TRUE(std::regex_match(format_rfc3339(at_ms(ms)), shape)) << ms;
  }
  EXPECT_EQ(format_rfc3339(at_ms(7258118399999)), "2199-12-31T23:59:59.999Z");
}

// The formatter writes its digits itself; gmtime_r and printf are the reference.
TEST(Rfc3339Test, AgreesWithGmtimeAcrossTheClocksRange) {
  uint64_t x = 88172645463325252ull;  // xorshift: the same spread of times every run
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    // 1685-2255: most of what a nanosecond TimePoint holds, both sides of 1970.
    const int64_t ms = static_cast<int64_t>(x % 18000000000000ull) - 9000000000000;
    std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    const long millis = static_cast<long>(ms - int64_t{secs} * 1000);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&secs, &tm), nullptr);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    ASSERT_EQ(format_rfc3339(at_ms(ms)), want) << ms;
  }
}

TEST(Rfc3339Test, ParseReadsBackWhatFormatWrites) {
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const int64_t ms = static_cast<int64_t>(x % 18000000000000ull) - 9000000000000;
    auto back = parse_rfc3339(format_rfc3339(at_ms(ms)));
    ASSERT_TRUE(back.has_value()) << ms;
    ASSERT_EQ(*back, at_ms(ms)) << ms;
  }
}

TEST(Rfc3339Test, ParseRefusesOtherText) {
  EXPECT_TRUE(parse_rfc3339("2026-11-22T10:41:03.123Z").has_value());  // positive control
  for (const char* bad :
       {"", "2026-11-22T10:41:03Z", "2026-11-22T10:41:03.123+00:00", "2026-13-22T10:41:03.123Z",
        "2026-02-30T10:41:03.123Z", "2026-11-22T24:00:00.000Z", "2026-11-22T10:60:03.123Z",
        "2026-11-22T10:41:03.12xZ", "9999-11-22T10:41:03.123Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vouch::core
