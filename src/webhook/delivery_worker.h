// Drains the webhook outbox (core::WebhookStore): leases due deliveries (each
// webhook's next events after its cursor, and due retry rows), POSTs
// each event signed with its webhook's secret, and records the outcome. 2xx:
// delivered. A timeout, connection error, refused address, 429 or 5xx: retried
// with exponential backoff and jitter until give_up_after past the first
// attempt. 410: given up, and the webhook disabled. Any other status: that
// delivery given up. Deliveries of one (webhook, claim) go out one at a time,
// oldest first (the store hands out at most one per claim in a pass).
//
// Scheduling follows the domain clock (test mode's clock moves retries);
// the signature's timestamp follows the wall clock, which receivers check.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/random.h"
#include "core/store.h"
#include "core/timer.h"
#include "webhook/http_poster.h"

namespace vouch::webhook {

enum class Outcome { kDelivered, kRetry, kFailed, kDisabled };
std::string_view outcome_name(Outcome o);  // "delivered", "retry", "failed", "disabled"

struct WorkerOptions {
  size_t concurrency = 4;  // POSTs in flight at once
  size_t batch = 64;       // deliveries leased per pass
  core::Seconds first_retry{30};
  core::Seconds max_retry{3600};
  core::Seconds give_up_after{24 * 3600};
  core::Seconds lease_for{300};            // > a batch's worst case at the poster's timeouts
  core::Seconds retention{7 * 24 * 3600};  // delivered and failed rows, then pruned
  core::Seconds prune_interval{3600};
  std::chrono::milliseconds poll_interval{1000};
  core::Timer* timer = nullptr;  // what the poll waits on; null: the steady clock
  std::string user_agent = "vouch";
  // Told each attempt's outcome and how long the POST took (metrics).
  std::function<void(Outcome, double seconds)> on_attempt;
};

class DeliveryWorker {
 public:
  DeliveryWorker(core::Store& store, Poster& poster, const core::Clock& domain,
                 const core::Clock& wall, core::Random& random, WorkerOptions options);
  ~DeliveryWorker();  // finishes the pass in progress, then stops

  void start();  // the background loop (not in test mode)
  void wake();   // an event may be waiting

  // One pass after another until one finds nothing due (at most `max_passes`);
  // returns how many deliveries were attempted. The background loop and
  // POST /_vouch/test/run-due-webhooks use it.
  size_t run_due(size_t max_passes = 100);
  // Deletes delivered and failed rows past the retention; returns how many.
  size_t prune();

  // The outcome of one attempt (exposed for tests): `d` as recorded, and
  // whether its webhook is to be disabled. `jitter` in [0, 1) spreads a
  // retry over [delay/2, delay).
  struct Attempted {
    core::WebhookDelivery delivery;
    Outcome outcome = Outcome::kDelivered;
  };
  static Attempted after_attempt(core::WebhookDelivery d, const PostResult& r, core::TimePoint now,
                                 double jitter, const WorkerOptions& o);

 private:
  size_t pass();
  Attempted attempt(const core::DueDelivery& due);
  void loop();
  double jitter();

  core::Store& store_;
  Poster& poster_;
  const core::Clock& domain_;
  const core::Clock& wall_;
  core::Random& random_;
  const WorkerOptions options_;
  core::Timer& timer_;
  std::mutex run_mu_;  // one pass at a time per process
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  bool woken_ = false;     // GUARDED_BY(mu_)
  core::TimePoint next_prune_{};
  std::thread thread_;
};

}  // namespace vouch::webhook
