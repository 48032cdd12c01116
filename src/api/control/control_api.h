// vouch's own JSON API under /_vouch/: the admin view of claims (SigV4, the
// caller's account and region) with evidence, history and diagnosis, "check
// now", and in test mode the clock and scheduler controls (no signature) and
// setting a claim's status (signed: it names the caller's claim).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "api/authn.h"
#include "core/clock.h"
#include "http/message.h"
#include "service/claim_admin.h"
#include "service/rate_limiter.h"

namespace vouch::api::control {

// The admin routes that may look up DNS live (GET /_vouch/claims/{id},
// POST .../check): each is rate-limited per account and Region under these
// operation names, and at most `max_live` run at once.
inline constexpr const char* kGetClaimOperation = "vouch:GetClaim";
inline constexpr const char* kCheckClaimOperation = "vouch:CheckClaim";

struct AdminLimits {
  service::RateLimiter* limiter = nullptr;  // nullptr: no rate limit
  size_t max_live = 128;                    // --dns-concurrency
};

class ControlApi {
 public:
  // `test_clock` is set only in test mode; then the test routes exist.
  ControlApi(service::ClaimAdmin& claims, Authenticator& auth, core::MovableClock* test_clock,
             AdminLimits limits = {});

  http::HandlerResult handle(http::Request& req);
  // Called after each move of the test clock, e.g. to keep it across restarts.
  void on_clock_moved(std::function<void()> f) { clock_moved_ = std::move(f); }
  // What POST /_vouch/test/run-due-webhooks runs: the due webhook deliveries,
  // returning how many were attempted (unset: the route is unknown).
  void on_run_due_webhooks(std::function<size_t()> f) { run_due_webhooks_ = std::move(f); }

 private:
  http::HandlerResult admin(http::Request& req);
  http::HandlerResult test_route(http::Request& req);
  http::HandlerResult set_status(http::Request& req);
  // A slot among the max_live admin requests, or nullptr when all are taken.
  // One admin lookup in flight, counted in live_ until given back (once).
  class LiveSlot {
   public:
    explicit LiveSlot(std::shared_ptr<std::atomic<size_t>> live) : live_(std::move(live)) {}
    ~LiveSlot() { give_back(); }
    void give_back() {
      if (!given_.exchange(true)) live_->fetch_sub(1);
    }

   private:
    std::shared_ptr<std::atomic<size_t>> live_;
    std::atomic<bool> given_{false};
  };
  std::shared_ptr<LiveSlot> live_slot();

  service::ClaimAdmin& claims_;
  Authenticator& auth_;
  core::MovableClock* const test_clock_;
  std::function<void()> clock_moved_;
  std::function<size_t()> run_due_webhooks_;
  AdminLimits limits_;
  // Shared with the slots: a completion may be destroyed after this object
  // (the scheduler keeps finished checks' callbacks until it frees them).
  std::shared_ptr<std::atomic<size_t>> live_ = std::make_shared<std::atomic<size_t>>(0);
};

}  // namespace vouch::api::control
