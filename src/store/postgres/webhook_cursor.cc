#include "store/postgres/webhook_cursor.h"

#include <algorithm>

#include "store/postgres/rows.h"
#include "store/webhook_codec.h"

namespace vouch::store::postgres {

using core::Event;
using core::Result;
using core::WebhookDelivery;

namespace {

// A transaction holding an xid holds the lock on it, which pg_locks shows for
// every role (pg_stat_activity hides other roles' backend_xid, not their
// datid). Every path that writes an event has written a row first, so it
// holds its xid by then. pg_stat_activity is read once per transaction
// unless cleared.
constexpr Query kClear{"horizon_clear", "SELECT pg_stat_clear_snapshot()"};
#define VOUCH_XID_LOCKS \
  "FROM pg_locks WHERE locktype = 'transactionid' AND mode = 'ExclusiveLock' AND granted"
constexpr Query kEnded{"horizon_ended", "SELECT NOT EXISTS (SELECT 1 " VOUCH_XID_LOCKS
                                        " AND transactionid::text = ANY ($1::text[]))"};
constexpr Query kRunning{
    "horizon_running",
    "SELECT coalesce(array_agg(transactionid::text), '{}') " VOUCH_XID_LOCKS
    " AND pid <> pg_backend_pid() AND pid IN (SELECT pid FROM pg_stat_get_activity(NULL) WHERE "
    "datid = (SELECT oid FROM pg_database WHERE datname = current_database()))"};
#undef VOUCH_XID_LOCKS
constexpr Query kLastSeq{
    "horizon_last_seq",
    "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass), "
    "0)"};

// Matching events of webhook w's account (w and e as aliased).
#define VOUCH_MATCHES(w, e) \
  e ".account_id = " w ".account_id AND ((" w ".kind_mask >> " e ".kind::int) & 1) = 1"

constexpr Query kFree{"cursor_free_hooks",
                      "SELECT " VOUCH_CURSOR_HOOK_COLUMNS
                      " FROM webhooks WHERE disabled = 0 AND lease_until <= $1 "
                      "ORDER BY created_at, seq FOR UPDATE SKIP LOCKED"};
constexpr Query kAfter{"cursor_events_after",
                       "SELECT " VOUCH_EVENT_COLUMNS
                       " FROM events WHERE account_id = $1 AND seq > $2 AND seq <= $5 AND "
                       "(($3::bigint >> kind::int) & 1) = 1 ORDER BY seq LIMIT $4"};
constexpr Query kOpenRows{
    "cursor_open_rows",
    "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = $1 AND state = 0) "
    "OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = $1 AND event_seq > $2)"};
constexpr Query kClaimPending{"cursor_claim_pending",
                              "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE "
                              "webhook_id = $1 AND claim_id = $2 AND state = 0)"};
constexpr Query kInsertRow{
    "cursor_insert_row",
    "INSERT INTO webhook_deliveries (webhook_id, event_seq, claim_id, state, attempts, "
    "created_at, next_attempt_at, first_attempt_at, last_attempt_at, last_error) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"};
constexpr Query kTake{"cursor_take",
                      "UPDATE webhooks SET taken = $2, lease_until = $3 WHERE id = $1"};
constexpr Query kPass{"cursor_pass", "UPDATE webhooks SET cursor = $2, taken = $2 WHERE id = $1"};
constexpr Query kAdvance{"cursor_advance",
                         "UPDATE webhooks SET cursor = $3, lease_until = 0 WHERE id = $1 AND "
                         "cursor = $2 AND taken = $3"};
constexpr Query kBetween{
    "cursor_events_between",
    "SELECT e.seq, e.account_id, e.region, e.claim_id, e.kind, e.subject, "
    "e.from_status, e.to_status, e.at, e.evidence FROM webhooks w JOIN "
    "events e ON " VOUCH_MATCHES(
        "w", "e") " WHERE w.id = $1 AND e.seq > $2 AND e.seq <= $3 ORDER BY e.seq"};
constexpr Query kRowOf{"cursor_row_of",
                       "SELECT id FROM webhook_deliveries WHERE webhook_id = $1 AND "
                       "event_seq = $2 LIMIT 1"};
constexpr Query kRecord{"record_delivery",
                        "UPDATE webhook_deliveries SET state = $2, attempts = $3, "
                        "next_attempt_at = $4, first_attempt_at = $5, last_attempt_at = $6, "
                        "last_error = $7 WHERE id = $1"};
// What a disabled webhook will never send counts as failed: its pending rows
// and the matching events past its cursor.
constexpr Query kDisable{
    "disable_webhook",
    "UPDATE webhooks w SET disabled = 1, failed = w.failed + (SELECT count(*) FROM "
    "webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 0) + (SELECT count(*) FROM "
    "events e WHERE " VOUCH_MATCHES("w", "e") " AND e.seq > w.cursor) WHERE w.id = $1"};
constexpr Query kGiveUpRest{"give_up_webhook_deliveries",
                            "UPDATE webhook_deliveries SET state = 2, last_error = 'webhook "
                            "disabled' WHERE webhook_id = $1 AND state = 0"};
constexpr Query kCount{
    "cursor_count",
    "UPDATE webhooks SET delivered = delivered + $2, failed = failed + $3, "
    "first_attempt_at = coalesce(first_attempt_at, $4::bigint), "
    "last_error = CASE WHEN $4::bigint IS NULL OR $4::bigint < coalesce(last_attempt_at, "
    "$4::bigint) THEN last_error ELSE $5 END, "
    "last_attempt_at = CASE WHEN $4::bigint IS NULL THEN last_attempt_at ELSE "
    "greatest(last_attempt_at, $4::bigint) END WHERE id = $1"};

class Ops final : public CursorOps {
 public:
  Ops(Conn& c, int64_t horizon) : c_(c), horizon_(horizon) {}

