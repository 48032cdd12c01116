// Runs due checks: takes claims whose next_check_at has come, asks the
// TxtResolver (many lookups in flight at once, no thread per check), judges
// the answers, applies the status machine and records the result with
// compare-and-set, so a claim changed meanwhile (re-verified, deleted) is
// never overwritten. In production a background thread drives it; in test
// mode checks run only when asked (run_due, check_now).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/evidence.h"
#include "core/store.h"

namespace vouch::scheduler {

struct SchedulerOptions {
  size_t quorum = 0;            // perspectives that must agree; 0: core::default_quorum
  core::Seconds recheck_interval{24 * 3600};
  size_t max_in_flight = 2000;  // lookups outstanding at once
  // Threads recording results. Each waits for its commit, so this bounds how
  // many results share one group-committed transaction (one fsync).
  size_t writers = 64;
  std::chrono::milliseconds poll_interval{500};
};

struct CheckResult {
  core::Claim claim;        // as recorded (or as found, when the record lost a race)
  core::Evidence evidence;  // empty perspectives for email claims
  bool recorded = false;    // false: the claim changed or vanished meanwhile
};

class Scheduler {
 public:
  Scheduler(core::Store& store, core::TxtResolver& resolver, const core::Clock& clock,
            SchedulerOptions options);
  ~Scheduler();  // stops the background thread and waits for in-flight checks

  void start_background();
  // Runs every check due now and waits for them; returns how many ran.
  size_t run_due();
  // Checks one claim now, whatever its next_check_at, and waits.
  core::Result<CheckResult> check_now(const core::Scope& scope, const std::string& id);
  // A claim became due (e.g. just created): look soon.
  void wake();

  size_t quorum() const;

 private:
  std::future<CheckResult> launch(core::Claim claim);
  void complete(core::Claim claim, core::Evidence evidence, std::promise<CheckResult> done);
  void record(core::Claim claim, core::Evidence evidence, std::promise<CheckResult> done);
  void background_loop();
  void writer_loop();
  void post(std::function<void()> work);

  core::Store& store_;
  core::TxtResolver& resolver_;
  const core::Clock& clock_;
  const SchedulerOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_set<std::string> in_flight_;  // GUARDED_BY(mu_)
  std::deque<std::function<void()>> work_;     // GUARDED_BY(mu_)
  bool stopping_ = false;                      // GUARDED_BY(mu_)
  bool woken_ = false;                         // GUARDED_BY(mu_)
  std::vector<std::thread> writers_;
  std::thread background_;
};

}  // namespace vouch::scheduler
