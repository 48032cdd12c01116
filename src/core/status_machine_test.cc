// The status rules of spec §7 rows 2 and 4, tested as pure functions: a fixed
// T0 and an explicit `now` everywhere. The table test walks every
// (kind x starting status x outcome x position in the window) combination and
// checks every field the machine may move; the named tests below read like the
// rules themselves.
#include "core/status_machine.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.h"
#include "testing/printers.h"

namespace vouch::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const TimePoint T0 = TimePoint(Seconds(1'700'000'000));  // 2023-11-14T22:13:20Z

// Times are shown relative to T0 so failures read as "T0+259200s".
std::string show(std::optional<TimePoint> t) {
  if (!t) return "none";
  auto d = std::chrono::duration_cast<Seconds>(*t - T0).count();
  return "T0" + std::string(d < 0 ? "" : "+") + std::to_string(d) + "s";
}

// Core's enums by name.
std::string show(ClaimStatus s) { return testing::to_string(s); }
std::string show(ClaimKind k) { return testing::to_string(k); }
std::string show(CheckOutcome o) { return testing::to_string(o); }

Seconds window_of(ClaimKind k) {
  return k == ClaimKind::kSesEmail ? Seconds(24 * 3600) : Seconds(72 * 3600);
}

// A fresh claim as the service creates it: pending, first check right away
// (email: the link is clicked or the window closes).
Claim new_claim(ClaimKind kind, TimePoint now = T0) {
  Claim c;
  c.id = "id-00000000000000000000";
  c.scope = {"111122223333", "us-east-1"};
  c.kind = kind;
  c.subject = kind == ClaimKind::kSesEmail ? "someone@example.com" : "example.com";
  c.record_name = "_amazonses.example.com";
  c.token = "QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=";
  c.status = ClaimStatus::kPending;
  c.created_at = now;
  c.deadline = now + window_of(kind);
  c.next_check_at = now;
  return c;
}

void expect_same_identity(const Claim& a, const Claim& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.scope, b.scope);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.record_name, b.record_name);
  EXPECT_EQ(a.token, b.token);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.dkim_tokens, b.dkim_tokens);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.version, b.version);
}

void expect_claim_eq(const Claim& want, const Claim& got) {
  EXPECT_EQ(show(want.status), show(got.status));
  EXPECT_EQ(show(want.deadline), show(got.deadline));
  EXPECT_EQ(show(want.next_check_at), show(got.next_check_at));
  EXPECT_EQ(show(want.last_verified_at), show(got.last_verified_at));
  EXPECT_EQ(show(want.absent_since), show(got.absent_since));
  EXPECT_EQ(want.attempts, got.attempts);
  expect_same_identity(want, got);
}

// ---------------------------------------------------------------------------
// Policies and backoff

TEST(PolicyTest, PoliciesPerKind) {
  Policy d = policy_for(ClaimKind::kSesDomain);
  EXPECT_EQ(d.window, hours(72));
  EXPECT_EQ(d.revoke_after, hours(72));
  EXPECT_TRUE(d.revocable);
  EXPECT_EQ(d.recheck_interval, hours(24));
  EXPECT_EQ(d.first_backoff, Seconds(60));
  EXPECT_EQ(d.max_backoff, Seconds(3600));
  EXPECT_DOUBLE_EQ(d.backoff_factor, 1.5);

  Policy e = policy_for(ClaimKind::kSesEmail);
  EXPECT_EQ(e.window, hours(24));
  EXPECT_EQ(e.revoke_after, hours(72));
  EXPECT_TRUE(e.revocable);

  Policy l = policy_for(ClaimKind::kLatticeDomain);
  EXPECT_EQ(l.window, hours(72));
  EXPECT_FALSE(l.revocable);
  EXPECT_EQ(l.recheck_interval, hours(24));

  // A DKIM record lives like a domain's TXT: 72 h window, revocable, daily re-check.
  Policy k = policy_for(ClaimKind::kSesDkim);
  EXPECT_EQ(k.window, hours(72));
  EXPECT_EQ(k.revoke_after, hours(72));
  EXPECT_TRUE(k.revocable);
  EXPECT_EQ(k.recheck_interval, hours(24));
}

TEST(StatusMachineTest, BackoffGrowsByOneAndAHalfUpToAnHour) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  EXPECT_EQ(backoff(p, 0), Seconds(60));   // 1 min
  EXPECT_EQ(backoff(p, 1), Seconds(90));   // 1.5 min
  EXPECT_EQ(backoff(p, 2), Seconds(135));  // 2.25 min
  EXPECT_EQ(backoff(p, 3), Seconds(202));  // 3.375 min, truncated to whole seconds
  EXPECT_EQ(backoff(p, 4), Seconds(303));
  EXPECT_EQ(backoff(p, 5), Seconds(455));
  EXPECT_EQ(backoff(p, 8), Seconds(1537));
  EXPECT_EQ(backoff(p, 9), Seconds(2306));
  EXPECT_EQ(backoff(p, 10), Seconds(3459));
  EXPECT_EQ(backoff(p, 11), Seconds(3600));  // 5189 s capped
  EXPECT_EQ(backoff(p, 12), Seconds(3600));
  EXPECT_EQ(backoff(p, 1000), Seconds(3600));  // pow overflows to inf, still capped
  EXPECT_EQ(backoff(p, -5), Seconds(60));      // negative counts as none

  // Monotone, never above the cap.
  for (int a = 0; a < 100; ++a) {
    EXPECT_LE(backoff(p, a), backoff(p, a + 1)) << a;
    EXPECT_LE(backoff(p, a), p.max_backoff) << a;
  }

  // The check sequence of a pending claim that never sees its record.
  Claim c = new_claim(ClaimKind::kSesDomain);
  std::vector<Seconds> gaps;
  TimePoint now = T0;
  for (int i = 0; i < 14; ++i) {
    c = apply_check(p, c, CheckOutcome::kAbsent, now);
    ASSERT_EQ(c.status, ClaimStatus::kPending);
    gaps.push_back(std::chrono::duration_cast<Seconds>(*c.next_check_at - now));
    now = *c.next_check_at;
  }
  std::vector<Seconds> want = {Seconds(60),   Seconds(90),   Seconds(135),  Seconds(202),
                               Seconds(303),  Seconds(455),  Seconds(683),  Seconds(1025),
                               Seconds(1537), Seconds(2306), Seconds(3459), Seconds(3600),
                               Seconds(3600), Seconds(3600)};
  EXPECT_EQ(gaps, want);
}

