// Time comes from a Clock passed in; logic never reads the system time itself,
// so tests and --test-mode can move it.
#pragma once

#include <atomic>
#include <chrono>

#include "core/error.h"

namespace vouch::core {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock a test may move (test mode's, POST /_vouch/test/clock). One kept
// in a shared store can fail to move (the store is down).
class MovableClock : public Clock {
 public:
  // Moves the clock `d` forward; returns the time it now reads.
  virtual Result<TimePoint> move_by(TimePoint::duration d) = 0;
};

// Starts at a given time (default: the real time at construction) and moves
// only when told. Thread-safe.
class ManualClock final : public MovableClock {
 public:
  explicit ManualClock(TimePoint start = std::chrono::system_clock::now())
      : ticks_(start.time_since_epoch().count()) {}
  TimePoint now() const override {
    return TimePoint(TimePoint::duration(ticks_.load(std::memory_order_acquire)));
  }
  void advance(TimePoint::duration d) { ticks_.fetch_add(d.count(), std::memory_order_acq_rel); }
  Result<TimePoint> move_by(TimePoint::duration d) override {
    return TimePoint(
        TimePoint::duration(ticks_.fetch_add(d.count(), std::memory_order_acq_rel) + d.count()));
  }
  void set(TimePoint t) { ticks_.store(t.time_since_epoch().count(), std::memory_order_release); }

 private:
  std::atomic<TimePoint::rep> ticks_;
};

}  // namespace vouch::core
