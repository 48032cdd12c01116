// Status-change events of PostgresStore. The statements that write history
// write them (claim_writes.cc); this reads, prunes, snapshots and restores them.
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"
#include "store/webhook_codec.h"

namespace vouch::store::postgres {

using core::Event;
using core::Result;

namespace {

constexpr Query kListEvents{"list_events", "SELECT " VOUCH_EVENT_COLUMNS
                                           " FROM events WHERE account_id = $1 AND seq > $2 "
                                           "ORDER BY seq LIMIT $3"};
constexpr Query kAllEvents{"snap_events",
                           "SELECT " VOUCH_EVENT_COLUMNS " FROM events ORDER BY seq"};
constexpr Query kPruneEvents{
    "prune_events",
    "DELETE FROM events WHERE seq IN (SELECT seq FROM events e WHERE at < $1 AND (at < $3 OR "
    "NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.account_id = e.account_id AND "
    "w.disabled = 0 AND w.cursor < e.seq AND ((w.kind_mask >> e.kind::int) & 1) = 1)) LIMIT $2)"};
constexpr Query kRestoreEvent{"restore_event",
                              "INSERT INTO events (" VOUCH_EVENT_COLUMNS
                              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"};
constexpr Query kMoveEventSeq{
    "restore_event_seq",
    "SELECT setval(pg_get_serial_sequence('events', 'seq'), GREATEST(max(seq), 1), "
    "max(seq) IS NOT NULL) FROM events"};

std::vector<Event> read_all(const Res& r) {
  std::vector<Event> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(store::read_event(ResRow{r, i}));
  return out;
}

}  // namespace

core::Status read_events(Conn& c, std::vector<Event>& out) {
  auto r = c.run(kAllEvents);
  if (!r.ok()) return r.error();
  out = read_all(*r);
  return {};
}

core::Status write_events(Conn& c, const std::vector<Event>& events) {
  // The snapshot's events, and only those (a restore writes its history rows
  // without events, and the target was empty).
  if (auto r = c.exec("DELETE FROM events"); !r.ok()) return r.error();
  for (const auto& e : events) {
    Params params{p(e.seq),
                  e.scope.account_id,
                  e.scope.region,
                  e.claim_id,
                  p(int64_t{kind_code(e.kind)}),
                  e.subject,
                  p(int64_t{status_code(e.change.from)}),
                  p(int64_t{status_code(e.change.to)}),
                  p(to_nanos(e.change.at)),
                  e.evidence ? Param(*e.evidence) : Param(std::nullopt)};
    if (auto r = c.run(kRestoreEvent, params); !r.ok()) return r.error();
  }
  if (auto r = c.run(kMoveEventSeq); !r.ok()) return r.error();
  return {};
}

Result<std::vector<Event>> PostgresStore::list_events(const std::string& account_id,
                                                      int64_t after_seq, size_t limit) {
  auto r = run(kListEvents, {account_id, p(after_seq), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return read_all(*r);
}

Result<size_t> PostgresStore::prune_events(core::TimePoint before, size_t limit,
                                           core::TimePoint unsent_since) {
  auto r = run(kPruneEvents,
               {p(to_nanos(before)), p(static_cast<int64_t>(limit)), p(to_nanos(unsent_since))});
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->affected());
}

}  // namespace vouch::store::postgres
