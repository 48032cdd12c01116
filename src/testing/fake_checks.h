// A core::CheckRunner that "checks" a claim by answering with the evidence it
// is given (or an error), without DNS: for what triggers checks (the admin
// service, the control API), not for the checks themselves.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/check_runner.h"
#include "core/store.h"

namespace vouch::testing {

class FakeChecks final : public core::CheckRunner {
 public:
  void check_now_async(const core::Scope& scope, const std::string& id, CheckDone done) override {
    checked.push_back(id);
    if (error) return done(*error);
    auto c = store->get_claim(scope, id);
    if (!c.ok() || !*c) return done(core::not_found("Claim " + id + " not found.", id));
    done(core::CheckResult{**c, evidence, true});
  }
  size_t run_due() override { return ++runs; }

  core::Store* store = nullptr;  // where claims are read; set before use
  core::Evidence evidence;
  std::optional<core::Error> error;
  std::vector<std::string> checked;
  size_t runs = 0;
};

}  // namespace vouch::testing
