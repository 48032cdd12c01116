#include "store/write_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace vouch::store {
namespace {

// Holds the first flush until open(): callers arriving meanwhile queue.
struct FirstFlushGate {
  std::mutex mu;
  std::condition_variable cv;
  bool open_ = false;
  std::atomic<int> flushes{0};

  void pass() {  // in the flush
    if (flushes++ != 0) return;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open_; });
  }
  void wait_held() const {
    while (flushes.load() == 0) std::this_thread::yield();
  }
  void open() {
    {
      std::lock_guard lock(mu);
      open_ = true;
    }
    cv.notify_all();
  }
};

TEST(WriteBatcherTest, AloneIsABatchOfOne) {
  std::vector<size_t> sizes;
  WriteBatcher<int> b(8, [&](std::vector<WriteBatcher<int>::Item*>& batch) {
    sizes.push_back(batch.size());
    for (auto* i : batch) *i->value *= 10;
  });
  int v = 4;
  ASSERT_TRUE(b.write(v).ok());
  EXPECT_EQ(v, 40);
  EXPECT_EQ(sizes, std::vector<size_t>{1});
}

TEST(WriteBatcherTest, WritersWaitingMeanwhileShareABatchAndEachGetsItsStatus) {
  FirstFlushGate gate;  // the first batch holds until the others queue
  std::vector<size_t> sizes;
  WriteBatcher<int> b(64, [&](std::vector<WriteBatcher<int>::Item*>& batch) {
    gate.pass();
    sizes.push_back(batch.size());
    for (auto* i : batch) {
      if (*i->value % 2) i->status = core::internal_error("odd");
    }
  });
  constexpr int kWriters = 9;
  std::vector<int> values(kWriters);
  std::vector<core::Status> got(kWriters);
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    values[0] = 0;
    got[0] = b.write(values[0]);
  });
  gate.wait_held();  // the leader is flushing
  for (int t = 1; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      values[t] = t;
      got[t] = b.write(values[t]);
    });
  }
  // Let the eight queue behind the first batch (bounded wait, no timing asserted).
  for (int spin = 0; spin < 1000; ++spin) std::this_thread::yield();
  gate.open();
  for (auto& th : threads) th.join();
  size_t total = 0;
  for (size_t s : sizes) total += s;
  EXPECT_EQ(total, static_cast<size_t>(kWriters));
  EXPECT_EQ(sizes.front(), 1u);
  for (int t = 0; t < kWriters; ++t) EXPECT_EQ(got[t].ok(), t % 2 == 0) << t;
}

TEST(WriteBatcherTest, ABatchIsNoLargerThanItsMaximum) {
  std::mutex mu;
  std::vector<size_t> sizes;
  WriteBatcher<int> b(3, [&](std::vector<WriteBatcher<int>::Item*>& batch) {
    std::lock_guard lock(mu);
    sizes.push_back(batch.size());
  });
  std::vector<std::thread> threads;
  std::vector<int> values(40);
  for (auto& v : values) threads.emplace_back([&] { EXPECT_TRUE(b.write(v).ok()); });
  for (auto& th : threads) th.join();
  size_t total = 0;
  for (size_t s : sizes) {
    EXPECT_LE(s, 3u);
    total += s;
  }
  EXPECT_EQ(total, values.size());
}

// Under load (the last batch held more than one) the leader lingers before
// taking its batch, and whoever queues meanwhile shares it; a leader after
// a batch of one does not (the first two batches below).
TEST(WriteBatcherTest, AfterABatchOfManyTheLeaderLingersAndMoreShareItsBatch) {
  FirstFlushGate gate;  // the first batch holds until two more queue
  std::vector<size_t> sizes;
  std::atomic<int> lingers{0};
  std::vector<std::thread> joining;
  std::vector<int> values(8);
  WriteBatcher<int>* batcher = nullptr;
  WriteBatcher<int> b(
      64,
      [&](std::vector<WriteBatcher<int>::Item*>& batch) {
        gate.pass();
        sizes.push_back(batch.size());
      },
      [&] {
        // Four more writers arrive while the leader lingers.
        ++lingers;
        for (int t = 4; t < 8; ++t)
          joining.emplace_back([&, t] { (void)batcher->write(values[t]); });
        while (batcher->queued() < 5) std::this_thread::yield();
      });
  batcher = &b;
  std::thread first([&] { (void)b.write(values[0]); });
  gate.wait_held();
  std::thread second([&] { (void)b.write(values[1]); });
  std::thread third([&] { (void)b.write(values[2]); });
  while (b.queued() < 2) std::this_thread::yield();
  gate.open();
  first.join();
  second.join();
  third.join();
  EXPECT_EQ(lingers.load(), 0);  // after batches of one: no wait
  ASSERT_EQ(b.write(values[3]).ok(), true);
  for (auto& th : joining) th.join();
  EXPECT_EQ(lingers.load(), 1);
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 2, 5}));
}

}  // namespace
}  // namespace vouch::store
