// Retention of SqliteStore: client tokens past their window and history
// beyond each claim's newest entries, deleted a bounded batch at a time.
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::store::sqlite {

using core::Result;

namespace {

// One DELETE of at most `limit` rows on the writer; returns how many went.
Result<size_t> delete_batch(GroupCommit& writer, const char* sql, int64_t arg, size_t limit,
                            const char* what) {
  size_t n = 0;
  auto st = writer.run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare(sql);
    s.bind(1, arg).bind(2, static_cast<int64_t>(limit));
    if (s.step() != SQLITE_DONE) return c.error(what);
    n = static_cast<size_t>(sqlite3_changes(c.raw()));
    return {};
  });
  if (!st.ok()) return st.error();
  return n;
}

}  // namespace

Result<size_t> SqliteStore::prune_tokens(core::TimePoint before, size_t limit) {
  return delete_batch(*writer_,
                      "DELETE FROM idempotency WHERE rowid IN "
                      "(SELECT rowid FROM idempotency WHERE created_at <= ?1 LIMIT ?2)",
                      to_nanos(before), limit, "prune client tokens");
}

Result<size_t> SqliteStore::prune_history(size_t keep, size_t limit) {
  // Newest first by (at, rowid), the order history() reads in reverse.
  return delete_batch(*writer_,
                      "DELETE FROM history WHERE rowid IN (SELECT rowid FROM (SELECT rowid, "
                      "row_number() OVER (PARTITION BY claim_seq ORDER BY at DESC, rowid DESC) "
                      "AS n FROM history) WHERE n > ?1 LIMIT ?2)",
                      static_cast<int64_t>(keep), limit, "prune history");
}

}  // namespace vouch::store::sqlite
