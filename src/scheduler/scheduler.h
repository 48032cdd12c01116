// Runs due checks: takes claims whose next_check_at has come, asks the
// DnsResolver (many lookups in flight at once, no thread per check), judges
// the answers, applies the status machine and records the result with
// compare-and-set, so a claim changed meanwhile (re-verified, deleted) is
// never overwritten. In production a background thread drives it; in test
// mode checks run only when asked (run_due, check_now).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/check_runner.h"
#include "core/clock.h"
#include "core/evidence.h"
#include "core/store.h"
#include "core/timer.h"

namespace vouch::scheduler {

struct SchedulerOptions {
  size_t quorum = 0;  // perspectives that must agree; 0: core::default_quorum
  core::Seconds recheck_interval{24 * 3600};
  // Lookups outstanding at once. The background loop keeps this window full,
  // one new lookup per answer, rather than refilling in bursts: a burst larger
  // than a resolver's socket buffer is dropped, and each drop costs a timeout.
  // 128: a loopback knotd under full load dropped queries at 256 (its
  // default 208 KiB receive buffer holds ~250 queued queries), never at 128,
  // which checked as fast (bench/RESULTS.md).
  size_t max_in_flight = 128;
  // Threads recording results. Each takes every result waiting (up to
  // max_record_batch) into one Store::record_checks: one transaction. While
  // one records, another starts only on half a batch: small transactions side
  // by side cost a shared store more per check than one larger one (two
  // PostgreSQL nodes' four writers averaged 142 checks per transaction).
  size_t writers = 2;
  size_t max_record_batch = 1024;
  std::chrono::milliseconds poll_interval{500};
  // A wake (a claim just created) reads what is due at once, unless a read
  // from the top began less than this ago: then when it is this old. Under
  // a stream of creates each read (on a fleet a lease, a transaction taking
  // its turn) and each record then serves the creates of this long, not of
  // a few hundred microseconds: PostgreSQL creates under a quota, one node
  // 0.14 -> 0.11 commits and 111 -> 89 us of the server's CPU per create at
  // 20 ms; at 50 ms two nodes' fsyncs per create 0.041 -> 0.023 against 20,
  // and no change at 100 (bench/RESULTS.md). A lone create is not delayed.
  std::chrono::milliseconds wake_gap{50};
  core::Timer* timer = nullptr;  // what the poll waits on; null: the steady clock
  // With a store other nodes share: due claims are leased for this long
  // (Store::lease_due_claims), so each is checked by one node; a node that
  // dies loses its leases when they run out. 0: no leases, one node.
  core::Seconds lease_for{0};
  // Claims a lease reads ahead at least (otherwise four windows). Each lease
  // is a transaction that takes its turn fleet-wide, and nodes that split
  // one resolver's window between them (bench/fleet/common.sh) would lease
  // twice as often per check with half-size leases: two PostgreSQL nodes at
  // 64 lookups each swept 5% faster at 512 than at 256 (bench/RESULTS.md).
  size_t min_lease = 512;
  // Test mode (--auto-verify-suffix): claims under these suffixes (as
  // core::auto_verify_suffix returns them) are found at every check without
  // a lookup; an address is verified at its first check.
  std::vector<std::string> auto_verify_suffixes;
  // Told each DNS check's outcome as it is recorded (metrics), on a writer
  // thread; must be quick. Email claims, which no lookup checks, are not told.
  std::function<void(core::ClaimKind, core::CheckOutcome)> on_checked;
};

using CheckResult = core::CheckResult;

class Scheduler final : public core::CheckRunner {
 public:
  Scheduler(core::Store& store, core::DnsResolver& resolver, const core::Clock& clock,
            SchedulerOptions options);
  ~Scheduler() override;  // stops the background thread and waits for in-flight checks

  void start_background();
  // Runs every check due now and waits for them; returns how many ran.
  size_t run_due() override;
  // Checks one claim now, whatever its next_check_at, and waits.
  core::Result<CheckResult> check_now(const core::Scope& scope, const std::string& id);
  // The same without waiting: `done` is called once, on a resolver or
  // recording thread (or on this one for an error found at once). A claim
  // already being checked is checked again once that check is recorded.
  void check_now_async(const core::Scope& scope, const std::string& id, CheckDone done) override;
  // A claim became due (e.g. just created): look soon.
  void wake();

