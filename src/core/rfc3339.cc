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

}  // namespace vouch::core
