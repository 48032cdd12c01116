#include "store/sqlite/group_commit.h"

#include <pthread.h>

#include <exception>
#include <string>

namespace vouch::store::sqlite {

GroupCommit::GroupCommit(Conn& conn, size_t max_batch)
    : conn_(conn), max_batch_(max_batch), thread_([this] { loop(); }) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

core::Status GroupCommit::run(Write write) {
  std::future<core::Status> result;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return core::Error{core::ErrorCode::kUnavailable, "store is closing", {}, {}};
    queue_.push_back(Pending{std::move(write), {}});
    result = queue_.back().done.get_future();
  }
  cv_.notify_one();
  return result.get();
}

std::vector<core::Status> GroupCommit::run_each(std::vector<Write> writes) {
  std::vector<std::future<core::Status>> results;
  results.reserve(writes.size());
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return std::vector<core::Status>(
          writes.size(), core::Error{core::ErrorCode::kUnavailable, "store is closing", {}, {}});
    }
    for (auto& w : writes) {
      queue_.push_back(Pending{std::move(w), {}});
      results.push_back(queue_.back().done.get_future());
    }
  }
  cv_.notify_one();
  std::vector<core::Status> out;
  out.reserve(results.size());
  for (auto& r : results) out.push_back(r.get());
  return out;
}

void GroupCommit::loop() {
  pthread_setname_np(pthread_self(), "vouch-commit");  // named for top -H
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(batch);
  }
}

void GroupCommit::commit_batch(std::deque<Pending>& batch) {
  auto fail_all = [&](const core::Error& e) {
    for (auto& p : batch) p.done.set_value(e);
  };
  if (auto s = conn_.exec("BEGIN IMMEDIATE"); !s.ok()) return fail_all(s.error());
  std::vector<core::Status> results;
  results.reserve(batch.size());
  for (auto& p : batch) {
    core::Status s = conn_.exec("SAVEPOINT w");
    if (s.ok()) {
      // A write that throws (e.g. a value the row mapping cannot encode) fails
      // alone, like any failing write, instead of ending the writer thread.
      try {
        s = p.write(conn_);
      } catch (const std::exception& e) {
        s = core::internal_error(std::string("write failed: ") + e.what());
      } catch (...) {
        s = core::internal_error("write failed");
      }
      // Undo only this write; a failed rollback poisons the batch.
      if (!s.ok() && !conn_.exec("ROLLBACK TO w").ok()) {
        (void)conn_.exec("ROLLBACK");
        return fail_all(s.error());
      }
      if (auto r = conn_.exec("RELEASE w"); !r.ok() && s.ok()) s = r;
    }
    results.push_back(std::move(s));
  }
  if (auto s = conn_.exec("COMMIT"); !s.ok()) {
    (void)conn_.exec("ROLLBACK");
    return fail_all(s.error());
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done.set_value(std::move(results[i]));
}

}  // namespace vouch::store::sqlite
