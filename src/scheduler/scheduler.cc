#include "scheduler/scheduler.h"

#include <pthread.h>

#include <cstdio>

#include "core/auto_verify.h"
#include "core/evidence_json.h"
#include "core/log.h"
#include "core/status_machine.h"
#include "scheduler/check_log.h"

namespace vouch::scheduler {

using core::Claim;

Scheduler::Scheduler(core::Store& store, core::DnsResolver& resolver, const core::Clock& clock,
                     SchedulerOptions options)
    : store_(store),
      resolver_(resolver),
      clock_(clock),
      options_(options),
      timer_(options.timer ? *options.timer : core::steady_timer()) {
  for (size_t i = 0; i < std::max<size_t>(1, options_.writers); ++i) {
    writers_.emplace_back([this] { writer_loop(); });
  }
}

Scheduler::~Scheduler() {
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (background_.joinable()) background_.join();
  {
    std::unique_lock lock(mu_);
    for (const auto& c : queued_) in_flight_.erase(c.seq);  // never started
    queued_.clear();
    // Started checks still post their results; let them land first.
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return in_flight_.empty(); });
    writers_stop_ = true;
  }
  cv_records_.notify_all();
  for (auto& t : writers_) t.join();
  // Checks still waiting for one in flight: each now finds the scheduler stopping.
  std::unordered_map<int64_t, std::vector<std::function<void()>>> again;
  {
    std::lock_guard lock(mu_);
    again.swap(again_);
  }
  for (auto& [seq, fs] : again) {
    for (auto& f : fs) f();
  }
}

size_t Scheduler::quorum() const {
  return options_.quorum ? options_.quorum : core::default_quorum(resolver_.perspectives());
}

void Scheduler::writer_loop() {
  pthread_setname_np(pthread_self(), "vouch-record");
  std::unique_lock lock(mu_);
  // Swapped with finished_ each round, so both keep their capacity.
  std::vector<FinishedPtr> batch;
  for (;;) {
    cv_records_.wait(lock, [this] {
      return writers_stop_ ||
             (!finished_.empty() && (recording_ == 0 || finished_.size() >= record_threshold()));
    });
    if (finished_.empty()) return;
    batch.clear();
    if (finished_.size() <= options_.max_record_batch) {
      batch.swap(finished_);
    } else {
      auto from = finished_.end() - static_cast<std::ptrdiff_t>(options_.max_record_batch);
      batch.assign(std::make_move_iterator(from), std::make_move_iterator(finished_.end()));
      finished_.erase(from, finished_.end());
    }
    ++recording_;
    lock.unlock();
    record_batch(batch);
    lock.lock();
    --recording_;  // this writer looks again at once: no one else need be woken
  }
}

bool Scheduler::push_finished(FinishedPtr f) {
  finished_.push_back(std::move(f));
  // Results arrive one by one: a writer is woken only where its wait could
  // end, not at each (at each, two nodes' writers woke and slept again about
  // once a check: 0.47 futex calls per check against 0.10 for one node).
  return finished_.size() == (recording_ == 0 ? 1 : record_threshold());
}

void Scheduler::finish(Finished f) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    wake = push_finished(std::make_shared<Finished>(std::move(f)));
  }
  if (wake) cv_records_.notify_one();
}

std::future<CheckResult> Scheduler::launch(Claim claim) {
  auto done = std::make_shared<std::promise<CheckResult>>();
  auto result = done->get_future();
  launch(std::move(claim), [done](CheckResult r) { done->set_value(std::move(r)); });
  return result;
}

void Scheduler::launch(Claim claim, Waiter done) {
  {
    std::lock_guard lock(mu_);
    in_flight_.insert(claim.seq);
  }
  start(std::move(claim), std::move(done));
}

void Scheduler::start(Claim claim, Waiter done, bool counted) {
  if (!options_.auto_verify_suffixes.empty()) {
    if (auto suffix = core::auto_verify_match(claim, options_.auto_verify_suffixes)) {
      if (counted && claim.kind != core::ClaimKind::kSesEmail) {
        std::lock_guard lock(mu_);
        --lookups_;  // its slot is not used
      }
      cv_.notify_all();
      auto evidence = core::auto_verify_evidence(claim, *suffix, clock_.now());
      finish({std::move(claim), std::move(evidence), std::move(done)});
      return;
    }
  }
  if (claim.kind == core::ClaimKind::kSesEmail) {  // nothing to look up: time alone moves it
    finish({std::move(claim), core::Evidence{}, std::move(done)});
    return;
  }
  if (!counted) {
    std::lock_guard lock(mu_);
    ++lookups_;
  }
  const std::string name = claim.record_name;
  const core::RecordType type = core::record_type(claim.kind);
  auto state = std::make_shared<Finished>();
  state->claim = std::move(claim);
  state->done = std::move(done);
  resolver_.lookup(name, type, [this, state](std::vector<core::DnsAnswer> answers) {
    // On the resolver's thread: judge here (cheap), record on a writer.
    state->evidence = core::judge(answers, state->claim.record_name, state->claim.token, quorum(),
                                  clock_.now(), state->claim.kind);
    std::optional<Claim> next;
    bool notify_loop, notify_writer;
    {
      std::lock_guard lock(mu_);
      --lookups_;
      notify_writer = push_finished(state);
      // Keep the window full from here: the answer's slot goes straight to
      // the next queued claim, on this thread. Handing slots to the
      // background loop cost a thread hop each, most of a lookup's round trip.
      if (!queued_.empty() && !stopping_) {
        next = take_queued();
        // Just ran low: read more now, not a window later (a lease's turn
        // may take longer than the rest of the queue lasts).
        notify_loop = queued_.size() + 1 == low_water();
      } else {
        // Nothing queued: hand slots back in steps, so one wake-up of the
        // background loop starts a step's worth of lookups.
        notify_loop = lookups_ + refill_step() == options_.max_in_flight;
      }
    }
    if (notify_writer) cv_records_.notify_one();
    if (notify_loop) cv_.notify_all();
    if (next) start(std::move(*next), Waiter{}, true);
  });
}

