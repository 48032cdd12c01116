// The planner's statistics of claims while the table grows from nothing. A
// fresh database's first ANALYZE (autovacuum's, after ~50 rows) says the
// table is tiny, and the generic plans cached then (a sequential scan where
// an index fits: the join of a batch of recorded checks, a due scan) stay
// until autovacuum's next one, up to a minute later, while creates grow the
// table: each batch then read the whole table. So whenever this node has
// inserted as many claims as the statistics count (at least kAnalyzeAfter),
// it analyzes them: at each doubling, a few times in the table's life. Their
// claim_due rows (schema.cc, 14) grow with them, and are analyzed with them.
#include <algorithm>

#include "store/postgres/postgres_store.h"

namespace vouch::store::postgres {

namespace {

constexpr int64_t kAnalyzeAfter = 1000;

// reltuples: -1 (PostgreSQL 14+) until the first ANALYZE.
int64_t counted_rows(Conn& c) {
  auto r = c.exec(
      "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'claims'::regclass");
  return r.ok() && r->rows() == 1 ? r->int_at(0, 0) : 0;
}

}  // namespace

void PostgresStore::count_inserts(size_t n, Conn* held) {
  bool first_read = false;
  {
    std::lock_guard lock(analyze_mu_);
    inserted_since_ += static_cast<int64_t>(n);
    first_read = analyzed_rows_ < 0;
    if (!first_read && inserted_since_ < std::max(kAnalyzeAfter, analyzed_rows_)) return;
    if (!first_read) inserted_since_ = 0;  // this caller analyzes; others go on
  }
  std::unique_ptr<Pool::Lease> own;
  Conn* c = held;
  if (!c) {
    auto lease = pool_->acquire();
    if (!lease.ok()) return;  // the next insert tries again
    own = std::move(*lease);
    c = &**own;
  }
  if (first_read) {
    const int64_t rows = counted_rows(*c);
    std::lock_guard lock(analyze_mu_);
    analyzed_rows_ = rows;
    return;
  }
  // Best effort: a failure leaves the plans as they were.
  if (!c->exec("ANALYZE claims, claim_due").ok()) return;
  const int64_t rows = counted_rows(*c);
  std::lock_guard lock(analyze_mu_);
  analyzed_rows_ = rows;
}

}  // namespace vouch::store::postgres
