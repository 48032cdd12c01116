#include "cli/shared_clock.h"

#include <charconv>
#include <string>

#include "cli/shared_secrets.h"

namespace vouch::cli {

namespace {

std::string text_of(core::TimePoint t) { return std::to_string(t.time_since_epoch().count()); }

core::Result<core::TimePoint> parse(const std::string& text) {
  core::TimePoint::rep ns = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ns);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return core::invalid_argument(std::string("the store's setting ") + kTestClockSetting +
                                  " is damaged: expected nanoseconds since the epoch, got '" +
                                  text + "'");
  }
  return core::TimePoint(core::TimePoint::duration(ns));
}

}  // namespace

core::Result<std::unique_ptr<SharedTestClock>> SharedTestClock::open(core::SettingStore& settings,
                                                                     core::TimePoint start) {
  auto stored = settings.put_setting_if_absent(kTestClockSetting, text_of(start));
  if (!stored.ok()) return stored.error();
  auto t = parse(*stored);
  if (!t.ok()) return t.error();
  return std::unique_ptr<SharedTestClock>(new SharedTestClock(settings, *t));
}

core::Result<core::TimePoint> SharedTestClock::read() const {
  auto stored = settings_.get_setting(kTestClockSetting);
  if (!stored.ok()) return stored.error();
  if (!*stored) return core::TimePoint(core::TimePoint::duration(last_.load()));  // not yet
  auto t = parse(**stored);
  if (t.ok()) last_.store(t->time_since_epoch().count());
  return t;
}

core::TimePoint SharedTestClock::now() const {
  auto t = read();
  return t.ok() ? *t : core::TimePoint(core::TimePoint::duration(last_.load()));
}

core::Result<core::TimePoint> SharedTestClock::move_by(core::TimePoint::duration d) {
  std::lock_guard lock(move_);
  auto t = read();
  if (!t.ok()) return t.error();
  const core::TimePoint moved = *t + d;
  if (auto s = settings_.put_setting(kTestClockSetting, text_of(moved)); !s.ok()) return s.error();
  last_.store(moved.time_since_epoch().count());
  return moved;
}

}  // namespace vouch::cli
