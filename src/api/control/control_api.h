// vouch's own JSON API under /_vouch/: the admin view of claims (SigV4, the
// caller's account and region) with evidence, history and diagnosis, "check
// now", and in test mode the clock and scheduler controls (no signature).
#pragma once

#include <functional>
#include <string>

#include "api/authn.h"
#include "core/clock.h"
#include "core/store.h"
#include "http/message.h"
#include "scheduler/scheduler.h"

namespace vouch::api::control {

class ControlApi {
 public:
  // `test_clock` is set only in test mode; then the test routes exist.
  ControlApi(core::Store& store, scheduler::Scheduler& scheduler, core::TxtResolver& resolver,
             Authenticator& auth, const core::Clock& clock, core::ManualClock* test_clock);

  static bool owns(std::string_view path);
  http::Outcome handle(http::Request& req);
  // Called after each move of the test clock, e.g. to keep it across restarts.
  void on_clock_moved(std::function<void()> f) { clock_moved_ = std::move(f); }

 private:
  http::Outcome admin(http::Request& req);
  http::Outcome test_route(http::Request& req);

  core::Store& store_;
  scheduler::Scheduler& scheduler_;
  core::TxtResolver& resolver_;
  Authenticator& auth_;
  const core::Clock& clock_;
  core::ManualClock* const test_clock_;
  std::function<void()> clock_moved_;
};

}  // namespace vouch::api::control