void Scheduler::record_batch(std::vector<FinishedPtr>& batch) {
  const core::LogBatch lines;  // the batch's status changes in one write
  const auto now = clock_.now();
  std::vector<core::CheckRecord> records;
  records.reserve(batch.size());
  std::vector<int64_t> seqs;
  seqs.reserve(batch.size());
  for (auto& fp : batch) {
    Finished& f = *fp;
    const auto kind = f.claim.kind;
    const auto was = f.claim.status;
    seqs.push_back(f.claim.seq);
    core::Policy policy = core::policy_for(kind);
    policy.recheck_interval = options_.recheck_interval;
    // A waiter gets the claim as found when recording loses a race: keep a
    // copy only then.
    Claim claim = f.done ? f.claim : std::move(f.claim);
    // An address's evidence is found only under --auto-verify-suffix.
    const bool email = kind == core::ClaimKind::kSesEmail;
    const bool email_found = email && f.evidence.outcome == core::CheckOutcome::kFound;
    Claim next = email && !email_found
                     ? core::apply_time(policy, std::move(claim), now)
                     : core::apply_check(policy, std::move(claim), f.evidence.outcome, now);
    if (email_found) next.next_check_at.reset();  // verified once, as by its link
    if (kind == core::ClaimKind::kSesEmail && next.status == was && next.next_check_at &&
        *next.next_check_at <= now) {
      next.next_check_at = next.deadline > now ? std::optional(next.deadline) : std::nullopt;
    }
    std::optional<core::StatusChange> change;
    if (next.status != was) change = core::StatusChange{now, was, next.status};
    if (options_.on_checked && kind != core::ClaimKind::kSesEmail) {
      options_.on_checked(kind, f.evidence.outcome);
    }
    std::string body = email_found ? std::string(R"({"outcome":"found","via":"auto-verify"})")
                       : email     ? std::string("{}")
                                   : core::evidence_text(f.evidence);
    log_check(next, f.evidence, change);
    records.push_back({std::move(next), std::move(body), change});
  }
  auto recorded = store_.record_checks(std::move(records));
  size_t failed = 0;
  std::string why;
  for (const auto& r : recorded) {
    if (!r.ok() && r.error().code != core::ErrorCode::kAborted &&
        r.error().code != core::ErrorCode::kNotFound) {
      ++failed;
      why = r.error().message;
    }
  }
  if (failed) {
    core::log(core::LogLevel::kError, "record_failed",
              "recording " + std::to_string(failed) + " of " + std::to_string(batch.size()) +
                  " checks failed: " + why);
  }
  std::vector<std::function<void()>> again;
  {
    std::lock_guard lock(mu_);
    for (int64_t seq : seqs) {
      in_flight_.erase(seq);
      if (refilling_) recorded_while_refilling_.insert(seq);
      if (auto it = again_.find(seq); it != again_.end()) {
        for (auto& f : it->second) again.push_back(std::move(f));
        again_.erase(it);
      }
    }
  }
  cv_.notify_all();
  for (size_t i = 0; i < batch.size(); ++i) {
    Finished& f = *batch[i];
    if (!f.done) continue;
    CheckResult out{std::move(f.claim), std::move(f.evidence), false};
    if (i < recorded.size() && recorded[i].ok()) {
      out.claim = std::move(*recorded[i]);
      out.recorded = true;
    }
    f.done(std::move(out));
  }
  for (auto& f : again) f();
}

