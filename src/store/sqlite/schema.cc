#include "store/sqlite/schema.h"

#include <algorithm>
#include <string>

namespace vouch::store::sqlite {
namespace {

// Append only: never edit a migration that has shipped.
constexpr const char* kMigrations[] = {
    // 1: claims and accounts
    R"sql(
CREATE TABLE claims (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  kind INTEGER NOT NULL,
  subject TEXT NOT NULL,
  record_name TEXT NOT NULL,
  token TEXT NOT NULL,
  status INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  next_check_at INTEGER,
  last_verified_at INTEGER,
  absent_since INTEGER,
  attempts INTEGER NOT NULL,
  dkim_tokens TEXT NOT NULL,
  tags TEXT NOT NULL,
  version INTEGER NOT NULL
);
CREATE UNIQUE INDEX claims_ses_subject ON claims(account_id, region, subject) WHERE kind IN (0, 1);
CREATE INDEX claims_scope ON claims(account_id, region);
CREATE INDEX claims_due ON claims(next_check_at) WHERE next_check_at IS NOT NULL;
CREATE TABLE accounts (
  access_key_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  secret_access_key TEXT NOT NULL
);
)sql",
    // 2: client tokens of creates, and subject lookups for non-SES claims
    R"sql(
CREATE TABLE idempotency (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  client_token TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, client_token)
);
CREATE INDEX claims_subject ON claims(account_id, region, subject) WHERE kind NOT IN (0, 1);
)sql",
    // 3: what checks saw, and how statuses moved
    R"sql(
CREATE TABLE evidence (
  claim_id TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
CREATE TABLE history (
  claim_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  from_status INTEGER NOT NULL,
  to_status INTEGER NOT NULL
);
CREATE INDEX history_claim ON history(claim_id, at);
)sql",
    // 4: the outbox of verification mail
    R"sql(
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  claim_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  mail_from TEXT NOT NULL,
  mail_to TEXT NOT NULL,
  subject TEXT NOT NULL,
  text_body TEXT NOT NULL,
  html_body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  sent_at INTEGER,
  last_error TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 0;
)sql",
    // 5: one DKIM claim per published record (kind 3), so concurrent creates cannot double up
    R"sql(
CREATE UNIQUE INDEX claims_dkim_record ON claims(account_id, region, record_name) WHERE kind = 3;
)sql",
    // 6: the last evidence lives in its claim's row: a check then rewrites
    // one row instead of replacing a row and its key in a second table.
    R"sql(
ALTER TABLE claims ADD COLUMN evidence TEXT;
UPDATE claims SET evidence = (SELECT body FROM evidence WHERE evidence.claim_id = claims.id);
DROP TABLE evidence;
)sql",
    // History keyed by the claim's seq (never reused) instead of its random
    // id: a sweep records claims in roughly seq order, so its history rows land
    // on a few index pages instead of one random page each.
    R"sql(
CREATE TABLE history_by_seq (
  claim_seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  from_status INTEGER NOT NULL,
  to_status INTEGER NOT NULL
);
INSERT INTO history_by_seq (claim_seq, at, from_status, to_status)
  SELECT claims.seq, history.at, history.from_status, history.to_status
  FROM history JOIN claims ON claims.id = history.claim_id ORDER BY history.rowid;
DROP TABLE history;
ALTER TABLE history_by_seq RENAME TO history;
CREATE INDEX history_claim ON history(claim_seq, at);
)sql",
    // 8: the inbox can hide mail without forgetting it (the per-recipient
    // cooldown still sees it); the cooldown and retention find mail by index.
    R"sql(
ALTER TABLE outbox ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_to ON outbox(mail_to, account_id, region, created_at);
CREATE INDEX outbox_done ON outbox(created_at) WHERE state != 0;
)sql",
    // 9: values every node shares (the server's secret key, the test clock)
    R"sql(
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
    // 10: custom verification email templates (SES v1 and v2 share them)
    R"sql(
CREATE TABLE templates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  mail_from TEXT NOT NULL,
  subject TEXT NOT NULL,
  content TEXT NOT NULL,
  success_url TEXT NOT NULL,
  failure_url TEXT NOT NULL,
  UNIQUE (account_id, region, name)
);
)sql",
    // 11: an SES identity's BehaviorOnMxFailure (1: REJECT_MESSAGE), and one
    // MAIL FROM MX (kind 5) and SPF (kind 6) claim per identity
    R"sql(
ALTER TABLE claims ADD COLUMN reject_on_mx_failure INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX claims_mail_from ON claims(account_id, region, subject, kind) WHERE kind IN (5, 6);
)sql",
    // 12: an event per status change, written by a trigger on history so it
    // commits with the change on every write path (see docs/EVENTS.md)
    R"sql(
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  claim_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  subject TEXT NOT NULL,
  from_status INTEGER NOT NULL,
  to_status INTEGER NOT NULL,
  at INTEGER NOT NULL,
  evidence TEXT
);
CREATE INDEX events_account ON events(account_id, seq);
CREATE INDEX events_at ON events(at);
CREATE TRIGGER history_event AFTER INSERT ON history BEGIN
  INSERT INTO events (account_id, region, claim_id, kind, subject, from_status, to_status, at,
                      evidence)
  SELECT account_id, region, id, kind, subject, NEW.from_status, NEW.to_status, NEW.at,
         CASE WHEN length(evidence) <= 1024 THEN evidence END
  FROM claims WHERE seq = NEW.claim_seq;