TEST(StatusMachineTest, BackoffFollowsThePolicy) {
  Policy p;
  p.first_backoff = Seconds(10);
  p.backoff_factor = 2.0;
  p.max_backoff = Seconds(100);
  EXPECT_EQ(backoff(p, 0), Seconds(10));
  EXPECT_EQ(backoff(p, 1), Seconds(20));
  EXPECT_EQ(backoff(p, 3), Seconds(80));
  EXPECT_EQ(backoff(p, 4), Seconds(100));
}

// ---------------------------------------------------------------------------
// Pending

TEST(StatusMachineTest, PendingBecomesVerifiedWhenFound) {
  for (ClaimKind kind : {ClaimKind::kSesDomain, ClaimKind::kSesEmail, ClaimKind::kLatticeDomain}) {
    SCOPED_TRACE(show(kind));
    Policy p = policy_for(kind);
    Claim c = new_claim(kind);
    c.attempts = 7;
    TimePoint now = T0 + minutes(5);
    Claim r = apply_check(p, c, CheckOutcome::kFound, now);
    EXPECT_EQ(r.status, ClaimStatus::kVerified);
    EXPECT_EQ(r.last_verified_at, now);
    EXPECT_EQ(r.next_check_at, now + hours(24));
    EXPECT_EQ(r.attempts, 0);
    EXPECT_EQ(r.absent_since, std::nullopt);
    EXPECT_EQ(r.deadline, c.deadline);
    expect_same_identity(c, r);
  }
}

TEST(StatusMachineTest, PendingStaysPendingWhenAbsentBeforeDeadline) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  Claim c = new_claim(ClaimKind::kSesDomain);
  Claim r = apply_check(p, c, CheckOutcome::kAbsent, T0);
  EXPECT_EQ(r.status, ClaimStatus::kPending);
  EXPECT_EQ(r.next_check_at, T0 + backoff(p, 0));
  EXPECT_EQ(r.next_check_at, T0 + Seconds(60));
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.absent_since, std::nullopt);  // only re-checks of verified claims track absence
  EXPECT_EQ(r.last_verified_at, std::nullopt);

  TimePoint now = T0 + Seconds(60);
  Claim r2 = apply_check(p, r, CheckOutcome::kAbsent, now);
  EXPECT_EQ(r2.status, ClaimStatus::kPending);
  EXPECT_EQ(r2.next_check_at, now + Seconds(90));
  EXPECT_EQ(r2.attempts, 2);

  // One second before the deadline: still pending, deciding check at the deadline.
  Claim r3 = apply_check(p, r2, CheckOutcome::kAbsent, c.deadline - Seconds(1));
  EXPECT_EQ(r3.status, ClaimStatus::kPending);
  EXPECT_EQ(r3.next_check_at, c.deadline);
}

TEST(StatusMachineTest, PendingBecomesFailedWhenAbsentAtDeadline) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  Claim c = new_claim(ClaimKind::kSesDomain);
  ASSERT_EQ(c.deadline, T0 + hours(72));
  c.attempts = 20;
  Claim r = apply_check(p, c, CheckOutcome::kAbsent, T0 + hours(72));
  EXPECT_EQ(r.status, ClaimStatus::kFailed);
  EXPECT_EQ(r.next_check_at, std::nullopt);
  EXPECT_EQ(r.last_verified_at, std::nullopt);
  EXPECT_EQ(r.attempts, 20);
  EXPECT_EQ(r.deadline, c.deadline);

  // Lattice too (VERIFICATION_TIMED_OUT), and any time after the deadline.
  Policy lp = policy_for(ClaimKind::kLatticeDomain);
  Claim l = new_claim(ClaimKind::kLatticeDomain);
  EXPECT_EQ(apply_check(lp, l, CheckOutcome::kAbsent, T0 + hours(72)).status, ClaimStatus::kFailed);
  EXPECT_EQ(apply_check(lp, l, CheckOutcome::kAbsent, T0 + hours(100)).status,
            ClaimStatus::kFailed);
  EXPECT_EQ(apply_check(lp, l, CheckOutcome::kAbsent, T0 + hours(72) - Seconds(1)).status,
            ClaimStatus::kPending);
}

TEST(StatusMachineTest, PendingFoundAfterDeadlineIsStillVerified) {
  // The deadline only lets absence decide; evidence of ownership always wins.
  Policy p = policy_for(ClaimKind::kSesDomain);
  Claim c = new_claim(ClaimKind::kSesDomain);
  TimePoint now = T0 + hours(73);
  Claim r = apply_check(p, c, CheckOutcome::kFound, now);
  EXPECT_EQ(r.status, ClaimStatus::kVerified);
  EXPECT_EQ(r.last_verified_at, now);
}

