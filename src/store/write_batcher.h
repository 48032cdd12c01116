// Group commit without a thread of its own: concurrent callers queue their
// item, one of them (the leader) writes everything queued in one go, and the
// others wait for their item's result, each woken alone when its batch is
// written (not every waiter at each batch: 4-12% more batched reads at 16-64
// threads, bench/RESULTS.md). On PostgreSQL each create waited for
// its own commit's fsync holding one of the pool's few connections, so the
// pool's size capped creates per second; batched, one commit serves many.
// (PostgreSQL's identity reads, whose callers may not wait, use BatchQueue.)
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
    bool lead = false;           // handed the lead by the caller that led before
    std::condition_variable cv;  // this caller's alone: a batch wakes its own
  };
  // Writes a batch (1 .. max_batch items, in arrival order), setting each
  // item's status; called on a caller's thread, one batch at a time.
  using Flush = std::function<void(std::vector<Item*>& batch)>;

  // Called by a leader, unlocked, before it takes a batch, when the last
  // batch held more than one item (others are writing too): a moment's wait
  // lets more callers join the batch. Alone, a caller does not wait.
  using Linger = std::function<void()>;

  WriteBatcher(size_t max_batch, Flush flush, Linger linger = {})
      : max_batch_(max_batch), flush_(std::move(flush)), linger_(std::move(linger)) {}

  // Queues `value`, and returns its status once a batch has written it.
  core::Status write(T& value) {
    Item me{&value, {}};
    std::unique_lock lock(mu_);
    queue_.push_back(&me);
    if (leading_) {
      me.cv.wait(lock, [&] { return me.done || me.lead; });
      if (me.done) return me.status;
    }
    leading_ = true;
    std::vector<Item*> batch;
    // Batches in arrival order until this caller's is written: at most its
    // position in the queue divided by max_batch, whatever arrives later.
    while (!me.done) {
      if (linger_ && last_size_ > 1 && queue_.size() < max_batch_) {
        lock.unlock();
        linger_();
        lock.lock();
      }
      const size_t n = std::min(queue_.size(), max_batch_);
      last_size_ = n;
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      lock.unlock();
      flush_(batch);
      lock.lock();
      // Under the lock: a caller woken early cannot return (and take its
      // item's cv with it) before this is done.
      for (Item* i : batch) {
        i->done = true;
        if (i != &me) i->cv.notify_one();
      }
    }
    // The next queued caller leads; with none, the next to arrive does.
    if (queue_.empty()) {
      leading_ = false;
    } else {
      queue_.front()->lead = true;
      queue_.front()->cv.notify_one();
    }
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
  const Linger linger_;
  mutable std::mutex mu_;
  size_t last_size_ = 0;      // GUARDED_BY(mu_); the last batch's items
  std::vector<Item*> queue_;  // GUARDED_BY(mu_)
  bool leading_ = false;      // GUARDED_BY(mu_)
};

}  // namespace vouch::store
