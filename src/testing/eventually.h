// Waits for work on another thread (a resolver's callback, a background
// loop) to show its effect. Real time only bounds the wait: never use it to
// time a rule; move a ManualClock instead.
#pragma once

#include <chrono>
#include <thread>

namespace vouch::testing {

// Polls `done` every millisecond until it holds (true) or `limit` passes
// (false).
template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace vouch::testing
