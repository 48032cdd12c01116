#include "auth/time_format.h"

#include <algorithm>
#include <array>
#include <chrono>

namespace vouch::auth {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::seconds;
using std::chrono::sys_days;

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<vouch::core::TimePoint> make_time(int y, int mo, int d, int h, int mi, int s) {
  std::chrono::year_month_day ymd{std::chrono::year(y),
                                  std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::chrono::sys_seconds t = sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                               seconds(s);
  // TimePoint counts nanoseconds in 64 bits (years 1678 to 2262): a
  // well-formed date beyond (year 1013) is clamped to 1700 or 2200, as far
  // outside any skew window, rather than overflow.
  static constexpr std::chrono::sys_seconds kEarliest{sys_days(std::chrono::year(1700) / 1 / 1)};
  static constexpr std::chrono::sys_seconds kLatest{sys_days(std::chrono::year(2200) / 1 / 1)};
  t = std::clamp(t, kEarliest, kLatest);
  return vouch::core::TimePoint(
      std::chrono::duration_cast<vouch::core::TimePoint::duration>(t.time_since_epoch()));
}

void put(std::string& out, unsigned v, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

}  // namespace

std::string format_amz_date(vouch::core::TimePoint t) {
  auto secs = floor<seconds>(t);
  auto day = floor<days>(secs);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{secs - day};
  std::string out;
  out.reserve(16);
  put(out, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  put(out, static_cast<unsigned>(ymd.month()), 2);
  put(out, static_cast<unsigned>(ymd.day()), 2);
  out.push_back('T');
  put(out, static_cast<unsigned>(hms.hours().count()), 2);
  put(out, static_cast<unsigned>(hms.minutes().count()), 2);
  put(out, static_cast<unsigned>(hms.seconds().count()), 2);
  out.push_back('Z');
  return out;
}

std::optional<vouch::core::TimePoint> parse_amz_date(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  if (!digits(s, 0, 4, &y) || !digits(s, 4, 2, &mo) || !digits(s, 6, 2, &d) ||
      !digits(s, 9, 2, &h) || !digits(s, 11, 2, &mi) || !digits(s, 13, 2, &sec)) {
    return std::nullopt;
  }
  return make_time(y, mo, d, h, mi, sec);
}

// "Sun, 30 Aug 2015 12:36:00 GMT" (RFC 1123, the only form clients send).
std::optional<vouch::core::TimePoint> parse_http_date(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  int d, y, h, mi, sec;
  if (!digits(s, 5, 2, &d) || !digits(s, 12, 4, &y) || !digits(s, 17, 2, &h) ||
      !digits(s, 20, 2, &mi) || !digits(s, 23, 2, &sec)) {
    return std::nullopt;
  }
  std::string_view mon = s.substr(8, 3);
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (mon == kMonths[i]) return make_time(y, static_cast<int>(i) + 1, d, h, mi, sec);
  }
  return std::nullopt;
}

}  // namespace vouch::auth