  size_t quorum() const;

 private:
  // Who waits for a check: run_due and check_now do; the background sweep
  // does not, and skips the callback's allocation and hand-over.
  using Waiter = std::function<void(CheckResult)>;
  struct Finished {  // a check waiting to be recorded
    core::Claim claim;
    core::Evidence evidence;
    Waiter done;
  };
  // Shared with the lookup's callback, and handed on by pointer: a Finished
  // (a claim, its evidence) moved whole at each hand-over cost ~1% of a sweep.
  using FinishedPtr = std::shared_ptr<Finished>;
  // Reserves the claim (in_flight_) and starts its check.
  std::future<CheckResult> launch(core::Claim claim);
  void launch(core::Claim claim, Waiter done);
  // Starts the check of a reserved claim; `counted`: its lookup is already
  // in lookups_.
  void start(core::Claim claim, Waiter done, bool counted = false);
  void finish(Finished f);
  // Under mu_: queues a result for the writers; true if one should be woken.
  bool push_finished(FinishedPtr f);
  // Results that start a second writer beside a busy one: half a batch.
  size_t record_threshold() const { return std::max<size_t>(1, options_.max_record_batch / 2); }
  void record_batch(std::vector<FinishedPtr>& batch);  // leaves the entries moved from
  // Under mu_: the next queued claim, its lookup counted in lookups_.
  core::Claim take_queued();
  // Due claims from the top (leased when options_.lease_for is set).
  core::Result<std::vector<core::Claim>> read_due(core::TimePoint now, size_t limit);
  // Background: reads the next page of due claims into queued_.
  void refill(std::unique_lock<std::mutex>& lock);
  void background_loop();
  void writer_loop();
  size_t refill_step() const { return std::max<size_t>(1, options_.max_in_flight / 8); }
  // Under mu_: fewer than a window queued, and not too many claims held.
  // Held counts claims waiting to be recorded too: a commit waiting on the
  // disk must not drain the window (at 8 windows it did, and the sweep
  // stalled on each slow fdatasync), but memory stays bounded.
  bool queue_low() const {
    return queued_.size() < low_water() && in_flight_.size() < 32 * options_.max_in_flight;
  }
  // Queued claims below which the next read starts. A lease may wait its
  // turn behind other nodes' (sweep_leases.cc): read ahead by more then.
  size_t low_water() const {
    return options_.lease_for.count() > 0 ? 3 * options_.max_in_flight : options_.max_in_flight;
  }

  core::Store& store_;
  core::DnsResolver& resolver_;
  const core::Clock& clock_;
  const SchedulerOptions options_;
  core::Timer& timer_;

  std::mutex mu_;
  std::condition_variable cv_;          // the background loop, and waits for in_flight_
  std::condition_variable cv_records_;  // writers: finished_ has results
  // Every claim (by seq) with a check queued, looking up, or being recorded.
  std::unordered_set<int64_t> in_flight_;         // GUARDED_BY(mu_)
  std::deque<core::Claim> queued_;                // GUARDED_BY(mu_); reserved, not started
  size_t lookups_ = 0;                            // GUARDED_BY(mu_); outstanding
  std::vector<FinishedPtr> finished_;             // GUARDED_BY(mu_); to record
  size_t recording_ = 0;                          // GUARDED_BY(mu_); writers in record_batch
  std::optional<core::Store::DueCursor> cursor_;  // GUARDED_BY(mu_); the sweep's position
  // While refill() reads the store without mu_, checks recorded meanwhile may
  // come back in its (older) page: they must not start again.
  bool refilling_ = false;                                // GUARDED_BY(mu_)
  std::unordered_set<int64_t> recorded_while_refilling_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                                 // GUARDED_BY(mu_)
  bool writers_stop_ = false;                             // GUARDED_BY(mu_)
  bool woken_ = false;                                    // GUARDED_BY(mu_)
  // check_now_async calls that found their claim in flight: run when it is
  // recorded (or at stop). One per call, and calls are rate-limited upstream.
  std::unordered_map<int64_t, std::vector<std::function<void()>>> again_;  // GUARDED_BY(mu_)
  std::vector<std::thread> writers_;
  std::thread background_;
};

}  // namespace vouch::scheduler
