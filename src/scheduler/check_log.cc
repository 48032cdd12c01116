#include "scheduler/check_log.h"

#include <string>

#include "core/claim_log.h"
#include "core/claim_names.h"
#include "core/log.h"

namespace vouch::scheduler {

namespace {

std::string_view outcome_name(core::CheckOutcome o) {
  switch (o) {
    case core::CheckOutcome::kFound: return "found";
    case core::CheckOutcome::kAbsent: return "absent";
    case core::CheckOutcome::kResolverError: return "resolver_error";
  }
  return "resolver_error";
}

}  // namespace

void log_check(const core::Claim& claim, const core::Evidence& evidence,
               const std::optional<core::StatusChange>& change) {
  if (core::log_enabled(core::LogLevel::kDebug) && claim.kind != core::ClaimKind::kSesEmail) {
    size_t seen = 0;
    for (const auto& p : evidence.perspectives) {
      if (p.result == core::PerspectiveEvidence::Result::kFound) ++seen;
    }
    auto fields = core::claim_log_fields(claim);
    fields["outcome"] = outcome_name(evidence.outcome);
    fields["status"] = core::claim_status_name(claim.status);
    fields["record_name"] = evidence.record_name;
    fields["resolvers"] = evidence.perspectives.size();
    fields["resolvers_seeing"] = seen;
    fields["quorum"] = evidence.quorum;
    core::log(core::LogLevel::kDebug, "check",
              "checked " + std::string(core::claim_kind_name(claim.kind)) + " " + claim.subject +
                  " (" + claim.id + "): " + std::string(outcome_name(evidence.outcome)) + ", " +
                  std::to_string(seen) + " of " + std::to_string(evidence.perspectives.size()) +
                  " resolvers see it",
              fields);
  }
  if (change) core::log_status_change(claim, *change);
}

}  // namespace vouch::scheduler
