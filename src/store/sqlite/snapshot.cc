// Moving a whole SqliteStore in or out (vouch store copy).
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::store::sqlite {

using core::Result;

namespace {

core::Status read_claims(Conn& c, core::Snapshot& out) {
  Stmt s = c.prepare(std::string("SELECT ") + kClaimColumns +
                     ", evidence FROM claims ORDER BY seq");
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    core::ClaimRecord r{read_claim(s), std::nullopt, {}};
    if (!s.null_at(19)) r.evidence = s.text_at(19);
    out.claims.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return c.error("read claims");
  // History in one pass, matched to its claim by seq (both in seq order).
  Stmt h = c.prepare("SELECT claim_seq, at, from_status, to_status FROM history "
                     "ORDER BY claim_seq, at, rowid");
  size_t i = 0;
  while ((rc = h.step()) == SQLITE_ROW) {
    const int64_t seq = h.int_at(0);
    while (i < out.claims.size() && out.claims[i].claim.seq < seq) ++i;
    if (i == out.claims.size() || out.claims[i].claim.seq != seq) continue;  // orphaned
    out.claims[i].history.push_back(
        {from_nanos(h.int_at(1)), status_from_code(h.int_at(2)), status_from_code(h.int_at(3))});
  }
  if (rc != SQLITE_DONE) return c.error("read history");
  return {};
}

core::Status read_rest(Conn& c, core::Snapshot& out) {
  int rc;
  Stmt m = c.prepare(std::string(kMailColumns) + "ORDER BY id");
  while ((rc = m.step()) == SQLITE_ROW) out.mail.push_back(read_mail(m));
  if (rc != SQLITE_DONE) return c.error("read outbox");
  Stmt hidden = c.prepare("SELECT id FROM outbox WHERE hidden != 0 ORDER BY id");
  while ((rc = hidden.step()) == SQLITE_ROW) out.hidden_mail.push_back(hidden.int_at(0));
  if (rc != SQLITE_DONE) return c.error("read outbox");
  Stmt a = c.prepare("SELECT account_id, access_key_id, secret_access_key FROM accounts "
                     "ORDER BY access_key_id");
  while ((rc = a.step()) == SQLITE_ROW)
    out.accounts.push_back({a.text_at(0), a.text_at(1), a.text_at(2)});
  if (rc != SQLITE_DONE) return c.error("read accounts");
  Stmt k = c.prepare("SELECT account_id, region, client_token, request_hash, response, created_at "
                     "FROM idempotency ORDER BY account_id, region, client_token");
  while ((rc = k.step()) == SQLITE_ROW) {
    out.idempotency.push_back({{k.text_at(0), k.text_at(1)},
                               k.text_at(2),
                               k.text_at(3),
                               k.text_at(4),
                               from_nanos(k.int_at(5))});
  }
  if (rc != SQLITE_DONE) return c.error("read idempotency keys");
  Stmt seqs = c.prepare("SELECT name, seq FROM sqlite_sequence");
  while ((rc = seqs.step()) == SQLITE_ROW) {
    const std::string table = seqs.text_at(0);
    if (table == "claims") out.last_seq = seqs.int_at(1);
    if (table == "outbox") out.last_mail_id = seqs.int_at(1);
  }
  if (rc != SQLITE_DONE) return c.error("read sequences");
  Stmt st = c.prepare("SELECT name, value FROM settings ORDER BY name");
  while ((rc = st.step()) == SQLITE_ROW) out.settings.emplace(st.text_at(0), st.text_at(1));
  if (rc != SQLITE_DONE) return c.error("read settings");
  if (auto s = read_templates(c, out.templates); !s.ok()) return s;
  if (auto s = read_webhooks(c, out); !s.ok()) return s;
  return read_events(c, out.events);
}

core::Status refuse_unless_empty(Conn& c) {
  Stmt s = c.prepare("SELECT (SELECT count(*) FROM claims) + (SELECT count(*) FROM outbox) + "
                     "(SELECT count(*) FROM accounts) + (SELECT count(*) FROM settings) + "
                     "(SELECT count(*) FROM templates) + (SELECT count(*) FROM webhooks)");
  if (s.step() != SQLITE_ROW) return c.error("count rows");
  if (s.int_at(0) != 0) {
    return core::Error{core::ErrorCode::kConflict, "the target store is not empty", {}, {}};
  }
  return {};
}

core::Status write_claims(Conn& c, const core::Snapshot& snap) {
  for (const auto& r : snap.claims) {
    Stmt s = c.prepare("INSERT INTO claims (id, account_id, region, kind, subject, record_name, "
                       "token, status, created_at, deadline, next_check_at, last_verified_at, "
                       "absent_since, attempts, dkim_tokens, tags, reject_on_mx_failure, seq, "
                       "version, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                       "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)");
    bind_claim(s, r.claim);
    s.bind(18, r.claim.seq).bind(19, r.claim.version);
    if (r.evidence) s.bind(20, *r.evidence);
    if (s.step() != SQLITE_DONE) return c.error("copy claim " + r.claim.id);
    for (const auto& h : r.history) {
      Stmt w = c.prepare("INSERT INTO history (claim_seq, at, from_status, to_status) "
                         "VALUES (?1, ?2, ?3, ?4)");
      w.bind(1, r.claim.seq)
          .bind(2, to_nanos(h.at))
          .bind(3, int64_t{status_code(h.from)})
          .bind(4, int64_t{status_code(h.to)});
      if (w.step() != SQLITE_DONE) return c.error("copy history");
    }
  }
  return {};
}

core::Status write_rest(Conn& c, const core::Snapshot& snap) {
  for (const auto& m : snap.mail) {
    // bind_mail's 13, then the two it leaves out.
    Stmt s = c.prepare("INSERT INTO outbox (claim_id, account_id, region, mail_from, mail_to, "
                       "subject, text_body, html_body, created_at, state, attempts, "
                       "next_attempt_at, last_error, id, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                       "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    bind_mail(s, m);
    s.bind(14, m.id).bind(15, opt_nanos(m.sent_at));
    if (s.step() != SQLITE_DONE) return c.error("copy mail");
  }
  for (int64_t id : snap.hidden_mail) {
    Stmt s = c.prepare("UPDATE outbox SET hidden = 1 WHERE id = ?1");
    s.bind(1, id);
    if (s.step() != SQLITE_DONE) return c.error("copy mail");
  }
  for (const auto& a : snap.accounts) {
    Stmt s = c.prepare("INSERT INTO accounts (access_key_id, account_id, secret_access_key) "
                       "VALUES (?1, ?2, ?3)");
    s.bind(1, a.access_key_id).bind(2, a.account_id).bind(3, a.secret_access_key);
    if (s.step() != SQLITE_DONE) return c.error("copy account");
  }
  for (const auto& k : snap.idempotency) {
    Stmt s = c.prepare("INSERT INTO idempotency (account_id, region, client_token, request_hash, "
                       "response, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, k.scope.account_id)
        .bind(2, k.scope.region)
        .bind(3, k.client_token)
        .bind(4, k.request_hash)
        .bind(5, k.response)
        .bind(6, to_nanos(k.created_at));
    if (s.step() != SQLITE_DONE) return c.error("copy idempotency key");
  }
  for (const auto& [name, value] : snap.settings) {
    Stmt s = c.prepare("INSERT INTO settings (name, value) VALUES (?1, ?2)");
    s.bind(1, name).bind(2, value);
    if (s.step() != SQLITE_DONE) return c.error("copy setting");
  }
  for (const auto& t : snap.templates) {
    if (auto s = insert_template_row(c, t); !s.ok()) return s;
  }
  // AUTOINCREMENT's high-water marks, so deleted seqs and ids stay unused.
  for (const auto& [table, last] : {std::pair<const char*, int64_t>{"claims", snap.last_seq},
                                    std::pair<const char*, int64_t>{"outbox", snap.last_mail_id}}) {
    Stmt s = c.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1");
    s.bind(1, std::string_view(table)).bind(2, last);
    Stmt ins = c.prepare("INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 WHERE NOT EXISTS "
                         "(SELECT 1 FROM sqlite_sequence WHERE name = ?1)");
    ins.bind(1, std::string_view(table)).bind(2, last);
    if (s.step() != SQLITE_DONE || ins.step() != SQLITE_DONE) return c.error("copy sequences");
  }
  return {};
}

}  // namespace

Result<core::Snapshot> SqliteStore::snapshot() {
  core::Snapshot out;
  // On the writer, so the whole read is one consistent transaction.
  auto st = writer_->run([&](Conn& c) -> core::Status {
    if (auto s = read_claims(c, out); !s.ok()) return s;
    return read_rest(c, out);
  });
  if (!st.ok()) return st.error();
  return out;
}

core::Status SqliteStore::restore(const core::Snapshot& snap) {
  return writer_->run([&](Conn& c) -> core::Status {
    if (auto s = refuse_unless_empty(c); !s.ok()) return s;
    if (auto s = write_claims(c, snap); !s.ok()) return s;
    if (auto s = write_events(c, snap.events); !s.ok()) return s;
    if (auto s = write_webhooks(c, snap); !s.ok()) return s;
    return write_rest(c, snap);
  });
}

}  // namespace vouch::store::sqlite
