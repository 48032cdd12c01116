// Test mode's clock on a shared store: kept in the store's settings
// (test_clock, nanoseconds since the epoch) and read by every node, so that
// POST /_vouch/test/clock on one node moves every node's clock. Test mode
// only: each reading is a round trip to the store, nothing is cached.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "core/clock.h"
#include "core/store.h"

namespace vouch::cli {

class SharedTestClock final : public core::MovableClock {
 public:
  // The stored clock, or `start` stored when none is (the fleet's first node).
  static core::Result<std::unique_ptr<SharedTestClock>> open(core::SettingStore& settings,
                                                             core::TimePoint start);

  // The stored time; while the store does not answer, the last time read.
  core::TimePoint now() const override;
  // Moves the stored time. Two nodes moving it at the same instant may lose
  // one of the moves (settings have no compare-and-set); tests move it from
  // one client, one request at a time.
  core::Result<core::TimePoint> move_by(core::TimePoint::duration d) override;

 private:
  SharedTestClock(core::SettingStore& settings, core::TimePoint t)
      : settings_(settings), last_(t.time_since_epoch().count()) {}
  core::Result<core::TimePoint> read() const;

  core::SettingStore& settings_;
  mutable std::atomic<core::TimePoint::rep> last_;
  std::mutex move_;  // this node's moves one at a time
};

}  // namespace vouch::cli