TEST(StatusMachineTest, ResolverErrorNeverFailsAPendingClaim) {
  for (ClaimKind kind : {ClaimKind::kSesDomain, ClaimKind::kSesEmail, ClaimKind::kLatticeDomain}) {
    SCOPED_TRACE(show(kind));
    Policy p = policy_for(kind);
    Claim c = new_claim(kind);
    for (TimePoint now : {T0, c.deadline - Seconds(1), c.deadline, c.deadline + Seconds(1),
                          c.deadline + hours(1000)}) {
      SCOPED_TRACE(show(now));
      Claim r = apply_check(p, c, CheckOutcome::kResolverError, now);
      EXPECT_EQ(r.status, ClaimStatus::kPending);
      ASSERT_TRUE(r.next_check_at.has_value());
      EXPECT_EQ(r.next_check_at, now + backoff(p, c.attempts));
      EXPECT_GT(*r.next_check_at, now);  // never a busy loop, even past the deadline
      EXPECT_EQ(r.attempts, c.attempts + 1);
    }
    // Many errors in a row past the deadline: still pending, backoff saturates.
    Claim r = c;
    TimePoint now = c.deadline;
    for (int i = 0; i < 50; ++i) {
      r = apply_check(p, r, CheckOutcome::kResolverError, now);
      ASSERT_EQ(r.status, ClaimStatus::kPending);
      now = *r.next_check_at;
    }
    EXPECT_EQ(apply_check(p, r, CheckOutcome::kResolverError, now).next_check_at, now + hours(1));
    // ...and the first conclusive absence then fails it.
    EXPECT_EQ(apply_check(p, r, CheckOutcome::kAbsent, now).status, ClaimStatus::kFailed);
  }
}

TEST(StatusMachineTest, NextCheckNeverSleepsPastTheDeadline) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  Claim c = new_claim(ClaimKind::kSesDomain);
  c.attempts = 30;  // backoff is a full hour
  for (Seconds before : {Seconds(1), Seconds(59), Seconds(60), Seconds(1800), Seconds(3599)}) {
    TimePoint now = c.deadline - before;
    Claim r = apply_check(p, c, CheckOutcome::kAbsent, now);
    EXPECT_EQ(r.status, ClaimStatus::kPending);
    EXPECT_EQ(r.next_check_at, c.deadline) << before.count();
    EXPECT_EQ(r.attempts, 31);
  }
  // Exactly an hour before: backoff lands on the deadline itself.
  EXPECT_EQ(apply_check(p, c, CheckOutcome::kAbsent, c.deadline - hours(1)).next_check_at,
            c.deadline);
  // Further away the plain backoff applies.
  EXPECT_EQ(apply_check(p, c, CheckOutcome::kAbsent, c.deadline - hours(2)).next_check_at,
            c.deadline - hours(1));

  // Walking an always-absent claim: the last pending check is exactly at the
  // deadline and it fails there, not later.
  Claim w = new_claim(ClaimKind::kSesDomain);
  TimePoint now = T0;
  int checks = 0;
  while (w.status == ClaimStatus::kPending) {
    ASSERT_LE(*w.next_check_at, w.deadline);
    now = *w.next_check_at;
    w = apply_check(p, w, CheckOutcome::kAbsent, now);
    ++checks;
    ASSERT_LT(checks, 1000);
  }
  EXPECT_EQ(w.status, ClaimStatus::kFailed);
  EXPECT_EQ(now, T0 + hours(72));
  // 11 growing intervals (sum 10,055 s), then hourly: 72 h fits 11 + 67 + 1 capped.
  EXPECT_GT(checks, 70);
  EXPECT_LT(checks, 90);
}

// ---------------------------------------------------------------------------
// Verified / Unconfirmed

Claim verified_claim(ClaimKind kind, TimePoint at) {
  Policy p = policy_for(kind);
  return apply_check(p, new_claim(kind), CheckOutcome::kFound, at);
}

TEST(StatusMachineTest, VerifiedRecheckedAfter24h) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  TimePoint t1 = T0 + minutes(10);
  Claim v = verified_claim(ClaimKind::kSesDomain, t1);
  EXPECT_EQ(v.next_check_at, t1 + hours(24));
  EXPECT_FALSE(is_due(v, t1 + hours(24) - Seconds(1)));
  EXPECT_TRUE(is_due(v, t1 + hours(24)));

  TimePoint t2 = t1 + hours(24);
  Claim r = apply_check(p, v, CheckOutcome::kFound, t2);
  EXPECT_EQ(r.status, ClaimStatus::kVerified);
  EXPECT_EQ(r.last_verified_at, t2);  // moves when a re-check confirms
  EXPECT_EQ(r.next_check_at, t2 + hours(24));
  EXPECT_EQ(r.attempts, 0);
}

TEST(StatusMachineTest, VerifiedBecomesUnconfirmedWhenAbsent) {
  for (ClaimKind kind : {ClaimKind::kSesDomain, ClaimKind::kSesEmail}) {
    SCOPED_TRACE(show(kind));
    Policy p = policy_for(kind);
    TimePoint t1 = T0 + minutes(10);
    Claim v = verified_claim(kind, t1);
    TimePoint t2 = t1 + hours(24);
    Claim r = apply_check(p, v, CheckOutcome::kAbsent, t2);
    EXPECT_EQ(r.status, ClaimStatus::kUnconfirmed);
    EXPECT_EQ(r.absent_since, t2);
    EXPECT_EQ(r.last_verified_at, t1);             // unchanged
    EXPECT_EQ(r.next_check_at, t2 + Seconds(60));  // backoff restarts
    EXPECT_EQ(r.attempts, 1);

    // A second absent check keeps the first absence time.
    TimePoint t3 = *r.next_check_at;
    Claim r2 = apply_check(p, r, CheckOutcome::kAbsent, t3);
    EXPECT_EQ(r2.status, ClaimStatus::kUnconfirmed);
    EXPECT_EQ(r2.absent_since, t2);
    EXPECT_EQ(r2.next_check_at, t3 + Seconds(90));
    EXPECT_EQ(r2.attempts, 2);
  }
}

TEST(StatusMachineTest, UnconfirmedBackToVerifiedWhenFound) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  TimePoint t1 = T0 + minutes(10);
  Claim u = apply_check(p, verified_claim(ClaimKind::kSesDomain, t1), CheckOutcome::kAbsent,
                        t1 + hours(24));
  u = apply_check(p, u, CheckOutcome::kAbsent, *u.next_check_at);
  ASSERT_EQ(u.status, ClaimStatus::kUnconfirmed);
  ASSERT_EQ(u.attempts, 2);
  TimePoint t3 = t1 + hours(30);
  Claim r = apply_check(p, u, CheckOutcome::kFound, t3);
  EXPECT_EQ(r.status, ClaimStatus::kVerified);
  EXPECT_EQ(r.last_verified_at, t3);
  EXPECT_EQ(r.absent_since, std::nullopt);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.next_check_at, t3 + hours(24));
}

