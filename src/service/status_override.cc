#include "service/status_override.h"

#include <algorithm>

#include "core/evidence_json.h"
#include "core/status_machine.h"
#include "service/update_with_retry.h"

namespace vouch::service {

namespace {

using core::Claim;
using core::ClaimStatus;

constexpr const char* kResolver = "vouch-test";
constexpr const char* kDetail = "status set by POST /_vouch/test/claims/{id}/status";

Claim moved(const core::Policy& p, Claim c, ClaimStatus to, core::TimePoint now) {
  const bool email = c.kind == core::ClaimKind::kSesEmail;
  switch (to) {
    case ClaimStatus::kPending: return core::restart(p, std::move(c), now);
    case ClaimStatus::kVerified:
      c.status = ClaimStatus::kPending;  // any state: as a first check that found it
      c = core::apply_check(p, std::move(c), core::CheckOutcome::kFound, now);
      if (email) c.next_check_at.reset();  // an address is verified once, by its link
      return c;
    case ClaimStatus::kUnconfirmed:
      c.status = ClaimStatus::kUnconfirmed;
      if (!c.absent_since) c.absent_since = now;
      c.attempts = 0;
      c.next_check_at = std::min(now + core::backoff(p, 0), *c.absent_since + p.revoke_after);
      if (email) c.next_check_at.reset();
      return c;
    case ClaimStatus::kFailed:
      c.status = ClaimStatus::kFailed;
      c.next_check_at.reset();
      return c;
  }
  return c;
}

// What the claim's last evidence says after the change: a record found for
// verified, gone for unconfirmed and failed; a new window keeps the last.
core::Result<std::string> evidence_for(core::ClaimStore& store, const Claim& c, ClaimStatus to,
                                       core::TimePoint now) {
  if (c.kind == core::ClaimKind::kSesEmail) return std::string("{}");
  if (to == ClaimStatus::kPending) {
    auto last = store.last_evidence(c.id);
    if (!last.ok()) return last.error();
    return last->value_or("{}");
  }
  core::Evidence e;
  e.at = now;
  e.record_name = c.record_name;
  e.expected = c.token;
  e.quorum = 1;
  const bool found = to == ClaimStatus::kVerified;
  e.outcome = found ? core::CheckOutcome::kFound : core::CheckOutcome::kAbsent;
  e.perspectives = {{kResolver,
                     found ? core::PerspectiveEvidence::Result::kFound
                           : core::PerspectiveEvidence::Result::kAbsent,
                     {},
                     kDetail}};
  return core::evidence_text(e);
}

}  // namespace

core::Result<Claim> set_claim_status(core::ClaimStore& store, const core::Scope& scope,
                                     const std::string& id, ClaimStatus to, core::TimePoint now) {
  for (int i = 0; i < kCasRetries; ++i) {
    auto found = store.get_claim(scope, id);
    if (!found.ok()) return found.error();
    if (!*found) return core::not_found("Claim " + id + " not found.", id);
    Claim c = std::move(**found);
    const core::Policy policy = core::policy_for(c.kind);
    if (to == ClaimStatus::kUnconfirmed && !policy.revocable) {
      return core::invalid_argument("A VPC Lattice domain verification is never unconfirmed.",
                                    "status");
    }
    const ClaimStatus from = c.status;
    auto evidence = evidence_for(store, c, to, now);
    if (!evidence.ok()) return evidence.error();
    Claim next = moved(policy, std::move(c), to, now);
    std::optional<core::StatusChange> change;
    if (next.status != from) change = core::StatusChange{now, from, next.status};
    auto recorded = store.record_check(std::move(next), *evidence, change);
    if (recorded.ok() || recorded.error().code != core::ErrorCode::kAborted) return recorded;
  }
  return core::Error{core::ErrorCode::kUnavailable, "claim is busy, retry", id, {}};
}

}  // namespace vouch::service
