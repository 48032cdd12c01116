// Webhook delivery by cursor on PostgreSQL: the statements
// store/webhook_cursor.h runs inside one transaction, and the horizon of
// events a cursor may pass.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "store/postgres/conn.h"
#include "store/webhook_cursor.h"

namespace vouch::store::postgres {

// Sequence values are taken before commit, so seq 9 may commit after seq 10
// became visible; a cursor that read 10 would pass 9 for good. The horizon
// is a seq up to which every event has committed or rolled back: the
// sequence's last value L is, once every transaction of this database that
// had an xid after L was read has ended (an event's transaction has its xid
// before the event takes a seq: the history row that fires the trigger came
// first). pg_locks names those transactions for any role (each holds the lock
// on its own xid), pg_stat_activity their database. A candidate (L, xids) is kept and promoted
// on a later pass, so a busy writer delays the cursors by a pass, never stops
// them; other databases of the cluster do not delay them.
class EventHorizon {
 public:
  // Advances and returns the horizon; statements in their own transactions.
  core::Result<int64_t> advance(Conn& c);

 private:
  std::mutex mu_;
  int64_t horizon_ = 0;         // GUARDED_BY(mu_)
  int64_t candidate_seq_ = -1;  // GUARDED_BY(mu_); -1: none
  std::string candidate_xids_;  // GUARDED_BY(mu_); a text[] literal
};

// The statements over `c` (in a transaction), reading events up to `horizon`.
std::unique_ptr<CursorOps> cursor_ops(Conn& c, int64_t horizon);

}  // namespace vouch::store::postgres
