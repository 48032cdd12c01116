// A core::Timer whose time moves only when a test says so. A loop waiting on
// it for a poll interval wakes when advance() passes its deadline (or when
// its own condition holds), never because real time went by.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>

#include "core/timer.h"

namespace vouch::testing {

class FakeTimer final : public core::Timer {
 public:
  Instant now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }

  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Instant deadline,
                  const std::function<bool()>& pred) override {
    waits_.fetch_add(1, std::memory_order_acq_rel);
    add(&cv);
    bool held;
    for (;;) {
      checks_.fetch_add(1, std::memory_order_acq_rel);
      if ((held = pred()) || now() >= deadline) break;
      parked_.fetch_add(1, std::memory_order_acq_rel);
      // advance() notifies without the waiter's mutex (taking it would
      // invert the lock order), so a notify can fall between the check and
      // the wait; the short real wait only bounds that, it times nothing.
      cv.wait_for(lock, std::chrono::milliseconds(2));
      parked_.fetch_sub(1, std::memory_order_acq_rel);
    }
    remove(&cv);
    return held;
  }

  void advance(std::chrono::steady_clock::duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
    for (auto* cv : waiting_) cv->notify_all();
  }

  // Calls of wait_until so far: a loop that spins makes many.
  uint64_t waits() const { return waits_.load(std::memory_order_acquire); }
  // Times a waiter looked at its condition: grows while one is parked.
  uint64_t checks() const { return checks_.load(std::memory_order_acquire); }
  // Waiters now blocked (their condition false, their deadline ahead).
  int parked() const { return parked_.load(std::memory_order_acquire); }

 private:
  void add(std::condition_variable* cv) {
    std::lock_guard lock(mu_);
    waiting_.insert(cv);
  }
  void remove(std::condition_variable* cv) {
    std::lock_guard lock(mu_);
    waiting_.erase(waiting_.find(cv));
  }

  mutable std::mutex mu_;
  Instant now_{std::chrono::hours(1)};
  std::multiset<std::condition_variable*> waiting_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> waits_{0};
  std::atomic<uint64_t> checks_{0};
  std::atomic<int> parked_{0};
};

}  // namespace vouch::testing
