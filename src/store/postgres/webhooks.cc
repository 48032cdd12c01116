// Webhook endpoints and their delivery, of PostgresStore: each webhook's
// cursor over events and the retry table (store/webhook_cursor.h; schema.cc,
// migrations 5 and 9). FOR UPDATE SKIP LOCKED and the cursor's lease send
// each event from one node.
#include <algorithm>

#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"
#include "store/postgres/webhook_cursor.h"
#include "store/webhook_codec.h"

namespace vouch::store::postgres {

using core::Result;
using core::Webhook;
using core::WebhookDelivery;

namespace {

// Creates of one account take turns, so the count and the insert agree.
constexpr Query kLockAccount{"lock_webhooks",
                             "SELECT pg_advisory_xact_lock(hashtext('webhooks/' || $1))"};
constexpr Query kCount{"count_webhooks", "SELECT count(*) FROM webhooks WHERE account_id = $1"};
constexpr Query kInsert{"insert_webhook",
                        "INSERT INTO webhooks (" VOUCH_WEBHOOK_COLUMNS
                        ", kind_mask, taken) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)"};
constexpr Query kLastEvent{"last_event_seq", "SELECT coalesce(max(seq), 0) FROM events"};
constexpr Query kList{"list_webhooks",
                      "SELECT " VOUCH_WEBHOOK_COLUMNS " FROM webhooks WHERE account_id = $1 "
                      "ORDER BY created_at, seq"};
constexpr Query kAll{"snap_webhooks",
                     "SELECT " VOUCH_WEBHOOK_COLUMNS " FROM webhooks ORDER BY created_at, seq"};
// The pending count: its retry rows, and (enabled) the events past its cursor.
constexpr Query kHealth{
    "webhook_health",
    "SELECT w.delivered, w.failed, w.last_attempt_at, w.last_error, (SELECT count(*) FROM "
    "webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 0) + CASE WHEN w.disabled = 1 "
    "THEN 0 ELSE (SELECT count(*) FROM events e WHERE e.account_id = w.account_id AND "
    "e.seq > w.cursor AND ((w.kind_mask >> e.kind::int) & 1) = 1) END FROM webhooks w "
    "WHERE w.id = $1"};
constexpr Query kDelete{"delete_webhook", "DELETE FROM webhooks WHERE account_id = $1 AND id = $2"};
constexpr Query kDeleteDeliveries{"delete_webhook_deliveries",
                                  "DELETE FROM webhook_deliveries WHERE webhook_id = $1"};
// Whether anything can be sent: every delivery goes to an enabled webhook.
constexpr Query kAnyEnabled{"any_enabled_webhook",
                            "SELECT EXISTS (SELECT 1 FROM webhooks WHERE disabled = 0)"};
constexpr Query kLeaseDue{
    "lease_due_deliveries",
    "WITH due AS (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
    "WHERE d.state = 0 AND d.next_attempt_at <= $1 AND w.disabled = 0 AND NOT EXISTS "
    "(SELECT 1 FROM webhook_deliveries o WHERE o.webhook_id = d.webhook_id AND "
    "o.claim_id = d.claim_id AND o.state = 0 AND o.id < d.id) "
    "ORDER BY d.next_attempt_at, d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED), "
    "d AS (UPDATE webhook_deliveries x SET next_attempt_at = $2 FROM due WHERE x.id = due.id "
    "RETURNING x.*) "
    "SELECT " VOUCH_DUE_COLUMNS
    " FROM d JOIN webhooks w ON w.id = d.webhook_id LEFT JOIN events e ON e.seq = d.event_seq "
    "ORDER BY d.id"};
constexpr Query kCountPending{
    "count_pending_deliveries",
    "SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 0) + (SELECT count(*) FROM "
    "webhooks w JOIN events e ON e.account_id = w.account_id AND e.seq > w.cursor AND "
    "((w.kind_mask >> e.kind::int) & 1) = 1 WHERE w.disabled = 0)"};
constexpr Query kPrune{"prune_deliveries",
                       "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM "
                       "webhook_deliveries WHERE state != 0 AND created_at < $1 LIMIT $2)"};
constexpr Query kAllDeliveries{
    "snap_deliveries", "SELECT " VOUCH_DELIVERY_COLUMNS " FROM webhook_deliveries ORDER BY id"};
constexpr Query kRestoreDelivery{"restore_delivery",
                                 "INSERT INTO webhook_deliveries (" VOUCH_DELIVERY_COLUMNS
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"};
constexpr Query kMoveDeliveryId{
    "restore_delivery_id",
    "SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'id'), GREATEST(max(id), 1), "
    "max(id) IS NOT NULL) FROM webhook_deliveries"};

std::vector<Webhook> read_webhooks(const Res& r) {
  std::vector<Webhook> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_webhook(ResRow{r, i}));
  return out;
}

Params webhook_params(const Webhook& w) {
  Params params;
  each_webhook_value(w, [&](auto v) { params.push_back(param(v)); });
  return params;
}

}  // namespace

core::Status read_webhooks(Conn& c, core::Snapshot& out) {
  auto w = c.run(kAll);
  if (!w.ok()) return w.error();
  out.webhooks = read_webhooks(*w);
  auto d = c.run(kAllDeliveries);
  if (!d.ok()) return d.error();
  for (int i = 0; i < d->rows(); ++i) out.deliveries.push_back(read_delivery(ResRow{*d, i}));
  return {};
}

core::Status write_webhooks(Conn& c, const core::Snapshot& snap) {
  // Each webhook's cursor comes along, so restored events are not sent again.
  if (auto r = c.exec("DELETE FROM webhook_deliveries"); !r.ok()) return r.error();
  for (const auto& w : snap.webhooks) {
    if (auto r = c.run(kInsert, webhook_params(w)); !r.ok()) return r.error();
  }
  for (const auto& d : snap.deliveries) {
    Params params;
    each_delivery_value(d, [&](auto v) { params.push_back(param(v)); });
    if (auto r = c.run(kRestoreDelivery, params); !r.ok()) return r.error();
  }
  if (auto r = c.run(kMoveDeliveryId); !r.ok()) return r.error();
  return {};
}

Result<Webhook> PostgresStore::insert_webhook(Webhook w, size_t limit) {
  auto st = in_tx([&](Conn& c) -> core::Status {
    if (auto r = c.run(kLockAccount, {w.account_id}); !r.ok()) return r.error();
    auto n = c.run(kCount, {w.account_id});
    if (!n.ok()) return n.error();
    if (static_cast<size_t>(n->int_at(0, 0)) >= limit) {
      return core::Error{core::ErrorCode::kQuotaExceeded, "webhook limit", w.id, {}};
    }
    // It announces the events from now on.
    auto last = c.run(kLastEvent);
    if (!last.ok()) return last.error();
    w.cursor = last->int_at(0, 0);
    if (auto r = c.run(kInsert, webhook_params(w)); !r.ok()) return r.error();
    return {};
  });
  if (!st.ok()) return st.error();
  return w;
}

Result<std::vector<core::WebhookStatus>> PostgresStore::list_webhooks(
    const std::string& account_id) {
  auto r = run(kList, {account_id});
  if (!r.ok()) return r.error();
  std::vector<core::WebhookStatus> out;
  for (auto& w : read_webhooks(*r)) {
    auto h = run(kHealth, {w.id});
    if (!h.ok()) return h.error();
    if (h->rows() == 0) continue;  // deleted meanwhile
    core::WebhookHealth health;
    health.delivered = h->int_at(0, 0);
    health.failed = h->int_at(0, 1);
    health.last_attempt_at = opt_time(ResRow{*h, 0}, 2);
    if (!h->text_at(0, 3).empty()) health.last_error = h->text_at(0, 3);
    health.pending = h->int_at(0, 4);
    out.push_back({std::move(w), health});
  }
  return out;
}

Result<bool> PostgresStore::delete_webhook(const std::string& account_id, const std::string& id) {
  bool existed = false;
  auto st = in_tx([&](Conn& c) -> core::Status {
    auto r = c.run(kDelete, {account_id, id});
    if (!r.ok()) return r.error();
    existed = r->affected() > 0;
    if (!existed) return {};
    if (auto d = c.run(kDeleteDeliveries, {id}); !d.ok()) return d.error();
    return {};
  });
  if (!st.ok()) return st.error();
  return existed;
}

Result<std::vector<core::DueDelivery>> PostgresStore::lease_due_deliveries(
    core::TimePoint now, core::TimePoint lease_until, size_t limit) {
  std::vector<core::DueDelivery> out;
  auto st = in_tx([&](Conn& c) -> core::Status {
    out.clear();
    // No webhook, no horizon to move: it reads pg_locks and the backends,
    // which every node's worker would pay at each recorded batch. A stale
    // horizon is only later, never wrong.
    auto any = c.run(kAnyEnabled, {});
    if (!any.ok()) return any.error();
    if (any->text_at(0, 0) != "t") return {};
    // Before anything here takes an xid (the row locks below do).
    auto horizon = horizon_.advance(c);
    if (!horizon.ok()) return horizon.error();
    // The retry table's due rows first, then the cursors.
    auto r = c.run(kLeaseDue,
                   {p(to_nanos(now)), p(to_nanos(lease_until)), p(static_cast<int64_t>(limit))});
    if (!r.ok()) return r.error();
    for (int i = 0; i < r->rows(); ++i) out.push_back(read_due(ResRow{*r, i}));
    auto ops = cursor_ops(c, *horizon);
    auto more = lease_cursor_batches(*ops, now, lease_until, limit - out.size());
    if (!more.ok()) return more.error();
    for (auto& d : *more) out.push_back(std::move(d));
    return {};
  });
  if (!st.ok()) return st.error();
  return out;
}

core::Status PostgresStore::record_delivery(const WebhookDelivery& d, bool disable) {
  return record_deliveries({{d, disable}});
}

core::Status PostgresStore::record_deliveries(
    const std::vector<std::pair<WebhookDelivery, bool>>& outcomes) {
  return in_tx([&](Conn& c) -> core::Status {
    auto ops = cursor_ops(c, 0);
    return record_cursor_outcomes(*ops, outcomes);
  });
}

Result<size_t> PostgresStore::count_pending_deliveries() {
  auto r = run(kCountPending);
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->int_at(0, 0));
}

Result<size_t> PostgresStore::prune_deliveries(core::TimePoint before, size_t limit) {
  auto r = run(kPrune, {p(to_nanos(before)), p(static_cast<int64_t>(limit))});
  if (!r.ok()) return r.error();
  return static_cast<size_t>(r->affected());
}

}  // namespace vouch::store::postgres