TEST(StatusMachineTest, UnconfirmedBecomesFailedAfter72hAbsent) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  TimePoint t1 = T0 + minutes(10);
  TimePoint gone = t1 + hours(24);
  Claim u = apply_check(p, verified_claim(ClaimKind::kSesDomain, t1), CheckOutcome::kAbsent, gone);
  ASSERT_EQ(u.absent_since, gone);

  // Just before 72 h of absence: still unconfirmed, next check exactly at 72 h.
  u.attempts = 30;
  Claim r = apply_check(p, u, CheckOutcome::kAbsent, gone + hours(72) - Seconds(10));
  EXPECT_EQ(r.status, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(r.next_check_at, gone + hours(72));

  // At 72 h: failed. After: failed.
  for (TimePoint now : {gone + hours(72), gone + hours(72) + Seconds(1), gone + hours(500)}) {
    Claim f = apply_check(p, u, CheckOutcome::kAbsent, now);
    EXPECT_EQ(f.status, ClaimStatus::kFailed) << show(now);
    EXPECT_EQ(f.next_check_at, std::nullopt);
    EXPECT_EQ(f.last_verified_at, t1);
    EXPECT_EQ(f.absent_since, gone);
  }
}

TEST(StatusMachineTest, ResolverErrorsMakeVerifiedUnconfirmedButNeverFailed) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  TimePoint t1 = T0 + minutes(10);
  Claim v = verified_claim(ClaimKind::kSesDomain, t1);
  TimePoint now = t1 + hours(24);
  Claim r = apply_check(p, v, CheckOutcome::kResolverError, now);
  EXPECT_EQ(r.status, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(r.absent_since, std::nullopt);  // an error is not evidence of absence
  EXPECT_EQ(r.last_verified_at, t1);
  EXPECT_EQ(r.next_check_at, now + Seconds(60));
  EXPECT_EQ(r.attempts, 1);

  // A month of resolver errors: never failed, never a busy loop.
  TimePoint end = now + hours(24 * 30);
  int checks = 0;
  while (now < end) {
    now = *r.next_check_at;
    r = apply_check(p, r, CheckOutcome::kResolverError, now);
    ASSERT_EQ(r.status, ClaimStatus::kUnconfirmed);
    ASSERT_GT(*r.next_check_at, now);
    ++checks;
  }
  EXPECT_LT(checks, 24 * 30 + 20);

  // Absence seen once, then only resolver errors, well beyond the revoke
  // window: still not failed (only absence fails), and the next check is
  // always in the future (no re-check storm while resolvers are down).
  TimePoint gone = t1 + hours(24);
  Claim u = apply_check(p, v, CheckOutcome::kAbsent, gone);
  now = gone;
  while (now < gone + hours(24 * 10)) {
    now = *u.next_check_at;
    u = apply_check(p, u, CheckOutcome::kResolverError, now);
    ASSERT_EQ(u.status, ClaimStatus::kUnconfirmed) << show(now);
    ASSERT_EQ(u.absent_since, gone);
    ASSERT_GT(*u.next_check_at, now) << show(now);
  }
  // ...and the next conclusive absence fails it.
  EXPECT_EQ(apply_check(p, u, CheckOutcome::kAbsent, now).status, ClaimStatus::kFailed);
}

