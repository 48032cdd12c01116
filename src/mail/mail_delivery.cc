#include "mail/mail_delivery.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/log.h"

namespace vouch::mail {

MailDelivery::MailDelivery(core::Store& store, core::Mailer& mailer, const core::Clock& clock,
                           DeliveryOptions options)
    : store_(store),
      mailer_(mailer),
      clock_(clock),
      options_(options),
      timer_(options.timer ? *options.timer : core::steady_timer()) {}

MailDelivery::~MailDelivery() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    ready_.clear();  // not yet attempted: they stay queued in the store
  }
  cv_.notify_all();
  if (filler_.joinable()) filler_.join();
  for (auto& t : senders_) t.join();
}

void MailDelivery::start() {
  filler_ = std::thread([this] { fill_loop(); });
  for (size_t i = 0; i < std::max<size_t>(1, options_.senders); ++i) {
    senders_.emplace_back([this] { send_loop(); });
  }
}

void MailDelivery::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

core::Mail MailDelivery::after_attempt(core::Mail m, const core::SendResult& r, core::TimePoint now,
                                       const DeliveryOptions& o) {
  ++m.attempts;
  switch (r.kind) {
    case core::SendResult::Kind::kAccepted:
      m.state = core::Mail::State::kSent;
      m.sent_at = now;
      m.last_error.clear();
      return m;
    case core::SendResult::Kind::kPermanent:
      m.state = core::Mail::State::kFailed;
      m.last_error = r.detail;
      return m;
    case core::SendResult::Kind::kTransient: break;
  }
  m.last_error = r.detail;
  if (now - m.created_at >= o.give_up_after) {
    m.state = core::Mail::State::kFailed;
    m.last_error = "gave up after " + std::to_string(m.attempts) + " attempts: " + r.detail;
    return m;
  }
  double delay = static_cast<double>(o.first_retry.count()) * std::pow(2.0, m.attempts - 1);
  delay = std::min(delay, static_cast<double>(o.max_retry.count()));
  m.next_attempt_at = now + core::Seconds(static_cast<core::Seconds::rep>(delay));
  return m;
}

size_t MailDelivery::prune() {
  if (options_.retention.count() <= 0) return 0;
  constexpr size_t kBatch = 1000;
  const auto before = clock_.now() - options_.retention;
  size_t total = 0;
  // A few batches per call, so a large backlog never holds the writer long.
  for (int i = 0; i < 10; ++i) {
    auto n = store_.prune_mail(before, kBatch);
    if (!n.ok()) {
      core::log(core::LogLevel::kError, "mail_prune_failed",
                "pruning old mail failed: " + n.error().message);
      break;
    }
    total += *n;
    if (*n < kBatch) break;
  }
  return total;
}

void MailDelivery::fill_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // Cleared before this pass reads, so a wake() during the read (a clock
    // moved, a message queued) is kept for the wait below, not lost.
    woken_ = false;
    if (const auto now = clock_.now(); now >= next_prune_) {
      next_prune_ = now + options_.prune_interval;
      lock.unlock();
      prune();
      lock.lock();
    }
    if (ready_.empty()) {
      // Recorded before this read starts, so the read sees them as attempted.
      for (int64_t id : finished_) in_flight_.erase(id);
      finished_.clear();
      lock.unlock();
      const auto now = clock_.now();
      auto due = options_.lease_for.count() > 0
                     ? store_.lease_due_mail(now, now + options_.lease_for, 256)
                     : store_.due_mail(now, 256);
      lock.lock();
      if (due.ok()) {
        for (auto& m : *due) {
          if (in_flight_.insert(m.id).second) ready_.push_back(std::move(m));
        }
        if (!ready_.empty()) cv_.notify_all();
      }
      reads_.fetch_add(1, std::memory_order_release);
    }
    timer_.wait_until(lock, cv_, timer_.now() + options_.poll_interval,
                      [this] { return stopping_ || woken_; });
  }
}

void MailDelivery::send_loop() {
  for (;;) {
    core::Mail m;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      m = std::move(ready_.front());
      ready_.pop_front();
      if (ready_.empty()) {  // ask the filler for more at once
        woken_ = true;
        cv_.notify_all();
      }
    }
    core::SendResult r = mailer_.send(m);
    core::Mail next = after_attempt(std::move(m), r, clock_.now(), options_);
    if (auto st = store_.update_mail(next); !st.ok()) {
      core::log(core::LogLevel::kError, "mail_record_failed",
                "recording delivery of message " + std::to_string(next.id) +
                    " failed: " + st.error().message,
                {{"mail_id", next.id}});
    }
    if (next.state == core::Mail::State::kFailed) {
      core::log(core::LogLevel::kWarn, "mail_failed",
                "message " + std::to_string(next.id) + " to " + next.to +
                    " not delivered: " + next.last_error,
                {{"mail_id", next.id}, {"attempts", next.attempts}});
    } else if (next.state == core::Mail::State::kQueued &&
               core::log_enabled(core::LogLevel::kWarn)) {
      core::log(core::LogLevel::kWarn, "mail_retry",
                "message " + std::to_string(next.id) + " to " + next.to +
                    " not sent yet (attempt " + std::to_string(next.attempts) +
                    "), will retry: " + next.last_error,
                {{"mail_id", next.id}, {"attempts", next.attempts}});
    }
    std::lock_guard lock(mu_);
    finished_.push_back(next.id);
  }
}

}  // namespace vouch::mail
