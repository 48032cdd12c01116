// A fake core::DnsResolver for tests of what runs DNS checks (the scheduler,
// the API that triggers them).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/evidence.h"

namespace vouch::testing {

using core::DnsAnswer;
using core::RecordType;

// Answers by name and record type: the same answer from every perspective
// unless one was set per perspective; NXDOMAIN for what it does not know.
// Answers come on another thread a moment later, as from the real one; with
// hold(), lookups wait until release(). Counts what it was asked.
class FakeResolver final : public core::DnsResolver {
 public:
  explicit FakeResolver(size_t perspectives = 1) : n_(perspectives) {}
  // Waits for the answers still on their way: they use this object.
  ~FakeResolver() override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return outstanding_ == 0; });
  }
  FakeResolver(const FakeResolver&) = delete;
  FakeResolver& operator=(const FakeResolver&) = delete;

  void set(const std::string& name, std::vector<DnsAnswer> per_perspective,
           RecordType type = RecordType::kTxt) {
    std::lock_guard lock(mu_);
    answers_[{type, name}] = std::move(per_perspective);
  }
  void set_all(const std::string& name, DnsAnswer::Kind kind, std::vector<std::string> records = {},
               RecordType type = RecordType::kTxt) {
    DnsAnswer a;
    a.kind = kind;
    a.records = std::move(records);
    set(name, std::vector<DnsAnswer>(n_, a), type);
  }
  void found(const std::string& name, const std::string& value) {
    set_all(name, DnsAnswer::Kind::kRecords, {value});
  }

  void hold() {
    std::lock_guard lock(mu_);
    holding_ = true;
  }
  // Answers every held lookup (with the answers current now) and stops holding.
  void release() {
    std::vector<Held> held;
    {
      std::lock_guard lock(mu_);
      holding_ = false;
      held.swap(held_);
    }
    for (auto& h : held) h.done(answer(h.name, h.type));
  }
  // Answers the oldest held lookup; the rest stay held, as do new ones.
  void release_one() {
    Held h;
    {
      std::lock_guard lock(mu_);
      if (held_.empty()) return;
      h = std::move(held_.front());
      held_.erase(held_.begin());
    }
    h.done(answer(h.name, h.type));
  }
  // Waits until `n` lookups are held.
  bool wait_held(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return held_.size() >= n; });
  }
  size_t asked(const std::string& name) {
    std::lock_guard lock(mu_);
    size_t k = 0;
    for (const auto& a : asked_) k += a == name;
    return k;
  }
  size_t asked_total() {
    std::lock_guard lock(mu_);
    return asked_.size();
  }

  size_t asked_as(const std::string& name, RecordType type) {
    std::lock_guard lock(mu_);
    size_t k = 0;
    for (size_t i = 0; i < asked_.size(); ++i) k += asked_[i] == name && asked_types_[i] == type;
    return k;
  }

  void lookup(const std::string& name, RecordType type,
              std::function<void(std::vector<DnsAnswer>)> done) override {
    {
      std::lock_guard lock(mu_);
      asked_.push_back(name);
      asked_types_.push_back(type);
      if (holding_) {
        held_.push_back({name, type, std::move(done)});
        cv_.notify_all();
        return;
      }
    }
    {
      std::lock_guard lock(mu_);
      max_outstanding_ = std::max(max_outstanding_, ++outstanding_);
    }
    // Like the real one: on another thread, a moment later.
    std::thread([this, name, type, done = std::move(done)] {
      std::this_thread::sleep_for(std::chrono::microseconds(300));
      auto a = answer(name, type);
      {
        std::lock_guard lock(mu_);
        --outstanding_;
        cv_.notify_all();
      }
      done(std::move(a));  // touches nothing of this object
    }).detach();
  }
  // The most lookups ever outstanding at once (held ones excluded).
  size_t max_outstanding() {
    std::lock_guard lock(mu_);
    return max_outstanding_;
  }
  size_t perspectives() const override { return n_; }

 private:
  struct Held {
    std::string name;
    RecordType type;
    std::function<void(std::vector<DnsAnswer>)> done;
  };

  std::vector<DnsAnswer> answer(const std::string& name, RecordType type) {
    std::lock_guard lock(mu_);
    std::vector<DnsAnswer> out;
    auto it = answers_.find({type, name});
    for (size_t i = 0; i < n_; ++i) {
      DnsAnswer a;
      if (it != answers_.end()) a = it->second[std::min(i, it->second.size() - 1)];
      else a.kind = DnsAnswer::Kind::kNxDomain;
      a.resolver = "10.0.0." + std::to_string(i + 1) + ":53";
      out.push_back(std::move(a));
    }
    return out;
  }

  const size_t n_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::pair<RecordType, std::string>, std::vector<DnsAnswer>> answers_;
  std::vector<std::string> asked_;
  std::vector<RecordType> asked_types_;
  bool holding_ = false;
  std::vector<Held> held_;
  size_t outstanding_ = 0;
  size_t max_outstanding_ = 0;
};

}  // namespace vouch::testing
