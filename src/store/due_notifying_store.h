// A Store that says when a write has left a claim due now: a new claim (its
// first check is due at once) or one that a repeat Verify made due. The
// background scheduler otherwise finds such claims only at its next poll.
// And when a write recorded a status change (so an event, and maybe webhook
// deliveries): the delivery worker otherwise finds them only at its next poll.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "store/forwarding_store.h"

namespace vouch::store {

class DueNotifyingStore : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  // `fn` runs after each write that leaves a claim due by `clock`. Set once,
  // before the store is shared between threads; until then nothing is told.
  void on_due(const core::Clock& clock, std::function<void()> fn) {
    clock_ = &clock;
    on_due_ = std::move(fn);
  }

  // `fn` runs after each write that committed a status change. Set once, as on_due.
  void on_change(std::function<void()> fn) { on_change_ = std::move(fn); }

  core::Result<core::Claim> insert_claim(core::Claim claim) override {
    return tell(ForwardingStore::insert_claim(std::move(claim)));
  }
  core::Result<core::CreateResult> create_claim_once(core::Claim claim,
                                                     const std::optional<core::IdempotencyKey>& key,
                                                     const core::CreateRules& rules) override {
    auto r = ForwardingStore::create_claim_once(std::move(claim), key, rules);
    if (r.ok() && r->outcome == core::CreateOutcome::kCreated) tell_if_due(r->claim);
    return r;
  }
  core::Result<core::Claim> update_claim(core::Claim claim) override {
    return tell(ForwardingStore::update_claim(std::move(claim)));
  }
  core::Result<core::Claim> record_check(core::Claim claim, const std::string& evidence,
                                         std::optional<core::StatusChange> change) override {
    const bool changes = change.has_value();
    auto r = tell(ForwardingStore::record_check(std::move(claim), evidence, std::move(change)));
    if (r.ok() && changes && on_change_) on_change_();
    return r;
  }
  std::vector<core::Result<core::Claim>> record_checks(
      std::vector<core::CheckRecord> records) override {
    std::vector<bool> changes;
    changes.reserve(records.size());
    for (const auto& r : records) changes.push_back(r.change.has_value());
    auto out = ForwardingStore::record_checks(std::move(records));
    bool changed = false;
    for (size_t i = 0; i < out.size() && i < changes.size(); ++i)
      changed |= changes[i] && out[i].ok();
    if (changed && on_change_) on_change_();  // once for the batch
    return out;
  }

 private:
  core::Result<core::Claim> tell(core::Result<core::Claim> r) {
    if (r.ok()) tell_if_due(*r);
    return r;
  }
  void tell_if_due(const core::Claim& c) {
    if (on_due_ && c.next_check_at && *c.next_check_at <= clock_->now()) on_due_();
  }

  const core::Clock* clock_ = nullptr;
  std::function<void()> on_due_;
  std::function<void()> on_change_;
};

}  // namespace vouch::store
