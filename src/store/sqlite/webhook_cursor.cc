// The statements of webhook delivery by cursor (store/webhook_cursor.h) on
// SQLite, inside the writer's transaction (one writer: no two passes race).
#include "store/sqlite/webhook_cursor.h"

#include "store/sqlite/rows.h"
#include "store/webhook_codec.h"

namespace vouch::store::sqlite {

using core::Event;
using core::Result;
using core::WebhookDelivery;

namespace {

// Matching events of webhook ?1's account after ?2 (a correlated lag count
// uses the same test).
#define VOUCH_MATCHES(w, e) \
  e ".account_id = " w ".account_id AND ((" w ".kind_mask >> " e ".kind) & 1) = 1"

class Ops final : public CursorOps {
 public:
  explicit Ops(Conn& c) : c_(c) {}

  Result<std::vector<CursorHook>> free_hooks(core::TimePoint now) override {
    Stmt s = c_.prepare("SELECT " VOUCH_CURSOR_HOOK_COLUMNS
                        " FROM webhooks WHERE disabled = 0 AND lease_until <= ?1 "
                        "ORDER BY created_at, rowid");
    s.bind(1, to_nanos(now));
    std::vector<CursorHook> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      out.push_back(
          {s.text_at(0), s.text_at(1), s.text_at(2), s.text_at(3), s.int_at(4), s.int_at(5)});
    }
    if (rc != SQLITE_DONE) return c_.error("free webhooks");
    return out;
  }

  Result<std::vector<Event>> events_after(const CursorHook& h, size_t limit) override {
    Stmt s = c_.prepare("SELECT " VOUCH_EVENT_COLUMNS
                        " FROM events WHERE account_id = ?1 AND seq > ?2 AND "
                        "((?3 >> kind) & 1) = 1 ORDER BY seq LIMIT ?4");
    s.bind(1, h.account_id).bind(2, h.cursor).bind(3, h.kind_mask);
    s.bind(4, static_cast<int64_t>(limit));
    return events(s);
  }

  Result<bool> has_open_rows(const CursorHook& h) override {
    Stmt s = c_.prepare(
        "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = ?1 AND state = 0) "
        "OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = ?1 AND event_seq > ?2)");
    s.bind(1, h.id).bind(2, h.cursor);
    return flag(s);
  }

  Result<bool> claim_pending(const std::string& webhook_id, const std::string& claim_id) override {
    Stmt s = c_.prepare("SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = ?1 AND "
                        "claim_id = ?2 AND state = 0)");
    s.bind(1, webhook_id).bind(2, claim_id);
    return flag(s);
  }

