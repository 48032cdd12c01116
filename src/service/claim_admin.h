// The admin operations on claims (vouch's own API under /_vouch/): list a
// page, show one claim with its evidence, history, mail and a diagnosis,
// "check now", and in test mode run due checks and reset. The rules live
// here; api/control only translates.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/check_runner.h"
#include "core/claim.h"
#include "core/evidence.h"
#include "core/mail.h"
#include "core/store.h"

namespace vouch::service {

struct ClaimDetail {
  core::Claim claim;
  std::optional<core::Evidence> evidence;  // the last check's (none for email claims)
  std::vector<core::StatusChange> history;
  std::vector<core::Mail> mail;  // the verification mail of an email claim
  std::vector<std::string> diagnosis;
};

struct ClaimPage {
  std::vector<core::Claim> claims;
  // Filled by the filtered list only: each claim's last check time (from its
  // evidence), none for a claim not checked yet.
  std::vector<std::optional<core::TimePoint>> last_checked;
  std::optional<int64_t> next_after;  // seq to ask after for the next page
};

// What a listing shows: every kind, or one; every status, or one; every
// subject, or those starting with `subject_prefix`. The API bounds them.
struct ClaimFilter {
  int64_t after = 0;
  size_t limit = 500;  // at most ClaimAdmin::kPage
  std::optional<core::ClaimKind> kind;
  std::optional<core::ClaimStatus> status;
  std::string subject_prefix;
};

class ClaimAdmin {
 public:
  static constexpr size_t kPage = 500;  // claims per listing page

  ClaimAdmin(core::Store& store, core::CheckRunner& checks, core::DnsResolver& resolver);

  // Every kind of claim in `scope`, by seq, after `after`.
  core::Result<ClaimPage> list(const core::Scope& scope, int64_t after);
  // Those of them `filter` lets through, `filter.limit` to a page.
  core::Result<ClaimPage> list(const core::Scope& scope, const ClaimFilter& filter);

  // `done` is called once, on this thread or a resolver or recording thread;
  // no thread waits for DNS meanwhile.
  using DetailDone = std::function<void(core::Result<ClaimDetail>)>;
  // The claim as last checked, with probes when its record was not found.
  void get(const core::Scope& scope, const std::string& id, DetailDone done);
  // Checks the claim now, then the same as get.
  void check(const core::Scope& scope, const std::string& id, DetailDone done);

  // Test mode: runs the checks due now (returns how many); clears every claim.
  size_t run_due();
  core::Status reset();
  // Test mode: see set_claim_status (service/status_override.h).
  core::Result<core::Claim> set_status(const core::Scope& scope, const std::string& id,
                                       core::ClaimStatus to, core::TimePoint now);

 private:
  void detail(core::Claim claim, std::optional<core::Evidence> evidence, DetailDone done);

  core::Store& store_;
  core::CheckRunner& checks_;
  core::DnsResolver& resolver_;
};

}  // namespace vouch::service
