// One writer thread that batches concurrent writes into one transaction, so
// many requests share one fsync ("group commit"). Each write runs in its own
// savepoint: one failing write does not undo the others in its batch.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"
#include "store/sqlite/db.h"

namespace vouch::store::sqlite {

class GroupCommit {
 public:
  // A write: runs inside the batch transaction; its Status decides whether its
  // savepoint is kept.
  using Write = std::function<core::Status(Conn&)>;

  explicit GroupCommit(Conn& conn, size_t max_batch = 1024);
  ~GroupCommit();  // finishes queued writes, then stops
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Blocks until the write is durable (committed) or has failed.
  core::Status run(Write write);
  // Several writes queued at once (so they share a commit when they fit in a
  // batch), each in its own savepoint; blocks until all are done and returns
  // each one's Status in order.
  std::vector<core::Status> run_each(std::vector<Write> writes);

 private:
  struct Pending {
    Write write;
    std::promise<core::Status> done;
  };
  void loop();
  void commit_batch(std::deque<Pending>& batch);

  Conn& conn_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;      // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace vouch::store::sqlite
