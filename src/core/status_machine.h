// Pure transition functions for ownership claims. No I/O, no clock reads:
// `now` is passed in. Safe to call from any thread.
#pragma once

#include "core/claim.h"

namespace vouch::core {

// What one check found, reduced to what the rules need. The full per-resolver
// evidence is kept elsewhere for diagnostics.
enum class CheckOutcome {
  kFound,          // quorum saw the expected value (or the link was clicked)
  kAbsent,         // conclusively absent or wrong (NXDOMAIN, no TXT, other values)
  kResolverError,  // no conclusion: SERVFAIL, REFUSED, timeouts
};

struct Policy {
  Seconds window = kDomainWindow;        // pending window
  Seconds revoke_after = kDomainWindow;  // unconfirmed this long (record absent) -> failed
  bool revocable = true;                 // false: verified claims stay verified (Lattice)
  Seconds recheck_interval{24 * 3600};   // verified claims
  Seconds first_backoff{60};
  Seconds max_backoff{3600};
  double backoff_factor = 1.5;
};

Policy policy_for(ClaimKind kind);

// Delay before the next check after `attempts` unsuccessful checks.
Seconds backoff(const Policy& p, int attempts);

// The claim after a check at `now` produced `outcome`. Failed claims are final
// and come back unchanged.
Claim apply_check(const Policy& p, Claim claim, CheckOutcome outcome, TimePoint now);

// The claim after time alone has passed: a pending email claim whose window has
// closed fails. Domain claims move only on evidence (a resolver outage must not
// fail them), so they come back unchanged.
Claim apply_time(const Policy& p, Claim claim, TimePoint now);

// apply_time(p, claim, now).status, without copying the claim (hot reads).
ClaimStatus status_at(const Policy& p, const Claim& claim, TimePoint now);

// Restart the pending window (SES re-Verify of a Failed identity).
Claim restart(const Policy& p, Claim claim, TimePoint now);

// Whether a check of this claim is due at `now`.
bool is_due(const Claim& claim, TimePoint now);

}  // namespace vouch::core
