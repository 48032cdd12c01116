// Retention of PostgresStore: client tokens past their window and history
// beyond each claim's newest entries, deleted a bounded batch at a time.
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace vouch::store::postgres {

using core::Result;

namespace {

constexpr Query kPruneTokens{
    "prune_old_tokens",
    "DELETE FROM idempotency WHERE (account_id, region, client_token) IN (SELECT account_id, "
    "region, client_token FROM idempotency WHERE created_at <= $1 LIMIT $2)"};
// Newest first by (at, id), the order history() reads in reverse.
constexpr Query kPruneHistory{
    "prune_history",
    "DELETE FROM history WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY "
    "claim_seq ORDER BY at DESC, id DESC) AS n FROM history) h WHERE n > $1 LIMIT $2)"};

}  // namespace

Result<size_t> PostgresStore::prune_tokens(core::TimePoint before, size_t limit) {
  auto r = run(kPruneTokens, {p(to_nanos(before)), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->affected());
}

Result<size_t> PostgresStore::prune_history(size_t keep, size_t limit) {
  auto r = run(kPruneHistory, {p(static_cast<int64_t>(keep)), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->affected());
}

}  // namespace vouch::store::postgres
