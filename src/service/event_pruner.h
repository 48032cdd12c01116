// Keeps the events table bounded: every hour (on the injected timer),
// EventFeed::prune deletes what is past the retention.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/timer.h"
#include "service/event_feed.h"

namespace vouch::service {

class EventPruner {
 public:
  static constexpr std::chrono::minutes kInterval{60};

  EventPruner(EventFeed& feed, const core::Clock& clock, core::Timer& timer = core::steady_timer())
      : feed_(feed), clock_(clock), timer_(timer) {}
  ~EventPruner() { stop(); }
  EventPruner(const EventPruner&) = delete;
  EventPruner& operator=(const EventPruner&) = delete;

  void start();
  void stop();
  size_t pruned() const;  // in total, since start

 private:
  void loop();

  EventFeed& feed_;
  const core::Clock& clock_;
  core::Timer& timer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  size_t pruned_ = 0;
  std::thread thread_;
};

}  // namespace vouch::service
