#include "scheduler/scheduler.h"

#include <cstdio>

#include "core/status_machine.h"
#include "scheduler/evidence_json.h"

namespace vouch::scheduler {

using core::Claim;

Scheduler::Scheduler(core::Store& store, core::TxtResolver& resolver, const core::Clock& clock,
                     SchedulerOptions options)
    : store_(store), resolver_(resolver), clock_(clock), options_(options) {
  for (size_t i = 0; i < std::max<size_t>(1, options_.writers); ++i) {
    writers_.emplace_back([this] { writer_loop(); });
  }
}

Scheduler::~Scheduler() {
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    cv_.notify_all();
    // In-flight lookups still post their results; let them land first.
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return in_flight_.empty(); });
  }
  cv_.notify_all();
  if (background_.joinable()) background_.join();
  {
    std::lock_guard lock(mu_);
    work_.emplace_back(nullptr);  // one stop marker per writer, after the queued work
    for (size_t i = 1; i < writers_.size(); ++i) work_.emplace_back(nullptr);
  }
  cv_.notify_all();
  for (auto& t : writers_) t.join();
}

size_t Scheduler::quorum() const {
  return options_.quorum ? options_.quorum : core::default_quorum(resolver_.perspectives());
}

void Scheduler::post(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    work_.push_back(std::move(work));
  }
  cv_.notify_all();
}

void Scheduler::writer_loop() {
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !work_.empty(); });
      work = std::move(work_.front());
      work_.pop_front();
    }
    if (!work) return;
    work();
  }
}

std::future<CheckResult> Scheduler::launch(Claim claim) {
  auto done = std::make_shared<std::promise<CheckResult>>();
  auto result = done->get_future();
  {
    std::lock_guard lock(mu_);
    in_flight_.insert(claim.id);
  }
  if (claim.kind == core::ClaimKind::kSesEmail) {  // nothing to look up: time alone moves it
    post([this, claim = std::move(claim), done]() mutable {
      record(std::move(claim), core::Evidence{}, std::move(*done));
    });
    return result;
  }
  const std::string name = claim.record_name;
  const core::RecordType type = core::record_type(claim.kind);
  resolver_.lookup(name, type, [this, type, claim = std::move(claim), done](std::vector<core::TxtAnswer> answers) mutable {
    // On the resolver's thread: judge here (cheap), record on a writer.
    core::Evidence e = core::judge(answers, claim.record_name, claim.token, quorum(), clock_.now(), type);
    post([this, claim = std::move(claim), e = std::move(e), done]() mutable {
      record(std::move(claim), std::move(e), std::move(*done));
    });
  });
  return result;
}

void Scheduler::record(Claim claim, core::Evidence evidence, std::promise<CheckResult> done) {
  const auto now = clock_.now();
  core::Policy policy = core::policy_for(claim.kind);
  policy.recheck_interval = options_.recheck_interval;
  Claim next = claim.kind == core::ClaimKind::kSesEmail
                   ? core::apply_time(policy, claim, now)
                   : core::apply_check(policy, claim, evidence.outcome, now);
  if (claim.kind == core::ClaimKind::kSesEmail && next.status == claim.status &&
      next.next_check_at && *next.next_check_at <= now) {
    next.next_check_at = next.deadline > now ? std::optional(next.deadline) : std::nullopt;
  }
  std::optional<core::StatusChange> change;
  if (next.status != claim.status) change = core::StatusChange{now, claim.status, next.status};
  const std::string body = claim.kind == core::ClaimKind::kSesEmail ? std::string("{}")
                                                                     : evidence_to_json(evidence).dump();
  CheckResult out{claim, std::move(evidence), false};
  auto recorded = store_.record_check(std::move(next), body, change);
  if (recorded.ok()) {
    out.claim = std::move(*recorded);
    out.recorded = true;
  } else if (recorded.error().code != core::ErrorCode::kAborted &&
             recorded.error().code != core::ErrorCode::kNotFound) {
    std::fprintf(stderr, "vouch: recording a check of %s failed: %s\n", claim.id.c_str(),
                 recorded.error().message.c_str());
  }
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(claim.id);
  }
  cv_.notify_all();
  done.set_value(std::move(out));
}

size_t Scheduler::run_due() {
  const auto now = clock_.now();
  std::unordered_set<std::string> ran;
  for (;;) {
    auto due = store_.due_claims(now, options_.max_in_flight + ran.size());
    if (!due.ok()) return ran.size();
    std::vector<std::future<CheckResult>> batch;
    for (auto& c : *due) {
      if (ran.count(c.id)) continue;
      {
        std::lock_guard lock(mu_);
        if (in_flight_.count(c.id)) continue;
      }
      ran.insert(c.id);
      batch.push_back(launch(std::move(c)));
      if (batch.size() >= options_.max_in_flight) break;
    }
    if (batch.empty()) return ran.size();
    for (auto& f : batch) f.wait();
  }
}

core::Result<CheckResult> Scheduler::check_now(const core::Scope& scope, const std::string& id) {
  for (int attempt = 0;; ++attempt) {
    auto claim = store_.get_claim(scope, id);
    if (!claim.ok()) return claim.error();
    if (!*claim) return core::not_found("Claim " + id + " not found.", id);
    bool busy;
    {
      std::lock_guard lock(mu_);
      busy = in_flight_.count(id) > 0;
    }
    if (!busy) return launch(std::move(**claim)).get();
    if (attempt > 100) {
      return core::Error{core::ErrorCode::kUnavailable, "a check of this claim is running", id, {}};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Scheduler::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Scheduler::start_background() {
  background_ = std::thread([this] { background_loop(); });
}

void Scheduler::background_loop() {
  std::unique_lock lock(mu_);
  bool backlog = false;  // the last read of due claims filled its limit
  while (!stopping_) {
    // Refill only when half the slots are free, so a large backlog is read
    // from the store in batches rather than once per finished check.
    if (in_flight_.size() <= options_.max_in_flight / 2) {
      const size_t limit = options_.max_in_flight + in_flight_.size();
      lock.unlock();
      auto due = store_.due_claims(clock_.now(), limit);
      backlog = due.ok() && due->size() >= limit;
      if (due.ok()) {
        for (auto& c : *due) {
          {
            std::lock_guard guard(mu_);
            if (in_flight_.count(c.id)) continue;
            if (in_flight_.size() >= options_.max_in_flight) break;
          }
          launch(std::move(c));
        }
      }
      lock.lock();
    }
    woken_ = false;
    if (backlog) {
      cv_.wait(lock, [this] { return stopping_ || in_flight_.size() <= options_.max_in_flight / 2; });
    } else {
      cv_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || woken_; });
    }
  }
}

}  // namespace vouch::scheduler