END;
)sql",
    // 13: the admin console's searches: by status and by subject prefix, in
    // seq order within the scope (SQLite appends the rowid, seq, to each)
    R"sql(
CREATE INDEX claims_status ON claims(account_id, region, status);
CREATE INDEX claims_scope_subject ON claims(account_id, region, subject);
)sql",
    // 14: webhook endpoints and their delivery outbox, filled by a trigger on
    // events so a delivery commits with its event (see docs/EVENTS.md)
    R"sql(
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL,
  kind_mask INTEGER NOT NULL
);
CREATE INDEX webhooks_account ON webhooks(account_id);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  claim_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  first_attempt_at INTEGER,
  last_attempt_at INTEGER,
  last_error TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 0;
CREATE INDEX webhook_deliveries_pair ON webhook_deliveries(webhook_id, claim_id, id) WHERE state = 0;
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, state);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries(created_at);
CREATE TRIGGER event_webhook_deliveries AFTER INSERT ON events BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event_seq, claim_id, state, attempts, created_at,
                                  next_attempt_at, last_error)
  SELECT id, NEW.seq, NEW.claim_id, 0, 0, NEW.at, NEW.at, '' FROM webhooks
  WHERE account_id = NEW.account_id AND disabled = 0 AND ((kind_mask >> NEW.kind) & 1) = 1;
END;
)sql",
    // 15: delivery by cursor (store/webhook_cursor.h): no row per event; each
    // webhook keeps the last event it passed, a lease on it, and its counts.
    // Rows left pending drain as retries; the cursor starts past them.
    R"sql(
DROP TRIGGER event_webhook_deliveries;
ALTER TABLE webhooks ADD COLUMN cursor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN taken INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN first_attempt_at INTEGER;
ALTER TABLE webhooks ADD COLUMN last_attempt_at INTEGER;
ALTER TABLE webhooks ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
UPDATE webhooks SET
  cursor = (SELECT coalesce(max(seq), 0) FROM events),
  taken = (SELECT coalesce(max(seq), 0) FROM events),
  delivered = (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id AND d.state = 1),
  failed = (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id AND d.state = 2),
  first_attempt_at = (SELECT min(first_attempt_at) FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id),
  last_attempt_at = (SELECT max(last_attempt_at) FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id),
  last_error = coalesce((SELECT last_error FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id
    AND d.last_attempt_at IS NOT NULL ORDER BY d.last_attempt_at DESC, d.id DESC LIMIT 1), '');
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(webhook_id, event_seq);
DROP INDEX webhook_deliveries_webhook;
)sql",
    // 16: the store writes each event with its history row (history_rows.h):
    // it holds the claim, which the trigger looked up again per row
    R"sql(
DROP TRIGGER history_event;
)sql",
    // 17: each scope's claims of each kind, counted as they are inserted and
    // deleted: a create under a quota read count(*) of its scope, O(the
    // scope's claims) each (~1,200 creates/s at the default quota against
    // ~10,000 without, bench/RESULTS.md).
    R"sql(
CREATE TABLE scope_counts (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  kind INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, kind)
) WITHOUT ROWID;
INSERT INTO scope_counts SELECT account_id, region, kind, count(*) FROM claims GROUP BY 1, 2, 3;
CREATE TRIGGER scope_counts_add AFTER INSERT ON claims BEGIN
  INSERT INTO scope_counts VALUES (NEW.account_id, NEW.region, NEW.kind, 1)
  ON CONFLICT (account_id, region, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER scope_counts_drop AFTER DELETE ON claims BEGIN
  UPDATE scope_counts SET n = n - 1
  WHERE account_id = OLD.account_id AND region = OLD.region AND kind = OLD.kind;
END;
)sql",
};

constexpr int kLatest = static_cast<int>(std::size(kMigrations));

}  // namespace

int latest_schema_version() { return kLatest; }

core::Status migrate(Conn& conn) { return migrate_to(conn, kLatest); }

core::Status migrate_to(Conn& conn, int target) {
  int version = 0;
  {
    Stmt s = conn.prepare("PRAGMA user_version");
    if (s.step() == SQLITE_ROW) version = static_cast<int>(s.int_at(0));
  }
  if (version > kLatest) {
    return core::internal_error("database schema version " + std::to_string(version) +
                                " is newer than this vouch understands (" +
                                std::to_string(kLatest) + "): upgrade vouch");
  }
  for (int v = version; v < std::min(target, kLatest); ++v) {
    std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                      "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
    if (auto s = conn.exec(sql.c_str()); !s.ok()) {
      (void)conn.exec("ROLLBACK");
      return s;
    }
  }
  return {};
}

}  // namespace vouch::store::sqlite
