// Group commit without a thread of its own: concurrent callers queue their
// item, one of them (the leader) writes everything queued in one go, and the
// others wait for their item's result. On PostgreSQL each create waited for
// its own commit's fsync holding one of the pool's few connections, so the
// pool's size capped creates per second; batched, one commit serves many.
// PostgreSQL's identity reads go through one too: one statement serves many.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "core/error.h"

namespace vouch::store {

template <typename T>
class WriteBatcher {
 public:
  struct Item {
    T* value;
    core::Status status;
    bool done = false;
  };
  // Writes a batch (1 .. max_batch items, in arrival order), setting each
  // item's status; called on a caller's thread, one batch at a time.
  using Flush = std::function<void(std::vector<Item*>& batch)>;

  WriteBatcher(size_t max_batch, Flush flush) : max_batch_(max_batch), flush_(std::move(flush)) {}

  // Queues `value`, and returns its status once a batch has written it.
  core::Status write(T& value) {
    Item me{&value, {}};
    std::unique_lock lock(mu_);
    queue_.push_back(&me);
    cv_.wait(lock, [&] { return me.done || !leading_; });
    if (me.done) return me.status;
    leading_ = true;
    std::vector<Item*> batch;
    // Batches in arrival order until this caller's is written: at most its
    // position in the queue divided by max_batch, whatever arrives later.
    while (!me.done) {
      const size_t n = std::min(queue_.size(), max_batch_);
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      lock.unlock();
      flush_(batch);
      lock.lock();
      for (Item* i : batch) i->done = true;
      cv_.notify_all();
    }
    leading_ = false;
    cv_.notify_all();  // a waiter whose item is queued leads next
    return me.status;
  }

  // Items waiting for a batch (not the one being written): for tests.
  size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  const size_t max_batch_;
  const Flush flush_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Item*> queue_;  // GUARDED_BY(mu_)
  bool leading_ = false;      // GUARDED_BY(mu_)
};

}  // namespace vouch::store