size_t Scheduler::run_due() {
  const auto now = clock_.now();
  std::unordered_set<std::string> ran;
  for (;;) {
    // Without leases, claims already run come back while their records land;
    // leased ones do not.
    const bool leased = options_.lease_for.count() > 0;
    auto due = read_due(now, options_.max_in_flight + (leased ? 0 : ran.size()));
    if (!due.ok()) return ran.size();
    std::vector<std::future<CheckResult>> batch;
    for (auto& c : *due) {
      if (ran.count(c.id)) continue;
      {
        std::lock_guard lock(mu_);
        if (in_flight_.count(c.seq)) continue;
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
      busy = in_flight_.count((*claim)->seq) > 0;
    }
    if (!busy) return launch(std::move(**claim)).get();
    if (attempt > 100) {
      return core::Error{core::ErrorCode::kUnavailable, "a check of this claim is running", id, {}};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Scheduler::check_now_async(const core::Scope& scope, const std::string& id, CheckDone done) {
  auto claim = store_.get_claim(scope, id);
  if (!claim.ok()) return done(claim.error());
  if (!*claim) return done(core::not_found("Claim " + id + " not found.", id));
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return done(core::Error{core::ErrorCode::kUnavailable, "the scheduler is stopping", id, {}});
    }
    if (in_flight_.count((*claim)->seq)) {
      again_[(*claim)->seq].push_back([this, scope, id, done = std::move(done)]() mutable {
        check_now_async(scope, id, std::move(done));
      });
      return;
    }
    in_flight_.insert((*claim)->seq);
  }
  start(std::move(**claim), [done = std::move(done)](CheckResult r) { done(std::move(r)); });
}

void Scheduler::wake() {
  {
    std::lock_guard lock(mu_);
    // Already woken: the loop knows. Notified again, it would wake for each
    // create inside a wake's gap only to wait again.
    if (woken_) return;
    woken_ = true;
  }
  cv_.notify_all();
}

void Scheduler::start_background() {
  background_ = std::thread([this] { background_loop(); });
}

Claim Scheduler::take_queued() {
  Claim c = std::move(queued_.front());
  queued_.pop_front();
  // Counted now, before it starts, so no one else overfills the window.
  if (c.kind != core::ClaimKind::kSesEmail) ++lookups_;
  return c;
}

core::Result<std::vector<Claim>> Scheduler::read_due(core::TimePoint now, size_t limit) {
  if (options_.lease_for.count() > 0) {
    return store_.lease_due_claims(now, now + options_.lease_for, limit);
  }
  return store_.due_claims(now, limit);
}

void Scheduler::refill(std::unique_lock<std::mutex>& lock) {
  // Read ahead a few windows, so the window never waits on the store.
  const bool leased = options_.lease_for.count() > 0;
  const size_t want = std::max(4 * options_.max_in_flight, leased ? options_.min_lease : size_t{0});
  const auto after = cursor_.value_or(core::Store::DueCursor{});
  refilling_ = true;
  lock.unlock();
  const auto now = clock_.now();
  // A lease takes what it returns out of what is due: each read is a new page.
  auto due = leased ? read_due(now, want) : store_.due_claims_after(now, after, want);
  lock.lock();
  refilling_ = false;
  std::unordered_set<int64_t> just_recorded;
  just_recorded.swap(recorded_while_refilling_);
  if (!due.ok() || due->size() < want) {
    cursor_.reset();  // the end of what is due: start from the top next time
  } else {
    cursor_ = core::Store::DueCursor{*due->back().next_check_at, due->back().seq};
  }
  if (!due.ok()) return;
  for (auto& c : *due) {
    if (just_recorded.count(c.seq)) continue;  // read before its check was recorded
    if (in_flight_.insert(c.seq).second) queued_.push_back(std::move(c));
  }
}

void Scheduler::background_loop() {
  pthread_setname_np(pthread_self(), "vouch-checks");
  std::unique_lock lock(mu_);
  auto next_poll = timer_.now();
  // A wake is answered from this time on: the gap after the last read from
  // the top (SchedulerOptions::wake_gap).
  auto wake_at = next_poll;
  while (!stopping_) {
    // Start queued checks while the window has room.
    while (!queued_.empty() && lookups_ < options_.max_in_flight && !stopping_) {
      Claim c = take_queued();
      lock.unlock();
      start(std::move(c), Waiter{}, true);
      lock.lock();
    }
    if (stopping_) break;
    // Read more when the queue runs low: at once while a sweep is under way
    // (a cursor is set), else on the poll interval or when woken.
    const bool low = queue_low();
    const auto now = timer_.now();
    if (low && (cursor_ || (woken_ && now >= wake_at) || now >= next_poll)) {
      woken_ = false;
      if (!cursor_) {
        next_poll = now + options_.poll_interval;
        wake_at = now + options_.wake_gap;
      }
      refill(lock);
      continue;
    }
    // A wake counts once there is room to read into: counted while the queue
    // is full, it ended the wait at once, again and again, and the loop spun
    // on mu_ and starved the answers. It stays set until then.
    // A wake inside its gap: this wait ends at the gap's end. A wake while
    // waiting ends the wait, to set that deadline.
    const bool wake_waits = low && woken_;
    auto deadline = low ? next_poll : now + options_.poll_interval;
    if (wake_waits) deadline = std::min(deadline, wake_at);
    timer_.wait_until(lock, cv_, deadline, [&] {
      return stopping_ || (woken_ && queue_low() && (!wake_waits || timer_.now() >= wake_at)) ||
             (!queued_.empty() && lookups_ + refill_step() <= options_.max_in_flight) ||
             (cursor_ && queue_low());
    });
  }
}

}  // namespace vouch::scheduler
