// "Check this claim now", behind an interface: the scheduler implements it,
// the admin service calls it, so neither the service nor the API depends on
// the scheduler.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "core/claim.h"
#include "core/error.h"
#include "core/evidence.h"

namespace vouch::core {

struct CheckResult {
  Claim claim;            // as recorded (or as found, when the record lost a race)
  Evidence evidence;      // empty perspectives for email claims
  bool recorded = false;  // false: the claim changed or vanished meanwhile
};

class CheckRunner {
 public:
  virtual ~CheckRunner() = default;
  // Checks one claim now, whatever its next_check_at, without waiting:
  // `done` is called once, on any thread.
  using CheckDone = std::function<void(Result<CheckResult>)>;
  virtual void check_now_async(const Scope& scope, const std::string& id, CheckDone done) = 0;
  // Runs every check due now and waits for them; returns how many ran.
  virtual size_t run_due() = 0;
};

}  // namespace vouch::core