  Result<int64_t> insert_row(const WebhookDelivery& d) override {
    Stmt s = c_.prepare(
        "INSERT INTO webhook_deliveries (webhook_id, event_seq, claim_id, state, attempts, "
        "created_at, next_attempt_at, first_attempt_at, last_attempt_at, last_error) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    int i = 1;
    each_delivery_value(d, [&](auto v) {
      if (i > 1) s.bind(i, v);
      ++i;
    });
    if (s.step() != SQLITE_DONE) return c_.error("insert webhook delivery");
    return static_cast<int64_t>(sqlite3_last_insert_rowid(c_.raw()));
  }

  core::Status take(const std::string& webhook_id, int64_t to,
                    core::TimePoint lease_until) override {
    Stmt s = c_.prepare("UPDATE webhooks SET taken = ?2, lease_until = ?3 WHERE id = ?1");
    s.bind(1, webhook_id).bind(2, to).bind(3, to_nanos(lease_until));
    return done(s, "take webhook cursor");
  }

  core::Status pass(const std::string& webhook_id, int64_t to) override {
    Stmt s = c_.prepare("UPDATE webhooks SET cursor = ?2, taken = ?2 WHERE id = ?1");
    s.bind(1, webhook_id).bind(2, to);
    return done(s, "move webhook cursor");
  }

  Result<bool> advance(const std::string& webhook_id, const WebhookDelivery::Batch& b) override {
    Stmt s = c_.prepare(
        "UPDATE webhooks SET cursor = ?3, lease_until = 0 WHERE id = ?1 AND cursor = ?2 AND "
        "taken = ?3");
    s.bind(1, webhook_id).bind(2, b.from).bind(3, b.to);
    if (auto st = done(s, "advance webhook cursor"); !st.ok()) return st.error();
    return sqlite3_changes(c_.raw()) > 0;
  }

  Result<std::vector<Event>> events_between(const std::string& webhook_id, int64_t from,
                                            int64_t to) override {
    Stmt s = c_.prepare(
        "SELECT e.seq, e.account_id, e.region, e.claim_id, e.kind, e.subject, e.from_status, "
        "e.to_status, e.at, e.evidence FROM webhooks w JOIN events e ON " VOUCH_MATCHES(
            "w", "e") " WHERE w.id = ?1 AND e.seq > ?2 AND e.seq <= ?3 ORDER BY e.seq");
    s.bind(1, webhook_id).bind(2, from).bind(3, to);
    return events(s);
  }

  Result<std::optional<int64_t>> row_of(const std::string& webhook_id, int64_t event_seq) override {
    Stmt s = c_.prepare(
        "SELECT id FROM webhook_deliveries WHERE webhook_id = ?1 AND event_seq = ?2 LIMIT 1");
    s.bind(1, webhook_id).bind(2, event_seq);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return std::optional<int64_t>(s.int_at(0));
    if (rc != SQLITE_DONE) return c_.error("find webhook delivery");
    return std::optional<int64_t>();
  }

  core::Status record_row(const WebhookDelivery& d, bool disable) override {
    Stmt s = c_.prepare(
        "UPDATE webhook_deliveries SET state = ?2, attempts = ?3, next_attempt_at = ?4, "
        "first_attempt_at = ?5, last_attempt_at = ?6, last_error = ?7 WHERE id = ?1");
    s.bind(1, d.id)
        .bind(2, int64_t{delivery_state_code(d.state)})
        .bind(3, int64_t{d.attempts})
        .bind(4, to_nanos(d.next_attempt_at))
        .bind(5, opt_nanos(d.first_attempt_at))
        .bind(6, opt_nanos(d.last_attempt_at))
        .bind(7, d.last_error);
    if (auto st = done(s, "record webhook delivery"); !st.ok()) return st;
    if (auto st = count(d, 1); !st.ok()) return st;
    if (!disable) return {};
    // What it will never send counts as failed: its pending rows and the
    // matching events past its cursor.
    Stmt w = c_.prepare("UPDATE webhooks SET disabled = 1, failed = failed + (SELECT count(*) FROM "
                        "webhook_deliveries d WHERE d.webhook_id = webhooks.id AND d.state = 0) + "
                        "(SELECT count(*) FROM events e WHERE " VOUCH_MATCHES(
                            "webhooks", "e") " AND e.seq > webhooks.cursor) WHERE id = ?1");
    w.bind(1, d.webhook_id);
    Stmt rest = c_.prepare(
        "UPDATE webhook_deliveries SET state = 2, last_error = 'webhook disabled' "
        "WHERE webhook_id = ?1 AND state = 0");
    rest.bind(1, d.webhook_id);
    if (w.step() != SQLITE_DONE || rest.step() != SQLITE_DONE) return c_.error("disable webhook");
    return {};
  }

  core::Status count(const WebhookDelivery& d, int64_t times) override {
    Stmt s = c_.prepare(
        "UPDATE webhooks SET delivered = delivered + ?2, failed = failed + ?3, "
        "first_attempt_at = coalesce(first_attempt_at, ?4), "
        "last_error = CASE WHEN ?4 IS NULL OR ?4 < coalesce(last_attempt_at, ?4) THEN "
        "last_error ELSE ?5 END, "
        "last_attempt_at = CASE WHEN ?4 IS NULL THEN last_attempt_at ELSE "
        "max(coalesce(last_attempt_at, ?4), ?4) END WHERE id = ?1");
    s.bind(1, d.webhook_id)
        .bind(2, d.state == WebhookDelivery::State::kDelivered ? times : 0)
        .bind(3, d.state == WebhookDelivery::State::kFailed ? times : 0)
        .bind(4, opt_nanos(d.last_attempt_at))
        .bind(5, d.last_error);
    return done(s, "count webhook delivery");
  }

 private:
  Result<std::vector<Event>> events(Stmt& s) {
    std::vector<Event> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_event(s));
    if (rc != SQLITE_DONE) return c_.error("read events for webhooks");
    return out;
  }
  Result<bool> flag(Stmt& s) {
    if (s.step() != SQLITE_ROW) return c_.error("read webhook deliveries");
    return s.int_at(0) != 0;
  }
  core::Status done(Stmt& s, const char* what) {
    if (s.step() != SQLITE_DONE) return c_.error(what);
    return {};
  }

  Conn& c_;
};

}  // namespace

std::unique_ptr<CursorOps> cursor_ops(Conn& c) { return std::make_unique<Ops>(c); }

}  // namespace vouch::store::sqlite
