// Store::record_checks for any backend: every record is compared-and-set on
// its own inside one transaction. A lost race (kAborted) or a deleted claim
// (kNotFound) fails only its own record, since it changed no row; any other
// error undoes the whole batch (or, in chunks, the whole chunk).
#pragma once

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "core/store.h"

namespace vouch::store {

namespace detail {

// Records [b, e) of `records` on `conn`, each one's outcome into `each`;
// a database error ends the range with that error.
template <typename Conn, typename Write, typename History>
core::Status record_range(Conn& conn, const std::vector<core::CheckRecord>& records,
                          std::vector<core::Status>& each, size_t b, size_t e, Write& write,
                          History& history) {
  for (size_t i = b; i < e; ++i) {
    each[i] = write(conn, records[i]);
    if (each[i].ok()) {
      if (auto s = history(conn, records[i]); !s.ok()) return s;
    } else if (each[i].error().code != core::ErrorCode::kAborted &&
               each[i].error().code != core::ErrorCode::kNotFound) {
      return each[i];  // a database error: undo the whole range
    }
  }
  return {};
}

// The results: record i's own outcome when its range committed (range_of(i)
// ok), else the range's error.
template <typename RangeStatus>
std::vector<core::Result<core::Claim>> record_results(std::vector<core::CheckRecord>& records,
                                                      const std::vector<core::Status>& each,
                                                      RangeStatus range_of) {
  std::vector<core::Result<core::Claim>> out;
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const core::Status& range = range_of(i);
    const core::Status& s = range.ok() ? each[i] : range;
    if (s.ok()) ++records[i].claim.version;
    // One expression: GCC 12 warns (maybe-uninitialized) on two push_backs.
    out.push_back(s.ok() ? core::Result<core::Claim>(std::move(records[i].claim))
                         : core::Result<core::Claim>(s.error()));
  }
  return out;
}

}  // namespace detail

// run_tx(fn): runs fn(conn) in one transaction, committing when it returns ok.
// write(conn, record): the record's compare-and-set update and evidence.
// history(conn, record): its history entry, after a successful write.
template <typename RunTx, typename Write, typename History>
std::vector<core::Result<core::Claim>> record_in_one_transaction(
    std::vector<core::CheckRecord> records, RunTx&& run_tx, Write&& write, History&& history) {
  std::vector<core::Status> each(records.size());
  const core::Status st = run_tx([&](auto& conn) -> core::Status {
    return detail::record_range(conn, records, each, 0, records.size(), write, history);
  });
  return detail::record_results(records, each, [&](size_t) -> const core::Status& { return st; });
}

namespace detail {

// Runs range(conn, b, e) for each chunk [b, e) of `chunk` records as its own
// write through run_each, and gathers every record's result.
template <typename Conn, typename RunEach, typename Range>
std::vector<core::Result<core::Claim>> in_chunks(std::vector<core::CheckRecord>& records,
                                                 const std::vector<core::Status>& each,
                                                 size_t chunk, RunEach& run_each, Range range) {
  chunk = std::max<size_t>(chunk, 1);
  std::vector<std::function<core::Status(Conn&)>> fns;
  for (size_t b = 0; b < records.size(); b += chunk) {
    const size_t e = std::min(records.size(), b + chunk);
    fns.push_back([&range, b, e](Conn& conn) { return range(conn, b, e); });
  }
  const std::vector<core::Status> ranges = run_each(std::move(fns));
  return record_results(records, each,
                        [&](size_t i) -> const core::Status& { return ranges[i / chunk]; });
}

}  // namespace detail

// In chunks of `chunk` records: run_each(fns) runs each fn(conn) as its own
// write (SQLite: its own savepoint, all in one group commit) and returns each
// one's Status in order; one call writes a chunk's history after its writes:
// histories(conn, changed) gets the chunk's records whose write succeeded and
// that change status, in order (never none). histories must take what it
// writes from the records, not from their rows: with a claim twice in the
// chunk, its row shows only the last write.
template <typename Conn, typename RunEach, typename Write, typename Histories>
std::vector<core::Result<core::Claim>> record_in_chunks_history_last(
    std::vector<core::CheckRecord> records, size_t chunk, RunEach&& run_each, Write&& write,
    Histories&& histories) {
  std::vector<core::Status> each(records.size());
  return detail::in_chunks<Conn>(
      records, each, chunk, run_each, [&](Conn& conn, size_t b, size_t e) -> core::Status {
        std::vector<const core::CheckRecord*> changed;
        auto note = [&](Conn&, const core::CheckRecord& r) {
          if (r.change) changed.push_back(&r);
          return core::Status{};
        };
        if (auto s = detail::record_range(conn, records, each, b, e, write, note); !s.ok()) {
          return s;
        }
        return changed.empty() ? core::Status{} : histories(conn, changed);
      });
}

}  // namespace vouch::store
