// Store::record_checks for any backend: every record is compared-and-set on
// its own inside one transaction. A lost race (kAborted) or a deleted claim
// (kNotFound) fails only its own record, since it changed no row; any other
// error undoes the whole batch.
#pragma once

#include <utility>
#include <vector>

#include "core/store.h"

namespace vouch::store {

// run_tx(fn): runs fn(conn) in one transaction, committing when it returns ok.
// write(conn, record): the record's compare-and-set update and evidence.
// history(conn, record): its history entry, after a successful write.
template <typename RunTx, typename Write, typename History>
std::vector<core::Result<core::Claim>> record_in_one_transaction(
    std::vector<core::CheckRecord> records, RunTx&& run_tx, Write&& write, History&& history) {
  std::vector<core::Status> each(records.size());
  const core::Status st = run_tx([&](auto& conn) -> core::Status {
    for (size_t i = 0; i < records.size(); ++i) {
      each[i] = write(conn, records[i]);
      if (each[i].ok()) {
        if (auto s = history(conn, records[i]); !s.ok()) return s;
      } else if (each[i].error().code != core::ErrorCode::kAborted &&
                 each[i].error().code != core::ErrorCode::kNotFound) {
        return each[i];  // a database error: undo the whole batch
      }
    }
    return {};
  });
  std::vector<core::Result<core::Claim>> out;
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const core::Status& s = st.ok() ? each[i] : st;
    if (s.ok()) ++records[i].claim.version;
    // One expression: GCC 12 warns (maybe-uninitialized) on two push_backs.
    out.push_back(s.ok() ? core::Result<core::Claim>(std::move(records[i].claim))
                         : core::Result<core::Claim>(s.error()));
  }
  return out;
}

}  // namespace vouch::store
