// Webhook endpoints and their delivery, of SqliteStore: each webhook's cursor
// over events, and the retry table (store/webhook_cursor.h; schema.cc,
// migrations 14 and 15).
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/webhook_cursor.h"
#include "store/webhook_codec.h"

namespace vouch::store::sqlite {

using core::Result;
using core::Webhook;
using core::WebhookDelivery;

namespace {

constexpr const char* kWebhookColumns = "SELECT " VOUCH_WEBHOOK_COLUMNS " FROM webhooks ";
constexpr const char* kDeliveryColumns = "SELECT " VOUCH_DELIVERY_COLUMNS
                                         " FROM webhook_deliveries ";

core::Status insert_webhook_row(Conn& c, const Webhook& w) {
  Stmt s = c.prepare("INSERT INTO webhooks (" VOUCH_WEBHOOK_COLUMNS
                     ", kind_mask, taken) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)");
  int i = 1;
  each_webhook_value(w, [&](auto v) { s.bind(i++, v); });
  if (s.step() != SQLITE_DONE) return c.error("insert webhook");
  return {};
}

// The pending count: its retry rows, and (enabled) the events past its cursor.
core::Result<core::WebhookHealth> health_of(Conn& c, const std::string& webhook_id) {
  Stmt s = c.prepare(
      "SELECT w.delivered, w.failed, w.last_attempt_at, w.last_error, (SELECT count(*) FROM "
      "webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 0) + CASE WHEN w.disabled "
      "THEN 0 ELSE (SELECT count(*) FROM events e WHERE e.account_id = w.account_id AND "
      "e.seq > w.cursor AND ((w.kind_mask >> e.kind) & 1) = 1) END FROM webhooks w "
      "WHERE w.id = ?1");
  s.bind(1, webhook_id);
  if (s.step() != SQLITE_ROW) return c.error("webhook health");
  core::WebhookHealth h;
  h.delivered = s.int_at(0);
  h.failed = s.int_at(1);
  h.last_attempt_at = opt_time(s, 2);
  if (std::string e = s.text_at(3); !e.empty()) h.last_error = std::move(e);
  h.pending = s.int_at(4);
  return h;
}

}  // namespace

core::Status read_webhooks(Conn& c, core::Snapshot& out) {
  Stmt w = c.prepare(std::string(kWebhookColumns) + "ORDER BY created_at, rowid");
  int rc;
  while ((rc = w.step()) == SQLITE_ROW) out.webhooks.push_back(read_webhook(w));
  if (rc != SQLITE_DONE) return c.error("read webhooks");
  Stmt d = c.prepare(std::string(kDeliveryColumns) + "ORDER BY id");
  while ((rc = d.step()) == SQLITE_ROW) out.deliveries.push_back(read_delivery(d));
  if (rc != SQLITE_DONE) return c.error("read webhook deliveries");
  return {};
}

core::Status write_webhooks(Conn& c, const core::Snapshot& snap) {
  // Each webhook's cursor comes along, so restored events are not sent again.
  if (auto s = c.exec("DELETE FROM webhook_deliveries"); !s.ok()) return s;
  for (const auto& w : snap.webhooks) {
    if (auto s = insert_webhook_row(c, w); !s.ok()) return s;
  }
  for (const auto& d : snap.deliveries) {
    Stmt s = c.prepare("INSERT INTO webhook_deliveries (" VOUCH_DELIVERY_COLUMNS
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    int i = 1;
    each_delivery_value(d, [&](auto v) { s.bind(i++, v); });
    if (s.step() != SQLITE_DONE) return c.error("copy webhook delivery");
  }
  return {};
}

Result<Webhook> SqliteStore::insert_webhook(Webhook w, size_t limit) {
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt count = c.prepare("SELECT count(*) FROM webhooks WHERE account_id = ?1");
    count.bind(1, w.account_id);
    if (count.step() != SQLITE_ROW) return c.error("count webhooks");
    if (static_cast<size_t>(count.int_at(0)) >= limit) {
      return core::Error{core::ErrorCode::kQuotaExceeded, "webhook limit", w.id, {}};
    }
    // It announces the events from now on.
    Stmt last = c.prepare("SELECT coalesce(max(seq), 0) FROM events");
    if (last.step() != SQLITE_ROW) return c.error("last event");
    w.cursor = last.int_at(0);
    return insert_webhook_row(c, w);
  });
  if (!st.ok()) return st.error();
  return w;
}

