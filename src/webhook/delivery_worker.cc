#include "webhook/delivery_worker.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/event_json.h"
#include "core/log.h"
#include "crypto/webhook_signature.h"

namespace vouch::webhook {

using State = core::WebhookDelivery::State;

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kDelivered: return "delivered";
    case Outcome::kRetry: return "retry";
    case Outcome::kFailed: return "failed";
    case Outcome::kDisabled: return "disabled";
  }
  return "failed";
}

DeliveryWorker::DeliveryWorker(core::Store& store, Poster& poster, const core::Clock& domain,
                               const core::Clock& wall, core::Random& random, WorkerOptions options)
    : store_(store),
      poster_(poster),
      domain_(domain),
      wall_(wall),
      random_(random),
      options_(std::move(options)),
      timer_(options_.timer ? *options_.timer : core::steady_timer()) {}

DeliveryWorker::~DeliveryWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryWorker::start() {
  thread_ = std::thread([this] { loop(); });
}

void DeliveryWorker::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

DeliveryWorker::Attempted DeliveryWorker::after_attempt(core::WebhookDelivery d,
                                                        const PostResult& r, core::TimePoint now,
                                                        double jitter, const WorkerOptions& o) {
  ++d.attempts;
  if (!d.first_attempt_at) d.first_attempt_at = now;
  d.last_attempt_at = now;
  bool retry = false;
  if (r.kind == PostResult::Kind::kResponse) {
    if (r.status >= 200 && r.status < 300) {
      d.state = State::kDelivered;
      d.last_error.clear();
      return {std::move(d), Outcome::kDelivered};
    }
    d.last_error = "HTTP " + std::to_string(r.status);
    if (r.status == 410) {
      d.state = State::kFailed;
      d.last_error += ": the endpoint is gone; webhook disabled";
      return {std::move(d), Outcome::kDisabled};
    }
    retry = r.status == 429 || r.status >= 500;
  } else {
    d.last_error = r.error;
    retry = true;
  }
  if (!retry) {
    d.state = State::kFailed;
    return {std::move(d), Outcome::kFailed};
  }
  if (now - *d.first_attempt_at >= o.give_up_after) {
    d.state = State::kFailed;
    d.last_error = "gave up after " + std::to_string(d.attempts) + " attempts: " + d.last_error;
    return {std::move(d), Outcome::kFailed};
  }
  double delay = static_cast<double>(o.first_retry.count()) * std::pow(2.0, d.attempts - 1);
  delay = std::min(delay, static_cast<double>(o.max_retry.count()));
  delay *= 0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0);
  d.state = State::kPending;
  d.next_attempt_at = now + std::chrono::duration_cast<core::TimePoint::duration>(
                                std::chrono::duration<double>(delay));
  return {std::move(d), Outcome::kRetry};
}

double DeliveryWorker::jitter() {
  uint8_t b[4];
  random_.fill(b);
  const uint32_t v = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  return static_cast<double>(v) / 4294967296.0;
}

DeliveryWorker::Attempted DeliveryWorker::attempt(const core::DueDelivery& due) {
  if (!due.event) {
    core::WebhookDelivery d = due.delivery;
    d.state = State::kFailed;
    d.last_error = "the event was pruned before it could be delivered";
    if (options_.on_attempt) options_.on_attempt(Outcome::kFailed, 0);
    return {std::move(d), Outcome::kFailed};
  }
  const std::string body = core::event_json(*due.event).dump();
  const int64_t t =
      std::chrono::duration_cast<std::chrono::seconds>(wall_.now().time_since_epoch()).count();
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"},
      {"User-Agent", options_.user_agent},
      {"Vouch-Event-Id", core::event_id(due.event->seq)},
      {"Vouch-Webhook-Id", due.delivery.webhook_id},
      {"Vouch-Signature", crypto::webhook_signature(due.secret, t, body)},
  };
  const auto started = std::chrono::steady_clock::now();
  const PostResult r = poster_.post(due.url, headers, body);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Attempted a = after_attempt(due.delivery, r, domain_.now(), jitter(), options_);
  if (options_.on_attempt) options_.on_attempt(a.outcome, seconds);
  if (a.outcome != Outcome::kDelivered && core::log_enabled(core::LogLevel::kWarn)) {
    core::log(core::LogLevel::kWarn, "webhook_delivery_failed",
              "webhook " + a.delivery.webhook_id + " event " + core::event_id(due.event->seq) +
                  " not delivered (" + std::string(outcome_name(a.outcome)) + ", attempt " +
                  std::to_string(a.delivery.attempts) + "): " + a.delivery.last_error,
              {{"webhook_id", a.delivery.webhook_id},
               {"event_id", core::event_id(due.event->seq)},
               {"outcome", outcome_name(a.outcome)},
               {"attempts", a.delivery.attempts}});
  }
  return a;
}

size_t DeliveryWorker::pass() {
  const auto now = domain_.now();
  auto due = store_.lease_due_deliveries(now, now + options_.lease_for, options_.batch);
  if (!due.ok()) {
    core::log(core::LogLevel::kError, "webhook_lease_failed",
              "reading due webhook deliveries failed: " + due.error().message);
    return 0;
  }
  // Each (webhook, claim) appears once in a batch, so any order keeps theirs.
  std::vector<std::pair<core::WebhookDelivery, bool>> outcomes(due->size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < due->size();) {
      Attempted a = attempt((*due)[i]);
      outcomes[i] = {std::move(a.delivery), a.outcome == Outcome::kDisabled};
    }
  };
  const size_t helpers = std::min(options_.concurrency, due->size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < helpers; ++i) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  // One commit for the pass; until it lands, the leases keep them from
  // going out again (a crash before it: they go out again, at least once).
  if (auto st = store_.record_deliveries(outcomes); !st.ok()) {
    core::log(core::LogLevel::kError, "webhook_record_failed",
              "recording " + std::to_string(outcomes.size()) +
                  " webhook deliveries failed: " + st.error().message);
  }
  return due->size();
}

size_t DeliveryWorker::run_due(size_t max_passes) {
  std::lock_guard one(run_mu_);
  size_t total = 0;
  for (size_t i = 0; i < max_passes; ++i) {
    const size_t n = pass();
    total += n;
    if (n == 0) break;  // a claim's next event becomes due only after its last went
  }
  return total;
}

size_t DeliveryWorker::prune() {
  if (options_.retention.count() <= 0) return 0;
  constexpr size_t kBatch = 1000;
  const auto before = domain_.now() - options_.retention;
  size_t total = 0;
  for (int i = 0; i < 10; ++i) {  // bounded: a large backlog never holds the writer long
    auto n = store_.prune_deliveries(before, kBatch);
    if (!n.ok()) {
      core::log(core::LogLevel::kError, "webhook_prune_failed",
                "pruning old webhook deliveries failed: " + n.error().message);
      break;
    }
    total += *n;
    if (*n < kBatch) break;
  }
  return total;
}

void DeliveryWorker::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    if (const auto now = domain_.now(); now >= next_prune_) {
      next_prune_ = now + options_.prune_interval;
      prune();
    }
    run_due();
    lock.lock();
    timer_.wait_until(lock, cv_, timer_.now() + options_.poll_interval,
                      [this] { return stopping_ || woken_; });
  }
}

}  // namespace vouch::webhook
