#include "service/event_pruner.h"

#include <cstdio>

namespace vouch::service {

void EventPruner::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void EventPruner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t EventPruner::pruned() const {
  std::lock_guard lock(mu_);
  return pruned_;
}

void EventPruner::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto n = feed_.prune(clock_.now());
    lock.lock();
    if (n.ok()) {
      pruned_ += *n;
    } else {
      std::fprintf(stderr, "vouch: pruning old events failed: %s\n", n.error().message.c_str());
    }
    cv_.notify_all();
    timer_.wait_until(lock, cv_, timer_.now() + kInterval, [this] { return stopping_; });
  }
}

}  // namespace vouch::service
