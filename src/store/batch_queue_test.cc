#include "store/batch_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace vouch::store {
namespace {

struct Doubled {
  int in = 0;
  int out = 0;
};

// A flush that holds its first batch until released, counting batch sizes.
class Gate {
 public:
  void flush(std::vector<Doubled*>& batch) {
    std::unique_lock lock(mu_);
    if (sizes_.empty()) {
      holding_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    sizes_.push_back(batch.size());
    for (auto* d : batch) d->out = 2 * d->in;
  }
  void wait_holding() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return holding_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<size_t> sizes() {
    std::lock_guard lock(mu_);
    return sizes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool holding_ = false, released_ = false;
  std::vector<size_t> sizes_;
};

TEST(BatchQueueTest, SubmitReturnsAtOnceAndItemsQueuedMeanwhileShareTheNextBatch) {
  Gate gate;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> results(9, -1);
  std::vector<std::thread::id> done_on;
  int completed = 0;
  {
    BatchQueue<Doubled> q(64, [&](std::vector<Doubled*>& b) { gate.flush(b); });
    auto done = [&](Doubled& d) {
      std::lock_guard lock(mu);
      results[static_cast<size_t>(d.in)] = d.out;
      done_on.push_back(std::this_thread::get_id());
      ++completed;
      cv.notify_all();
    };
    q.submit({0, 0}, done);
    gate.wait_holding();  // the first batch is in flight and held
    // Each submit returns while the flush is held: none waits for its batch.
    for (int i = 1; i < 9; ++i) q.submit({i, 0}, done);
    EXPECT_EQ(q.queued(), 8u);
    {
      std::lock_guard lock(mu);
      EXPECT_EQ(completed, 0);
    }
    gate.release();
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return completed == 9; });
  }
  EXPECT_EQ(gate.sizes(), (std::vector<size_t>{1, 8}));
  for (int i = 0; i < 9; ++i) EXPECT_EQ(results[static_cast<size_t>(i)], 2 * i);
  for (auto id : done_on) EXPECT_NE(id, std::this_thread::get_id());  // on the queue's thread
}

TEST(BatchQueueTest, BatchesAreCappedAtMaxBatch) {
  Gate gate;
  std::atomic<int> completed{0};
  {
    BatchQueue<Doubled> q(3, [&](std::vector<Doubled*>& b) { gate.flush(b); });
    q.submit({0, 0}, [&](Doubled&) { ++completed; });
    gate.wait_holding();
    for (int i = 1; i <= 7; ++i) q.submit({i, 0}, [&](Doubled&) { ++completed; });
    gate.release();
  }  // the destructor flushes what is queued before it returns
  EXPECT_EQ(completed.load(), 8);
  EXPECT_EQ(gate.sizes(), (std::vector<size_t>{1, 3, 3, 1}));
}

TEST(BatchQueueTest, WaitReturnsTheFlushedItemAndACompletionMayWaitAgain) {
  BatchQueue<Doubled>* self = nullptr;
  std::vector<size_t> sizes;
  BatchQueue<Doubled> q(8, [&](std::vector<Doubled*>& b) {
    sizes.push_back(b.size());
    for (auto* d : b) d->out = 2 * d->in;
  });
  self = &q;
  EXPECT_EQ(q.wait({21, 0}).out, 42);
  // A completion runs on the queue's thread: its own wait is flushed there,
  // alone, instead of waiting for the thread it is on.
  std::promise<int> again;
  q.submit({1, 0}, [&](Doubled&) { again.set_value(self->wait({5, 0}).out); });
  EXPECT_EQ(again.get_future().get(), 10);
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 1, 1}));
}

}  // namespace
}  // namespace vouch::store
