// Batches on a thread of its own, for callers that must not wait (an I/O
// thread serving many connections): a caller queues an item with its
// completion and goes on; the queue's thread takes what is queued (up to
// max_batch, in arrival order), flushes it in one go and calls each item's
// completion there. One batch is in flight at a time, so the items queued
// meanwhile make the next. (WriteBatcher is the same for callers that wait:
// one of them leads.) A caller that wants to wait uses wait(). The flush and
// the completions run on the queue's thread and must not throw.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace vouch::store {

template <typename T>
class BatchQueue {
 public:
  // Writes a batch (1 .. max_batch items), setting each item's result.
  using Flush = std::function<void(std::vector<T*>& batch)>;
  using Done = std::function<void(T&)>;

  BatchQueue(size_t max_batch, Flush flush)
      : max_batch_(max_batch), flush_(std::move(flush)), thread_([this] { run(); }) {}
  // Flushes what is queued, then stops.
  ~BatchQueue() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  // Queues `item`; `done` is called with it on the queue's thread once its
  // batch is flushed.
  void submit(T item, Done done) {
    bool wake;
    {
      std::lock_guard lock(mu_);
      wake = queue_.empty() && !flushing_;
      queue_.push_back({std::move(item), std::move(done)});
    }
    if (wake) cv_.notify_one();
  }

  // Queues `item` and returns it flushed. On the queue's own thread (a
  // completion that reads again) it is flushed there at once, alone: waiting
  // for itself would never end.
  T wait(T item) {
    if (std::this_thread::get_id() == thread_.get_id()) {
      std::vector<T*> batch{&item};
      flush_(batch);
      return item;
    }
    std::promise<T> flushed;
    auto out = flushed.get_future();
    submit(std::move(item), [&flushed](T& t) { flushed.set_value(std::move(t)); });
    return out.get();
  }

  // Items waiting for a batch (not the one being flushed): for tests.
  size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  struct Entry {
    T value;
    Done done;
  };

  void run() {
    std::vector<Entry> taken;
    std::vector<T*> batch;
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      const size_t n = std::min(queue_.size(), max_batch_);
      taken.clear();
      for (size_t i = 0; i < n; ++i) {
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      flushing_ = true;
      lock.unlock();
      batch.clear();
      for (auto& e : taken) batch.push_back(&e.value);
      flush_(batch);
      for (auto& e : taken) e.done(e.value);
      lock.lock();
      flushing_ = false;
    }
  }

  const size_t max_batch_;
  const Flush flush_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> queue_;  // GUARDED_BY(mu_)
  bool flushing_ = false;    // GUARDED_BY(mu_); no wake-up needed while set
  bool stopping_ = false;    // GUARDED_BY(mu_)
  std::thread thread_;       // last: starts once the rest is set
};

}  // namespace vouch::store
