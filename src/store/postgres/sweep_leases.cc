#include "store/postgres/sweep_leases.h"

#include <algorithm>

#include "store/postgres/change_listener.h"
#include "store/postgres/rows.h"

namespace vouch::store::postgres {

using core::Claim;
using core::Result;

namespace {

// Any constant shared by every vouch node, distinct from the migrations' and
// the per-scope create locks' (schema.cc).
constexpr Query kTurn{"sweep_turn", "SELECT pg_advisory_xact_lock(7365871452011)"};
constexpr Query kDropExpired{"sweep_drop_expired", "DELETE FROM sweep_leases WHERE until <= $1"};
constexpr Query kFrontier{"sweep_frontier", "SELECT hi_at, hi_seq FROM sweep_leases "
                                            "ORDER BY hi_at DESC, hi_seq DESC LIMIT 1"};
// Due claims as they were (rows.h, VOUCH_PG_DUE_SEQS), with the notice a
// cached reader needs (their due time as read changes). Unordered: lease()
// sorts what it takes (by_due).
#define DUE_CLAIMS(COND, LIMIT) \
  VOUCH_PG_DUE_CLAIMS_UNORDERED(VOUCH_CLAIM_COLUMNS ", " VOUCH_NOTIFY_CLAIM, "$1", COND, LIMIT)
constexpr Query kPastFrontier{"sweep_past_frontier",
                              DUE_CLAIMS("AND (d.next_check_at, d.seq) > ($2, $3)", "$4")};
constexpr Query kUncovered{"sweep_uncovered",
                           DUE_CLAIMS("AND NOT " VOUCH_PG_IN_SWEEP_LEASE("d", "$1"), "$2")};
#undef DUE_CLAIMS
constexpr Query kInsertRange{"sweep_insert_range",
                             "INSERT INTO sweep_leases (lo_at, lo_seq, hi_at, hi_seq, until) "
                             "VALUES ($1, $2, $3, $4, $5) RETURNING id"};

// A range over `claims` (in due order), until `until`: its row's id.
Result<int64_t> insert_range(Conn& c, const std::vector<Claim>& claims, core::TimePoint until) {
  const Claim &lo = claims.front(), &hi = claims.back();
  auto r = c.run(kInsertRange, {p(to_nanos(*lo.next_check_at)), p(lo.seq),
                                p(to_nanos(*hi.next_check_at)), p(hi.seq), p(to_nanos(until))});
  if (!r.ok()) return r.error();
  return r->int_at(0, 0);
}

bool by_due(const Claim& a, const Claim& b) {
  if (a.next_check_at != b.next_check_at) return a.next_check_at < b.next_check_at;
  return a.seq < b.seq;
}

}  // namespace

Result<SweepLeases::Leased> SweepLeases::lease(Conn& c, core::TimePoint now, core::TimePoint until,
                                               size_t limit) {
  Leased out;
  if (limit == 0) return out;
  const Param at = p(to_nanos(now));
  if (auto r = c.run(kTurn, {}); !r.ok()) return r.error();
  if (auto r = c.run(kDropExpired, {at}); !r.ok()) return r.error();
  auto take = [&](Result<Res> r) -> Result<size_t> {
    if (!r.ok()) return r.error();
    auto claims = read_claims(*r);
    if (claims.empty()) return size_t{0};
    std::sort(claims.begin(), claims.end(), by_due);  // the range runs from the first to the last
    auto id = insert_range(c, claims, until);
    if (!id.ok()) return id.error();
    for (auto& claim : claims) {
      out.claims.push_back(std::move(claim));
      out.range_of.push_back(*id);
    }
    return claims.size();
  };
  auto frontier = c.run(kFrontier, {});
  if (!frontier.ok()) return frontier.error();
  if (frontier->rows() == 1) {
    auto n = take(c.run(kPastFrontier, {at, p(frontier->int_at(0, 0)), p(frontier->int_at(0, 1)),
                                        p(static_cast<int64_t>(limit))}));
    if (!n.ok()) return n.error();
  }
  if (out.claims.size() < limit) {  // the end of what is due: what no live range covers
    auto n = take(c.run(kUncovered, {at, p(static_cast<int64_t>(limit - out.claims.size()))}));
    if (!n.ok()) return n.error();
  }
  // Oldest due first: the claims from the top come before the frontier's.
  std::vector<size_t> order(out.claims.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return by_due(out.claims[a], out.claims[b]); });
  Leased sorted;
  for (size_t i : order) {
    sorted.claims.push_back(std::move(out.claims[i]));
    sorted.range_of.push_back(out.range_of[i]);
  }
  return sorted;
}

void SweepLeases::taken(const Leased& leased, core::TimePoint now, core::TimePoint until) {
  std::lock_guard lock(mu_);
  last_now_ = std::max(last_now_, now);
  for (size_t i = 0; i < leased.claims.size(); ++i) {
    const int64_t range = leased.range_of[i];
    auto& r = ranges_[range];
    r.until = until;
    ++r.open;
    auto [it, fresh] = range_of_.try_emplace(leased.claims[i].seq, range);
    if (fresh) continue;
    // Leased again: its old range had expired. It no longer waits for it.
    if (auto old = ranges_.find(it->second); old != ranges_.end() && old->second.open > 0) {
      --old->second.open;
    }
    it->second = range;
  }
}

std::vector<int64_t> SweepLeases::recorded(const std::vector<int64_t>& seqs) {
  std::vector<int64_t> ended;
  std::lock_guard lock(mu_);
  for (int64_t seq : seqs) {
    auto it = range_of_.find(seq);
    if (it == range_of_.end()) continue;
    auto r = ranges_.find(it->second);
    range_of_.erase(it);
    if (r == ranges_.end()) continue;
    if (r->second.open > 0 && --r->second.open > 0) continue;
    ended.push_back(r->first);
    ranges_.erase(r);
  }
  // Ranges whose claims were never all recorded here (the scheduler skipped
  // one it was already checking) end by expiry: forget them then.
  for (auto r = ranges_.begin(); r != ranges_.end();) {
    r = r->second.until <= last_now_ ? ranges_.erase(r) : std::next(r);
  }
  if (ranges_.empty()) range_of_.clear();
  return ended;
}

}  // namespace vouch::store::postgres
