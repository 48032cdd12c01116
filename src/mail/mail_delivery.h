// Drains the durable outbox through a Mailer, off the request path. A message
// leaves the outbox only once the SMTP server accepted it (kSent) or refused
// it for good (5xx: kFailed, with the reply kept); 4xx replies and connection
// failures are retried with backoff. Delivery follows the real time, also in
// test mode.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/mail.h"
#include "core/store.h"
#include "core/timer.h"

namespace vouch::mail {

struct DeliveryOptions {
  size_t senders = 8;  // concurrent SMTP sessions
  core::Seconds first_retry{5};
  core::Seconds max_retry{3600};
  core::Seconds give_up_after{24 * 3600};
  std::chrono::milliseconds poll_interval{1000};
  // Sent and failed mail older than this is deleted (queued mail never is);
  // 0 keeps everything. Checked at most every prune_interval.
  core::Seconds retention{7 * 24 * 3600};
  core::Seconds prune_interval{60};
  core::Timer* timer = nullptr;  // what the poll waits on; null: the steady clock
  // With a store other nodes share: due messages are leased for this long
  // (Store::lease_due_mail), so one node sends each; a node that dies
  // mid-send loses its leases when they run out. 0: no leases, one node.
  core::Seconds lease_for{0};
};

class MailDelivery {
 public:
  MailDelivery(core::Store& store, core::Mailer& mailer, const core::Clock& clock,
               DeliveryOptions options);
  ~MailDelivery();  // finishes the messages being sent, then stops

  void start();
  void wake();  // a message was queued

  // Deletes sent and failed mail past the retention, in bounded batches;
  // returns how many (the filler calls it; exposed for tests).
  size_t prune();
  // Reads of the outbox so far: a test waits for the worker to have looked
  // again, instead of sleeping.
  uint64_t outbox_reads() const { return reads_.load(std::memory_order_acquire); }

  // The outcome of one attempt, as written to the outbox (exposed for tests).
  static core::Mail after_attempt(core::Mail m, const core::SendResult& r, core::TimePoint now,
                                  const DeliveryOptions& o);

 private:
  void fill_loop();
  void send_loop();

  core::Store& store_;
  core::Mailer& mailer_;
  const core::Clock& clock_;
  const DeliveryOptions options_;
  core::Timer& timer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<core::Mail> ready_;           // GUARDED_BY(mu_)
  std::unordered_set<int64_t> in_flight_;  // GUARDED_BY(mu_): queued in ready_ or being sent
  // Attempted and recorded, still in in_flight_: a read of the outbox that
  // began before the record may yet return them as queued. The filler drops
  // them from in_flight_ just before its next read.
  std::vector<int64_t> finished_;  // GUARDED_BY(mu_)
  bool stopping_ = false;          // GUARDED_BY(mu_)
  bool woken_ = false;             // GUARDED_BY(mu_)
  core::TimePoint next_prune_{};   // filler thread only
  std::atomic<uint64_t> reads_{0};
  std::thread filler_;
  std::vector<std::thread> senders_;
};

}  // namespace vouch::mail
