// Leases on due claims by range of the due index (schema.cc, 10). A lease
// covers the span of (next_check_at, seq) from its first claim to its last,
// so that leasing a batch writes one row instead of a version of each claim
// (a HOT update of the wide row: 15 us of the server's time per claim, a
// third of a check's). Leasers take turns (a transaction-scoped advisory
// lock, one short transaction per batch), and a new range starts past the
// furthest live one, so ranges never overlap what they lease; only when that
// comes back short does a lease look from the top for due claims no live
// range covers (those of an expired range, whose node died). A range ends
// when this node has recorded every claim of it, or when it expires.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/store.h"
#include "store/postgres/conn.h"

namespace vouch::store::postgres {

class SweepLeases {
 public:
  struct Leased {
    std::vector<core::Claim> claims;  // as they were, oldest due first
    std::vector<int64_t> range_of;    // each claim's range (its sweep_leases row)
  };
  // Leases up to `limit` due claims until `until`, on `c` inside a
  // transaction the caller commits; then `taken` with what it returned.
  static core::Result<Leased> lease(Conn& c, core::TimePoint now, core::TimePoint until,
                                    size_t limit);

  // Remembers the claims of a lease committed at `now`, so that their
  // records end it.
  void taken(const Leased& leased, core::TimePoint now, core::TimePoint until);
  // The ranges of this node that end now that `seqs` are recorded (a record
  // that failed ends its claim's part too: the claim is due again). Ranges
  // expired by the last lease's time are forgotten here as well.
  std::vector<int64_t> recorded(const std::vector<int64_t>& seqs);

 private:
  struct Range {
    size_t open = 0;  // claims not recorded yet
    core::TimePoint until;
  };
  std::mutex mu_;
  std::unordered_map<int64_t, int64_t> range_of_;  // GUARDED_BY(mu_); claim seq -> range id
  std::unordered_map<int64_t, Range> ranges_;      // GUARDED_BY(mu_)
  core::TimePoint last_now_;                       // GUARDED_BY(mu_)
};

}  // namespace vouch::store::postgres
