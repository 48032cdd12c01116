// How background loops wait for their next poll. Production waits on the
// steady clock; tests pass testing::FakeTimer and move it, so that a poll
// interval is a step a test takes, not a real sleep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace vouch::core {

class Timer {
 public:
  using Instant = std::chrono::steady_clock::time_point;
  virtual ~Timer() = default;
  virtual Instant now() const = 0;
  // As cv.wait_until(lock, deadline, pred), with the deadline on this
  // timer's time; returns pred().
  virtual bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          Instant deadline, const std::function<bool()>& pred) = 0;
};

class SteadyTimer final : public Timer {
 public:
  Instant now() const override { return std::chrono::steady_clock::now(); }
  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Instant deadline,
                  const std::function<bool()>& pred) override {
    return cv.wait_until(lock, deadline, pred);
  }
};

// The one the loops use when given none.
inline Timer& steady_timer() {
  static SteadyTimer timer;
  return timer;
}

}  // namespace vouch::core