TEST(StatusMachineTest, ResolverErrorBeforeRevokeWindowEndsChecksAtItsEnd) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  Claim u = apply_check(p, verified_claim(ClaimKind::kSesDomain, T0), CheckOutcome::kAbsent,
                        T0 + hours(24));
  u.attempts = 30;
  TimePoint limit = T0 + hours(24 + 72);
  Claim r = apply_check(p, u, CheckOutcome::kResolverError, limit - minutes(5));
  EXPECT_EQ(r.status, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(r.next_check_at, limit);
  // At the end of the window a resolver error does not decide: retry later.
  Claim r2 = apply_check(p, u, CheckOutcome::kResolverError, limit);
  EXPECT_EQ(r2.status, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(r2.next_check_at, limit + hours(1));
}

TEST(StatusMachineTest, LatticeVerifiedStaysVerifiedWhenAbsent) {
  Policy p = policy_for(ClaimKind::kLatticeDomain);
  ASSERT_FALSE(p.revocable);
  TimePoint t1 = T0 + minutes(10);
  Claim v = verified_claim(ClaimKind::kLatticeDomain, t1);
  TimePoint now = t1;
  for (int day = 1; day <= 30; ++day) {
    now = *v.next_check_at;
    ASSERT_EQ(now, t1 + hours(24 * day));
    v = apply_check(p, v, day % 2 ? CheckOutcome::kAbsent : CheckOutcome::kResolverError, now);
    ASSERT_EQ(v.status, ClaimStatus::kVerified);
    ASSERT_EQ(v.last_verified_at, t1);  // lastVerifiedTime moves only on confirmation
    ASSERT_EQ(v.absent_since, std::nullopt);
    ASSERT_EQ(v.next_check_at, now + hours(24));
    ASSERT_EQ(v.attempts, 0);
  }
  Claim r = apply_check(p, v, CheckOutcome::kFound, now + hours(24));
  EXPECT_EQ(r.status, ClaimStatus::kVerified);
  EXPECT_EQ(r.last_verified_at, now + hours(24));
}

TEST(StatusMachineTest, FailedIsFinal) {
  for (ClaimKind kind : {ClaimKind::kSesDomain, ClaimKind::kSesEmail, ClaimKind::kLatticeDomain}) {
    SCOPED_TRACE(show(kind));
    Policy p = policy_for(kind);
    Claim f = apply_check(p, new_claim(kind), CheckOutcome::kAbsent, T0 + hours(72));
    ASSERT_EQ(f.status, ClaimStatus::kFailed);
    for (CheckOutcome o :
         {CheckOutcome::kFound, CheckOutcome::kAbsent, CheckOutcome::kResolverError}) {
      for (TimePoint now : {T0, T0 + hours(72), T0 + hours(1000)}) {
        Claim r = apply_check(p, f, o, now);
        expect_claim_eq(f, r);
        expect_claim_eq(f, apply_time(p, f, now));
        EXPECT_FALSE(is_due(r, now));
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Time alone

TEST(StatusMachineTest, StatusAtIsApplyTimesStatus) {
  for (ClaimKind kind : {ClaimKind::kSesDomain, ClaimKind::kSesEmail, ClaimKind::kLatticeDomain}) {
    SCOPED_TRACE(show(kind));
    Policy p = policy_for(kind);
    Claim pending = new_claim(kind);
    Claim verified = verified_claim(kind, T0 + hours(1));
    Claim unconfirmed = apply_check(p, verified, CheckOutcome::kAbsent, T0 + hours(25));
    Claim failed = apply_check(p, pending, CheckOutcome::kAbsent, T0 + hours(72));
    for (const Claim& c : {pending, verified, unconfirmed, failed}) {
      for (TimePoint now :
           {T0, T0 + hours(24) - Seconds(1), T0 + hours(24), T0 + hours(72), T0 + hours(1000)}) {
        EXPECT_EQ(status_at(p, c, now), apply_time(p, c, now).status) << show(now);
      }
    }
  }
}

TEST(StatusMachineTest, EmailFailsAfter24hByTimeAlone) {
  Policy p = policy_for(ClaimKind::kSesEmail);
  Claim c = new_claim(ClaimKind::kSesEmail);
  c.next_check_at = c.deadline;
  ASSERT_EQ(c.deadline, T0 + hours(24));
  expect_claim_eq(c, apply_time(p, c, T0));
  expect_claim_eq(c, apply_time(p, c, T0 + hours(24) - Seconds(1)));
  for (TimePoint now : {T0 + hours(24), T0 + hours(24) + Seconds(1), T0 + hours(1000)}) {
    Claim r = apply_time(p, c, now);
    EXPECT_EQ(r.status, ClaimStatus::kFailed) << show(now);
    EXPECT_EQ(r.next_check_at, std::nullopt);
    EXPECT_EQ(r.deadline, c.deadline);
    EXPECT_EQ(r.attempts, c.attempts);
  }
  // A verified (or unconfirmed) email is not touched by time.
  Claim v = verified_claim(ClaimKind::kSesEmail, T0 + hours(1));
  expect_claim_eq(v, apply_time(p, v, T0 + hours(1000)));
  Claim u = apply_check(p, v, CheckOutcome::kAbsent, T0 + hours(25));
  expect_claim_eq(u, apply_time(p, u, T0 + hours(1000)));
}

TEST(StatusMachineTest, DomainUnchangedByTimeAlone) {
  for (ClaimKind kind : {ClaimKind::kSesDomain, ClaimKind::kLatticeDomain}) {
    SCOPED_TRACE(show(kind));
    Policy p = policy_for(kind);
    Claim c = new_claim(kind);
    Claim v = verified_claim(kind, T0 + hours(1));
    for (TimePoint now : {T0, T0 + hours(72), T0 + hours(73), T0 + hours(10000)}) {
      expect_claim_eq(c, apply_time(p, c, now));
      expect_claim_eq(v, apply_time(p, v, now));
    }
  }
}

// ---------------------------------------------------------------------------
// Restart and due checks

TEST(StatusMachineTest, RestartOpensAFreshWindow) {
  // Domain: a failed identity goes back to pending with a fresh 72 h window and
  // the same token; checked right away.
  {
    Policy p = policy_for(ClaimKind::kSesDomain);
    TimePoint t1 = T0 + hours(1);
    Claim v = verified_claim(ClaimKind::kSesDomain, t1);
    Claim u = apply_check(p, v, CheckOutcome::kAbsent, t1 + hours(24));
    Claim f = apply_check(p, u, CheckOutcome::kAbsent, t1 + hours(24 + 72));
    ASSERT_EQ(f.status, ClaimStatus::kFailed);
    TimePoint now = T0 + hours(200);
    Claim r = restart(p, f, now);
    EXPECT_EQ(r.status, ClaimStatus::kPending);
    EXPECT_EQ(r.deadline, now + hours(72));
    EXPECT_EQ(r.next_check_at, now);
    EXPECT_EQ(r.attempts, 0);
    EXPECT_EQ(r.absent_since, std::nullopt);
    EXPECT_EQ(r.token, f.token);
    EXPECT_EQ(r.created_at, f.created_at);
    EXPECT_EQ(r.last_verified_at, t1);  // history is kept
    EXPECT_TRUE(is_due(r, now));
    // The fresh window behaves like the first one.
    EXPECT_EQ(apply_check(p, r, CheckOutcome::kAbsent, now + hours(71)).status,
              ClaimStatus::kPending);
    EXPECT_EQ(apply_check(p, r, CheckOutcome::kAbsent, now + hours(72)).status,
              ClaimStatus::kFailed);
  }
  // Email: pending for 24 h, woken at the deadline so time can fail it.
  {
    Policy p = policy_for(ClaimKind::kSesEmail);
    Claim f = apply_time(p, new_claim(ClaimKind::kSesEmail), T0 + hours(24));
    ASSERT_EQ(f.status, ClaimStatus::kFailed);
    f.attempts = 4;
    TimePoint now = T0 + hours(30);
    Claim r = restart(p, f, now);
    EXPECT_EQ(r.status, ClaimStatus::kPending);
    EXPECT_EQ(r.deadline, now + hours(24));
    EXPECT_EQ(r.next_check_at, now + hours(24));
    EXPECT_EQ(r.attempts, 0);
    EXPECT_FALSE(is_due(r, now));
    EXPECT_EQ(apply_time(p, r, now + hours(24) - Seconds(1)).status, ClaimStatus::kPending);
    EXPECT_EQ(apply_time(p, r, now + hours(24)).status, ClaimStatus::kFailed);
  }
  // Lattice restart (not an SES operation, but the rule is the same shape).
  {
    Policy p = policy_for(ClaimKind::kLatticeDomain);
    Claim r = restart(p, new_claim(ClaimKind::kLatticeDomain), T0 + hours(5));
    EXPECT_EQ(r.deadline, T0 + hours(77));
    EXPECT_EQ(r.next_check_at, T0 + hours(5));
  }
}

TEST(StatusMachineTest, IsDue) {
  Claim c = new_claim(ClaimKind::kSesDomain);
  c.next_check_at = T0 + Seconds(100);
  EXPECT_FALSE(is_due(c, T0));
  EXPECT_FALSE(is_due(c, T0 + Seconds(99)));
  EXPECT_TRUE(is_due(c, T0 + Seconds(100)));
  EXPECT_TRUE(is_due(c, T0 + Seconds(101)));
  EXPECT_TRUE(is_due(c, T0 + hours(10000)));
  c.next_check_at.reset();
  EXPECT_FALSE(is_due(c, T0));
  EXPECT_FALSE(is_due(c, T0 + hours(10000)));
  // Sub-second resolution of the clock is respected.
  c.next_check_at = T0 + Seconds(100);
  EXPECT_FALSE(is_due(c, T0 + Seconds(100) - std::chrono::microseconds(1)));
}

TEST(StatusMachineTest, InputIsNotModifiedAndFunctionsArePure) {
  Policy p = policy_for(ClaimKind::kSesDomain);
  const Claim c = new_claim(ClaimKind::kSesDomain);
  Claim a = apply_check(p, c, CheckOutcome::kAbsent, T0 + hours(1));
  Claim b = apply_check(p, c, CheckOutcome::kAbsent, T0 + hours(1));
  expect_claim_eq(a, b);
  EXPECT_EQ(c.status, ClaimStatus::kPending);
  EXPECT_EQ(c.attempts, 0);
  EXPECT_EQ(c.next_check_at, T0);
}

// ---------------------------------------------------------------------------
// A full timeline, driven the way the scheduler drives it.

TEST(StatusMachineTest, FullTimelineWithManualClock) {
  const Policy p = policy_for(ClaimKind::kSesDomain);
  ManualClock clock(T0);
  Claim c = new_claim(ClaimKind::kSesDomain, clock.now());

  // The record, as the world sees it: a list of [from, to) intervals.
  std::vector<std::pair<TimePoint, TimePoint>> published;
  auto record = [&](TimePoint t) {
    for (auto& [from, to] : published) {
      if (t >= from && t < to) return CheckOutcome::kFound;
    }
    return CheckOutcome::kAbsent;
  };
  // Run due checks until `until`, returning how many ran.
  auto run_until = [&](TimePoint until) {
    int n = 0;
    while (c.next_check_at && *c.next_check_at <= until) {
      clock.set(*c.next_check_at);
      EXPECT_TRUE(is_due(c, clock.now()));
      TimePoint before = clock.now();
      c = apply_time(p, c, clock.now());
      c = apply_check(p, c, record(clock.now()), clock.now());
      if (c.next_check_at) {
        EXPECT_GT(*c.next_check_at, before);
      }
      ++n;
      if (n > 10000) {
        ADD_FAILURE() << "runaway";
        break;
      }
    }
    clock.set(until);
    return n;
  };

  // Pending; the record appears after 30 minutes and stays for four days.
  published.push_back({T0 + minutes(30), T0 + hours(24 * 4)});
  int n = run_until(T0 + minutes(29));
  EXPECT_EQ(c.status, ClaimStatus::kPending);
  EXPECT_EQ(n, 7);  // at T0 + 0, 60, 150, 285, 487, 790, 1245 s; the next is at 1928 s
  EXPECT_EQ(c.next_check_at, T0 + Seconds(1928));
  EXPECT_EQ(run_until(T0 + hours(1)), 1);
  ASSERT_EQ(c.status, ClaimStatus::kVerified);
  const TimePoint verified_at = *c.last_verified_at;
  EXPECT_EQ(verified_at, T0 + Seconds(1928));
  EXPECT_EQ(c.next_check_at, verified_at + hours(24));

  // Daily re-checks confirm it while it stays published.
  EXPECT_EQ(run_until(verified_at + hours(24 * 3)), 3);
  EXPECT_EQ(c.status, ClaimStatus::kVerified);
  EXPECT_EQ(c.last_verified_at, verified_at + hours(24 * 3));

  // The record disappears at T0+4d: the next daily re-check makes it Unconfirmed.
  EXPECT_EQ(run_until(verified_at + hours(24 * 4)), 1);
  ASSERT_EQ(c.status, ClaimStatus::kUnconfirmed);
  const TimePoint gone1 = verified_at + hours(24 * 4);
  EXPECT_EQ(c.absent_since, gone1);
  EXPECT_EQ(c.last_verified_at, verified_at + hours(24 * 3));
  EXPECT_EQ(c.next_check_at, gone1 + minutes(1));

  // It comes back 10 hours later for 36 hours: Verified again, absence forgotten.
  published.push_back({gone1 + hours(10), gone1 + hours(46)});
  run_until(gone1 + hours(10) - Seconds(1));
  EXPECT_EQ(c.status, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(c.absent_since, gone1);
  run_until(gone1 + hours(11));
  ASSERT_EQ(c.status, ClaimStatus::kVerified);
  const TimePoint back = *c.last_verified_at;
  EXPECT_GE(back, gone1 + hours(10));
  EXPECT_LE(back, gone1 + hours(11));
  EXPECT_EQ(c.absent_since, std::nullopt);
  EXPECT_EQ(c.attempts, 0);

  // Gone for good at gone1+46h: still there at back+24h, missed at back+48h.
  run_until(back + hours(24));
  EXPECT_EQ(c.status, ClaimStatus::kVerified);
  EXPECT_EQ(c.last_verified_at, back + hours(24));
  run_until(back + hours(48));
  ASSERT_EQ(c.status, ClaimStatus::kUnconfirmed);
  const TimePoint gone2 = back + hours(48);
  EXPECT_EQ(c.absent_since, gone2);

  // Unconfirmed for just under 72 h, then Failed exactly at 72 h.
  run_until(gone2 + hours(72) - Seconds(1));
  EXPECT_EQ(c.status, ClaimStatus::kUnconfirmed);
  EXPECT_EQ(c.next_check_at, gone2 + hours(72));
  run_until(gone2 + hours(100));
  EXPECT_EQ(c.status, ClaimStatus::kFailed);
  EXPECT_EQ(c.next_check_at, std::nullopt);
  EXPECT_EQ(c.absent_since, gone2);
  EXPECT_EQ(c.last_verified_at, back + hours(24));
  EXPECT_EQ(clock.now(), gone2 + hours(100));
  EXPECT_EQ(run_until(gone2 + hours(1000)), 0);  // nothing more to do
}

// ---------------------------------------------------------------------------
// The exhaustive table.
//
// Starting states (per kind):
//   Pending            attempts 3, window from T0 (deadline D = T0 + window)
//   Verified           verified at V = T0 + 1h, never absent
//   UnconfirmedAbsent  was verified at V, absent since A = T0 + 10d, attempts 4
//   UnconfirmedErrors  was verified at V, never seen absent (errors only), attempts 4
//   Failed             timed out at D
// Positions, relative to the window that matters for that state (Pending: D;
// UnconfirmedAbsent: A + 72 h; others: T0 + 20d, where nothing depends on it):
//   Before (-2 h), JustBefore (-10 s), At, After (+1 h)

enum class Start { kPending, kVerified, kUnconfirmedAbsent, kUnconfirmedErrors, kFailed };
enum class Pos { kBefore, kJustBefore, kAt, kAfter };

std::string show(Start s) {
  switch (s) {
    case Start::kPending: return "Pending";
    case Start::kVerified: return "Verified";
    case Start::kUnconfirmedAbsent: return "UnconfirmedAbsent";
    case Start::kUnconfirmedErrors: return "UnconfirmedErrors";
    case Start::kFailed: return "Failed";
  }
  return "?";
}

std::string show(Pos p) {
  switch (p) {
    case Pos::kBefore: return "Before";
    case Pos::kJustBefore: return "JustBefore";
    case Pos::kAt: return "At";
    case Pos::kAfter: return "After";
  }
  return "?";
}

const TimePoint V = T0 + hours(1);
const TimePoint A = T0 + hours(24 * 10);

Claim start_claim(ClaimKind kind, Start s) {
  Claim c = new_claim(kind);
  c.tags = {{"k", "v"}};
  c.seq = 7;
  c.version = 3;
  switch (s) {
    case Start::kPending:
      c.attempts = 3;
      c.next_check_at = T0 + hours(5);
      break;
    case Start::kVerified:
      c.status = ClaimStatus::kVerified;
      c.last_verified_at = V;
      c.next_check_at = V + hours(24);
      break;
    case Start::kUnconfirmedAbsent:
      c.status = ClaimStatus::kUnconfirmed;
      c.last_verified_at = V;
      c.absent_since = A;
      c.attempts = 4;
      c.next_check_at = A + hours(1);
      break;
    case Start::kUnconfirmedErrors:
      c.status = ClaimStatus::kUnconfirmed;
      c.last_verified_at = V;
      c.attempts = 4;
      c.next_check_at = A + hours(1);
      break;
    case Start::kFailed:
      c.status = ClaimStatus::kFailed;
      c.attempts = 9;
      c.next_check_at.reset();
      break;
  }
  return c;
}

TimePoint now_for(ClaimKind kind, Start s, Pos pos) {
  TimePoint ref;
  switch (s) {
    case Start::kPending: ref = T0 + window_of(kind); break;
    case Start::kUnconfirmedAbsent: ref = A + hours(72); break;
    default: ref = T0 + hours(24 * 20); break;
  }
  switch (pos) {
    case Pos::kBefore: return ref - hours(2);
    case Pos::kJustBefore: return ref - Seconds(10);
    case Pos::kAt: return ref;
    case Pos::kAfter: return ref + hours(1);
  }
  return ref;
}

// Backoff values used below, written out: 60 * 1.5^n truncated.
constexpr Seconds kBackoff0{60};
constexpr Seconds kBackoff3{202};
constexpr Seconds kBackoff4{303};

// The expected claim, written from the rules (spec §7 rows 2 and 4), one case
// at a time.
Claim expected(ClaimKind kind, Start s, CheckOutcome o, Pos pos) {
  const Claim c = start_claim(kind, s);
  const TimePoint now = now_for(kind, s, pos);
  const bool revocable = kind != ClaimKind::kLatticeDomain;
  Claim e = c;
  auto make_verified = [&] {
    e.status = ClaimStatus::kVerified;
    e.last_verified_at = now;
    e.absent_since.reset();
    e.attempts = 0;
    e.next_check_at = now + hours(24);
  };
  auto make_failed = [&] {
    e.status = ClaimStatus::kFailed;
    e.next_check_at.reset();
  };
  if (s == Start::kFailed) return e;  // final
  if (o == CheckOutcome::kFound) {
    make_verified();
    return e;
  }
  switch (s) {
    case Start::kPending:
      if (o == CheckOutcome::kAbsent && (pos == Pos::kAt || pos == Pos::kAfter)) {
        make_failed();
      } else if (o == CheckOutcome::kAbsent && pos == Pos::kJustBefore) {
        e.next_check_at = c.deadline;  // capped at the deadline
        e.attempts = 4;
      } else {
        e.next_check_at = now + kBackoff3;  // resolver errors: plain backoff, even past D
        e.attempts = 4;
      }
      return e;
    case Start::kVerified:
      if (!revocable) {
        e.next_check_at = now + hours(24);
        return e;
      }
      e.status = ClaimStatus::kUnconfirmed;
      if (o == CheckOutcome::kAbsent) e.absent_since = now;
      e.attempts = 1;
      e.next_check_at = now + kBackoff0;
      return e;
    case Start::kUnconfirmedAbsent:
      if (!revocable) {
        e.next_check_at = now + hours(24);
        return e;
      }
      if (o == CheckOutcome::kAbsent && (pos == Pos::kAt || pos == Pos::kAfter)) {
        make_failed();
        return e;
      }
      e.attempts = 5;
      // Capped at the end of the revoke window while it lies ahead; at or
      // past it (only reachable with resolver errors) the plain backoff.
      e.next_check_at = pos == Pos::kJustBefore ? A + hours(72) : now + kBackoff4;
      return e;
    case Start::kUnconfirmedErrors:
      if (!revocable) {
        e.next_check_at = now + hours(24);
        return e;
      }
      if (o == CheckOutcome::kAbsent) e.absent_since = now;
      e.attempts = 5;
      e.next_check_at = now + kBackoff4;
      return e;
    case Start::kFailed: break;
  }
  return e;
}

using Combo = std::tuple<ClaimKind, Start, CheckOutcome, Pos>;

class TransitionTable : public ::testing::TestWithParam<Combo> {};

TEST_P(TransitionTable, ApplyCheck) {
  auto [kind, s, o, pos] = GetParam();
  Policy p = policy_for(kind);
  Claim c = start_claim(kind, s);
  TimePoint now = now_for(kind, s, pos);
  SCOPED_TRACE("now=" + show(now));
  Claim got = apply_check(p, c, o, now);
  expect_claim_eq(expected(kind, s, o, pos), got);

  // Invariants that hold in every cell.
  if (got.status == ClaimStatus::kFailed) {
    EXPECT_FALSE(got.next_check_at.has_value());
  } else {
    ASSERT_TRUE(got.next_check_at.has_value());
    EXPECT_GT(*got.next_check_at, now) << "a live claim must not be due again at once";
  }
  if (o == CheckOutcome::kResolverError && s != Start::kFailed) {
    EXPECT_NE(got.status, ClaimStatus::kFailed) << "resolver errors never fail a claim";
  }
  if (!p.revocable && s == Start::kVerified) {
    EXPECT_EQ(got.status, ClaimStatus::kVerified);
  }
  if (o != CheckOutcome::kFound) {
    EXPECT_EQ(got.last_verified_at, c.last_verified_at);
  }
  EXPECT_EQ(got.deadline, c.deadline);
}

INSTANTIATE_TEST_SUITE_P(
    AllCombinations, TransitionTable,
    ::testing::Combine(
        ::testing::Values(ClaimKind::kSesDomain, ClaimKind::kSesEmail, ClaimKind::kLatticeDomain),
        ::testing::Values(Start::kPending, Start::kVerified, Start::kUnconfirmedAbsent,
                          Start::kUnconfirmedErrors, Start::kFailed),
        ::testing::Values(CheckOutcome::kFound, CheckOutcome::kAbsent,
                          CheckOutcome::kResolverError),
        ::testing::Values(Pos::kBefore, Pos::kJustBefore, Pos::kAt, Pos::kAfter)),
    [](const ::testing::TestParamInfo<Combo>& info) {
      const Combo& c = info.param;
      return show(std::get<0>(c)) + "_" + show(std::get<1>(c)) + "_" + show(std::get<2>(c)) + "_" +
             show(std::get<3>(c));
    });

// Time alone and restart depend on no outcome: kind x start x position.
using TimeCombo = std::tuple<ClaimKind, Start, Pos>;

class TimeTable : public ::testing::TestWithParam<TimeCombo> {};

TEST_P(TimeTable, ApplyTime) {
  auto [kind, s, pos] = GetParam();
  Policy p = policy_for(kind);
  Claim c = start_claim(kind, s);
  TimePoint now = now_for(kind, s, pos);
  Claim want = c;
  if (kind == ClaimKind::kSesEmail && s == Start::kPending &&
      (pos == Pos::kAt || pos == Pos::kAfter)) {
    want.status = ClaimStatus::kFailed;
    want.next_check_at.reset();
  }
  expect_claim_eq(want, apply_time(p, c, now));
}

TEST_P(TimeTable, Restart) {
  auto [kind, s, pos] = GetParam();
  Policy p = policy_for(kind);
  Claim c = start_claim(kind, s);
  TimePoint now = now_for(kind, s, pos);
  Claim want = c;
  want.status = ClaimStatus::kPending;
  want.deadline = now + window_of(kind);
  want.attempts = 0;
  want.absent_since.reset();
  want.next_check_at = kind == ClaimKind::kSesEmail ? want.deadline : now;
  expect_claim_eq(want, restart(p, c, now));
}

INSTANTIATE_TEST_SUITE_P(
    AllCombinations, TimeTable,
    ::testing::Combine(
        ::testing::Values(ClaimKind::kSesDomain, ClaimKind::kSesEmail, ClaimKind::kLatticeDomain),
        ::testing::Values(Start::kPending, Start::kVerified, Start::kUnconfirmedAbsent,
                          Start::kUnconfirmedErrors, Start::kFailed),
        ::testing::Values(Pos::kBefore, Pos::kJustBefore, Pos::kAt, Pos::kAfter)),
    [](const ::testing::TestParamInfo<TimeCombo>& info) {
      const TimeCombo& c = info.param;
      return show(std::get<0>(c)) + "_" + show(std::get<1>(c)) + "_" + show(std::get<2>(c));
    });

}  // namespace
}  // namespace vouch::core
