// Keeps what grows with time bounded: once per interval (on the injected
// timer), and on demand, one pass deletes status-change events past their
// retention, client tokens past their window, history beyond each claim's
// newest entries and, where no delivery worker does it, old sent and failed
// mail. Each table gets at most max_batches statements of `batch` rows per
// pass, so a large backlog never holds the writer long; the next pass
// continues. What is still needed stays: a claim and its last evidence, a
// token inside its window, queued mail.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/store.h"
#include "core/timer.h"

namespace vouch::service {

struct RetentionOptions {
  core::Seconds events{7 * 24 * 3600};
  core::Seconds tokens = core::CreateRules{}.token_window;  // past it a token answers nothing
  size_t history_keep = 100;  // status changes kept per claim; 0 keeps all
  core::Seconds mail{0};      // sent and failed mail, on the wall clock; 0: not pruned here
  size_t batch = 1000;
  int max_batches = 100;
  // Events a webhook has not passed outlive `events` within this (its retries' span).
  core::Seconds webhook_window{24 * 3600};
};

// Rows deleted, per table.
struct RetentionCounts {
  size_t events = 0;
  size_t tokens = 0;
  size_t history = 0;
  size_t mail = 0;
};

class Retention {
 public:
  static constexpr std::chrono::minutes kInterval{60};

  // `clock`: the domain's (events, tokens; the test clock in test mode);
  // `wall`: the mail cooldown's, which mail retention follows.
  Retention(core::Store& store, const core::Clock& clock, const core::Clock& wall,
            RetentionOptions options, core::Timer& timer = core::steady_timer())
      : store_(store), clock_(clock), wall_(wall), options_(options), timer_(timer) {}
  ~Retention() { stop(); }
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // One pass now, on the caller's thread; the first error ends it.
  core::Result<RetentionCounts> prune_once();
  void start();
  void stop();
  RetentionCounts pruned() const;  // in total, since construction

 private:
  void loop();
  void add(const RetentionCounts& n);

  core::Store& store_;
  const core::Clock& clock_;
  const core::Clock& wall_;
  const RetentionOptions options_;
  core::Timer& timer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  RetentionCounts pruned_;
  std::thread thread_;
};

}  // namespace vouch::service
