#include "service/retention.h"

#include <functional>

#include "core/log.h"

namespace vouch::service {

namespace {

// Up to max_batches calls of `prune_batch` (each deleting at most `batch`
// rows), stopping at the first short batch; adds what went to `total`.
core::Status drain(const RetentionOptions& o, size_t& total,
                   const std::function<core::Result<size_t>(size_t)>& prune_batch) {
  for (int i = 0; i < o.max_batches; ++i) {
    auto n = prune_batch(o.batch);
    if (!n.ok()) return n.error();
    total += *n;
    if (*n < o.batch) break;
  }
  return {};
}

}  // namespace

core::Result<RetentionCounts> Retention::prune_once() {
  RetentionCounts n;
  const auto now = clock_.now();
  core::Status st;
  if (options_.events.count() > 0) {
    st = drain(options_, n.events, [&](size_t limit) {
      return store_.prune_events(now - options_.events, limit, now - options_.webhook_window);
    });
  }
  if (st.ok() && options_.tokens.count() > 0) {
    st = drain(options_, n.tokens,
               [&](size_t limit) { return store_.prune_tokens(now - options_.tokens, limit); });
  }
  if (st.ok() && options_.history_keep > 0) {
    st = drain(options_, n.history,
               [&](size_t limit) { return store_.prune_history(options_.history_keep, limit); });
  }
  if (st.ok() && options_.mail.count() > 0) {
    const auto before = wall_.now() - options_.mail;
    st = drain(options_, n.mail, [&](size_t limit) { return store_.prune_mail(before, limit); });
  }
  add(n);
  if (!st.ok()) return st.error();
  return n;
}

void Retention::add(const RetentionCounts& n) {
  std::lock_guard lock(mu_);
  pruned_.events += n.events;
  pruned_.tokens += n.tokens;
  pruned_.history += n.history;
  pruned_.mail += n.mail;
}

RetentionCounts Retention::pruned() const {
  std::lock_guard lock(mu_);
  return pruned_;
}

void Retention::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Retention::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Retention::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto n = prune_once();
    if (!n.ok()) {
      core::log(core::LogLevel::kError, "retention_failed",
                "pruning old rows failed: " + n.error().message);
    }
    lock.lock();
    timer_.wait_until(lock, cv_, timer_.now() + kInterval, [this] { return stopping_; });
  }
}

}  // namespace vouch::service