Result<std::vector<core::WebhookStatus>> SqliteStore::list_webhooks(const std::string& account_id) {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(std::string(kWebhookColumns) +
                        "WHERE account_id = ?1 ORDER BY created_at, rowid");
  s.bind(1, account_id);
  std::vector<core::WebhookStatus> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back({read_webhook(s), {}});
  if (rc != SQLITE_DONE) return (*r).error("list webhooks");
  for (auto& w : out) {
    auto h = health_of(*r, w.webhook.id);
    if (!h.ok()) return h.error();
    w.health = *h;
  }
  return out;
}

Result<bool> SqliteStore::delete_webhook(const std::string& account_id, const std::string& id) {
  bool existed = false;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare("DELETE FROM webhooks WHERE account_id = ?1 AND id = ?2");
    s.bind(1, account_id).bind(2, id);
    if (s.step() != SQLITE_DONE) return c.error("delete webhook");
    existed = sqlite3_changes(c.raw()) > 0;
    Stmt d = c.prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ?1");
    d.bind(1, id);
    if (existed && d.step() != SQLITE_DONE) return c.error("delete webhook deliveries");
    return {};
  });
  if (!st.ok()) return st.error();
  return existed;
}

Result<std::vector<core::DueDelivery>> SqliteStore::lease_due_deliveries(
    core::TimePoint now, core::TimePoint lease_until, size_t limit) {
  std::vector<core::DueDelivery> out;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    out.clear();
    // The retry table's due rows first, then the cursors.
    Stmt s = c.prepare(
        "SELECT " VOUCH_DUE_COLUMNS
        " FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
        "LEFT JOIN events e ON e.seq = d.event_seq "
        "WHERE d.state = 0 AND d.next_attempt_at <= ?1 AND w.disabled = 0 AND NOT EXISTS "
        "(SELECT 1 FROM webhook_deliveries o WHERE o.webhook_id = d.webhook_id AND "
        "o.claim_id = d.claim_id AND o.state = 0 AND o.id < d.id) "
        "ORDER BY d.next_attempt_at, d.id LIMIT ?2");
    s.bind(1, to_nanos(now)).bind(2, static_cast<int64_t>(limit));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_due(s));
    if (rc != SQLITE_DONE) return c.error("due webhook deliveries");
    for (const auto& due : out) {
      Stmt u = c.prepare("UPDATE webhook_deliveries SET next_attempt_at = ?1 WHERE id = ?2");
      u.bind(1, to_nanos(lease_until)).bind(2, due.delivery.id);
      if (u.step() != SQLITE_DONE) return c.error("lease webhook delivery");
    }
    auto ops = cursor_ops(c);
    auto more = lease_cursor_batches(*ops, now, lease_until, limit - out.size());
    if (!more.ok()) return more.error();
    for (auto& d : *more) out.push_back(std::move(d));
    return {};
  });
  if (!st.ok()) return st.error();
  return out;
}

core::Status SqliteStore::record_delivery(const WebhookDelivery& d, bool disable) {
  return record_deliveries({{d, disable}});
}

core::Status SqliteStore::record_deliveries(
    const std::vector<std::pair<WebhookDelivery, bool>>& outcomes) {
  return writer_->run([&](Conn& c) -> core::Status {
    auto ops = cursor_ops(c);
    return record_cursor_outcomes(*ops, outcomes);
  });
}

Result<size_t> SqliteStore::count_pending_deliveries() {
  Reader r(*this);
  if (!r.ok()) return core::internal_error("cannot open a reader");
  Stmt s = (*r).prepare(
      "SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 0) + (SELECT count(*) "
      "FROM webhooks w JOIN events e ON e.account_id = w.account_id AND e.seq > w.cursor AND "
      "((w.kind_mask >> e.kind) & 1) = 1 WHERE w.disabled = 0)");
  if (s.step() != SQLITE_ROW) return (*r).error("count webhook deliveries");
  return static_cast<size_t>(s.int_at(0));
}

Result<size_t> SqliteStore::prune_deliveries(core::TimePoint before, size_t limit) {
  size_t n = 0;
  auto st = writer_->run([&](Conn& c) -> core::Status {
    Stmt s = c.prepare(
        "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries "
        "WHERE state != 0 AND created_at < ?1 LIMIT ?2)");
    s.bind(1, to_nanos(before)).bind(2, static_cast<int64_t>(limit));
    if (s.step() != SQLITE_DONE) return c.error("prune webhook deliveries");
    n = static_cast<size_t>(sqlite3_changes(c.raw()));
    return {};
  });
  if (!st.ok()) return st.error();
  return n;
}

}  // namespace vouch::store::sqlite