  Result<std::vector<CursorHook>> free_hooks(core::TimePoint now) override {
    auto r = c_.run(kFree, {p(to_nanos(now))});
    if (!r.ok()) return r.error();
    std::vector<CursorHook> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({r->text_at(i, 0), r->text_at(i, 1), r->text_at(i, 2), r->text_at(i, 3),
                     r->int_at(i, 4), r->int_at(i, 5)});
    }
    return out;
  }

  Result<std::vector<Event>> events_after(const CursorHook& h, size_t limit) override {
    return events(c_.run(kAfter, {h.account_id, p(h.cursor), p(h.kind_mask),
                                  p(static_cast<int64_t>(limit)), p(horizon_)}));
  }

  Result<bool> has_open_rows(const CursorHook& h) override {
    return flag(c_.run(kOpenRows, {h.id, p(h.cursor)}));
  }

  Result<bool> claim_pending(const std::string& webhook_id, const std::string& claim_id) override {
    return flag(c_.run(kClaimPending, {webhook_id, claim_id}));
  }

  Result<int64_t> insert_row(const WebhookDelivery& d) override {
    Params params;
    bool id = true;
    each_delivery_value(d, [&](auto v) {
      if (!id) params.push_back(param(v));
      id = false;
    });
    auto r = c_.run(kInsertRow, params);
    if (!r.ok()) return r.error();
    return r->int_at(0, 0);
  }

  core::Status take(const std::string& webhook_id, int64_t to,
                    core::TimePoint lease_until) override {
    return done(c_.run(kTake, {webhook_id, p(to), p(to_nanos(lease_until))}));
  }

  core::Status pass(const std::string& webhook_id, int64_t to) override {
    return done(c_.run(kPass, {webhook_id, p(to)}));
  }

  Result<bool> advance(const std::string& webhook_id, const WebhookDelivery::Batch& b) override {
    auto r = c_.run(kAdvance, {webhook_id, p(b.from), p(b.to)});
    if (!r.ok()) return r.error();
    return r->affected() > 0;
  }

  Result<std::vector<Event>> events_between(const std::string& webhook_id, int64_t from,
                                            int64_t to) override {
    return events(c_.run(kBetween, {webhook_id, p(from), p(to)}));
  }

  Result<std::optional<int64_t>> row_of(const std::string& webhook_id, int64_t event_seq) override {
    auto r = c_.run(kRowOf, {webhook_id, p(event_seq)});
    if (!r.ok()) return r.error();
    if (r->rows() == 0) return std::optional<int64_t>();
    return std::optional<int64_t>(r->int_at(0, 0));
  }

  core::Status record_row(const WebhookDelivery& d, bool disable) override {
    auto r = c_.run(kRecord,
                    {p(d.id), p(int64_t{delivery_state_code(d.state)}), p(int64_t{d.attempts}),
                     p(to_nanos(d.next_attempt_at)), opt_nanos(d.first_attempt_at),
                     opt_nanos(d.last_attempt_at), d.last_error});
    if (!r.ok()) return r.error();
    if (auto st = count(d, 1); !st.ok()) return st;
    if (!disable) return {};
    if (auto w = c_.run(kDisable, {d.webhook_id}); !w.ok()) return w.error();
    return done(c_.run(kGiveUpRest, {d.webhook_id}));
  }

  core::Status count(const WebhookDelivery& d, int64_t times) override {
    return done(
        c_.run(kCount, {d.webhook_id, p(d.state == WebhookDelivery::State::kDelivered ? times : 0),
                        p(d.state == WebhookDelivery::State::kFailed ? times : 0),
                        opt_nanos(d.last_attempt_at), d.last_error}));
  }

 private:
  static Result<std::vector<Event>> events(Result<Res> r) {
    if (!r.ok()) return r.error();
    std::vector<Event> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_event(ResRow{*r, i}));
    return out;
  }
  static Result<bool> flag(Result<Res> r) {
    if (!r.ok()) return r.error();
    return r->text_at(0, 0) == "t";
  }
  static core::Status done(Result<Res> r) {
    if (!r.ok()) return r.error();
    return {};
  }

  Conn& c_;
  const int64_t horizon_;
};

}  // namespace

Result<int64_t> EventHorizon::advance(Conn& c) {
  std::lock_guard lock(mu_);
  // Whether the candidate's transactions have all ended; then a new one.
  auto promote = [&]() -> Result<bool> {
    if (candidate_seq_ >= 0) {
      auto ended = c.run(kEnded, {candidate_xids_});
      if (!ended.ok()) return ended.error();
      if (ended->text_at(0, 0) != "t") return false;
      horizon_ = std::max(horizon_, candidate_seq_);
    }
    // The last value first, then who is writing: they hold every seq up to it.
    auto last = c.run(kLastSeq);
    if (!last.ok()) return last.error();
    if (auto r = c.run(kClear); !r.ok()) return r.error();
    auto running = c.run(kRunning);
    if (!running.ok()) return running.error();
    candidate_seq_ = last->int_at(0, 0);
    candidate_xids_ = running->text_at(0, 0);
    return true;
  };
  auto moved = promote();
  if (!moved.ok()) return moved.error();
  if (*moved) {
    if (auto again = promote(); !again.ok()) return again.error();  // idle: final at once
  }
  return horizon_;
}

std::unique_ptr<CursorOps> cursor_ops(Conn& c, int64_t horizon) {
  return std::make_unique<Ops>(c, horizon);
}

}  // namespace vouch::store::postgres
