#include "core/rfc3339.h"

#include <chrono>
#include <string>

namespace vouch::core {

std::string format_rfc3339(TimePoint t) {
  // Digits written directly: gmtime_r and snprintf cost more than the rest of
  // a check's evidence text (the scheduler formats one per check).
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{ms - day};
  char buf[32];
  auto put = [&buf](size_t at, long long v, size_t width) {
    for (size_t i = width; i-- > 0; v /= 10) buf[at + i] = static_cast<char>('0' + v % 10);
  };
  const int y = static_cast<int>(ymd.year());  // 1677-2262: a TimePoint counts nanoseconds
  put(0, y, 4);
  buf[4] = '-';
  put(5, static_cast<unsigned>(ymd.month()), 2);
  buf[7] = '-';
  put(8, static_cast<unsigned>(ymd.day()), 2);
  buf[10] = 'T';
  put(11, hms.hours().count(), 2);
  buf[13] = ':';
  put(14, hms.minutes().count(), 2);
  buf[16] = ':';
  put(17, hms.seconds().count(), 2);
  buf[19] = '.';
  put(20, hms.subseconds().count(), 3);
  buf[23] = 'Z';
  return std::string(buf, 24);
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z') {
    return std::nullopt;
  }
  bool ok = true;
  auto get = [&](size_t at, size_t width) {
    long long v = 0;
    for (size_t i = at; i < at + width; ++i) {
      if (text[i] < '0' || text[i] > '9') ok = false;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const year_month_day ymd{year{static_cast<int>(get(0, 4))},
                           month{static_cast<unsigned>(get(5, 2))},
                           day{static_cast<unsigned>(get(8, 2))}};
  const long long h = get(11, 2), m = get(14, 2), s = get(17, 2), ms = get(20, 3);
  if (!ok || !ymd.ok() || h > 23 || m > 59 || s > 59) return std::nullopt;
  // A TimePoint counts nanoseconds in 64 bits: 1678 to 2261 fit.
  if (ymd.year() < year{1678} || ymd.year() > year{2261}) return std::nullopt;
  return TimePoint{sys_days{ymd}.time_since_epoch() + hours{h} + minutes{m} + seconds{s} +
                   milliseconds{ms}};
}

}  // namespace vouch::core
