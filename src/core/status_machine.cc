#include "core/status_machine.h"

#include <algorithm>
#include <cmath>

namespace vouch::core {

Policy policy_for(ClaimKind kind) {
  Policy p;
  switch (kind) {
    case ClaimKind::kSesDomain:
    case ClaimKind::kSesDkim:
    case ClaimKind::kSesDkimTxt:
    case ClaimKind::kSesMailFromMx:
    case ClaimKind::kSesMailFromSpf: break;
    case ClaimKind::kSesEmail: p.window = kEmailWindow; break;
    case ClaimKind::kLatticeDomain: p.revocable = false; break;
  }
  return p;
}

Seconds backoff(const Policy& p, int attempts) {
  double s = static_cast<double>(p.first_backoff.count()) *
             std::pow(p.backoff_factor, std::max(0, attempts));
  s = std::min(s, static_cast<double>(p.max_backoff.count()));
  return Seconds(static_cast<Seconds::rep>(s));
}

namespace {

Claim verified(const Policy& p, Claim c, TimePoint now) {
  c.status = ClaimStatus::kVerified;
  c.last_verified_at = now;
  c.absent_since.reset();
  c.attempts = 0;
  c.next_check_at = now + p.recheck_interval;
  return c;
}

Claim failed(Claim c) {
  c.status = ClaimStatus::kFailed;
  c.next_check_at.reset();
  return c;
}

Claim retry_later(const Policy& p, Claim c, TimePoint now) {
  c.next_check_at = now + backoff(p, c.attempts);
  ++c.attempts;
  return c;
}

Claim check_pending(const Policy& p, Claim c, CheckOutcome o, TimePoint now) {
  if (o == CheckOutcome::kFound) return verified(p, std::move(c), now);
  // Only conclusive absence fails a claim; errors past the deadline retry.
  if (o == CheckOutcome::kAbsent && now >= c.deadline) return failed(std::move(c));
  c = retry_later(p, std::move(c), now);
  // Never sleep past the deadline: the deciding check runs right at it.
  if (o == CheckOutcome::kAbsent && *c.next_check_at > c.deadline) c.next_check_at = c.deadline;
  return c;
}

Claim check_verified(const Policy& p, Claim c, CheckOutcome o, TimePoint now) {
  if (o == CheckOutcome::kFound) return verified(p, std::move(c), now);
  if (!p.revocable) {  // stays verified; keep re-checking on the normal cadence
    c.next_check_at = now + p.recheck_interval;
    return c;
  }
  if (o == CheckOutcome::kAbsent) {
    if (!c.absent_since) c.absent_since = now;
    if (now - *c.absent_since >= p.revoke_after) return failed(std::move(c));
  }
  bool was_verified = c.status == ClaimStatus::kVerified;
  c.status = ClaimStatus::kUnconfirmed;
  if (was_verified) c.attempts = 0;
  c = retry_later(p, std::move(c), now);
  // Cap only while the end of the revoke window lies ahead: past it (resolver
  // errors only get here) the cap would be in the past and re-check at once.
  if (c.absent_since &&
      now<*c.absent_since + p.revoke_after&& * c.next_check_at> * c.absent_since + p.revoke_after) {
    c.next_check_at = *c.absent_since + p.revoke_after;
  }
  return c;
}

}  // namespace

Claim apply_check(const Policy& p, Claim c, CheckOutcome o, TimePoint now) {
  switch (c.status) {
    case ClaimStatus::kPending: return check_pending(p, std::move(c), o, now);
    case ClaimStatus::kVerified:
    case ClaimStatus::kUnconfirmed: return check_verified(p, std::move(c), o, now);
    case ClaimStatus::kFailed: return c;
  }
  return c;
}

Claim apply_time(const Policy& p, Claim c, TimePoint now) {
  (void)p;
  if (c.kind == ClaimKind::kSesEmail && c.status == ClaimStatus::kPending && now >= c.deadline) {
    return failed(std::move(c));
  }
  return c;
}

ClaimStatus status_at(const Policy& p, const Claim& c, TimePoint now) {
  (void)p;
  if (c.kind == ClaimKind::kSesEmail && c.status == ClaimStatus::kPending && now >= c.deadline) {
    return ClaimStatus::kFailed;
  }
  return c.status;
}

Claim restart(const Policy& p, Claim c, TimePoint now) {
  c.status = ClaimStatus::kPending;
  c.deadline = now + p.window;
  c.attempts = 0;
  c.absent_since.reset();
  c.next_check_at = c.kind == ClaimKind::kSesEmail ? c.deadline : now;
  return c;
}

bool is_due(const Claim& c, TimePoint now) { return c.next_check_at && *c.next_check_at <= now; }

}  // namespace vouch::core
