// Status-change events of SqliteStore. The store writes them with their
// history rows (history_rows.h; a trigger did until migration 16); this
// reads, prunes, snapshots and restores them.
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/webhook_codec.h"

namespace vouch::store::sqlite {

using core::Event;
using core::Result;

namespace {

constexpr const char* kColumns =
    "SELECT seq, account_id, region, claim_id, kind, subject, from_status, to_status, at, "
    "evidence FROM events ";

Event read_event(const Stmt& s) { return store::read_event(s); }

}  // namespace

core::Status read_events(Conn& c, std::vector<Event>& out) {
  Stmt s = c.prepare(std::string(kColumns) + "ORDER BY seq");
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_event(s));
  if (rc != SQLITE_DONE) return c.error("read events");
  return {};
}

core::Status write_events(Conn& c, const std::vector<Event>& events) {
  // Restored history writes no event (no trigger since migration 16); any
  // row here is not the snapshot's.
  if (auto s = c.exec("DELETE FROM events"); !s.ok()) return s;
  for (const auto& e : events) {
    Stmt s = c.prepare(
        "INSERT INTO events (seq, account_id, region, claim_id, kind, subject, from_status, "
        "to_status, at, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.bind(1, e.seq)
        .bind(2, e.scope.account_id)
        .bind(3, e.scope.region)
        .bind(4, e.claim_id)
        .bind(5, int64_t{kind_code(e.kind)})
        .bind(6, e.subject)
        .bind(7, int64_t{status_code(e.change.from)})
        .bind(8, int64_t{status_code(e.change.to)})
        .bind(9, to_nanos(e.change.at));
    if (e.evidence) s.bind(10, *e.evidence);
    if (s.step() != SQLITE_DONE) return c.error("copy event");
  }
  return {};
}

Result<std::vector<Event>> SqliteStore::list_events(const std::string& account_id,
                                                    int64_t after_seq, size_t limit) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(std::string(kColumns) +
                        "WHERE account_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
  s.bind(1, account_id).bind(2, after_seq).bind(3, static_cast<int64_t>(limit));
  std::vector<Event> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_event(s));
  if (rc != SQLITE_DONE) return (*r).error("list events");
  return out;
}

Result<size_t> SqliteStore::prune_events(core::TimePoint before, size_t limit,
                                         core::TimePoint unsent_since) {
  size_t n = 0;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare(
        "DELETE FROM events WHERE seq IN (SELECT seq FROM events e WHERE at < ?1 AND (at < ?3 OR "
        "NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.account_id = e.account_id AND "
        "w.disabled = 0 AND w.cursor < e.seq AND ((w.kind_mask >> e.kind) & 1) = 1)) LIMIT ?2)");
    s.bind(1, to_nanos(before))
        .bind(2, static_cast<int64_t>(limit))
        .bind(3, to_nanos(unsent_since));
    if (s.step() != SQLITE_DONE) return c.error("prune events");
    n = static_cast<size_t>(sqlite3_changes(c.raw()));
    return {};
  });
  if (!st.ok()) return st.error();
  return n;
}

}  // namespace vouch::store::sqlite
