// Claim and mail <-> PostgreSQL row: store/row_codec.h over a Res row, and
// the values as text parameters.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "core/store.h"
#include "store/postgres/conn.h"
#include "store/row_codec.h"

namespace vouch::store::postgres {

// SQL for leases on due claims. A range `l` of sweep_leases (sweep_leases.h)
// covers the row T (claims, or claim_due: the same seq and due time):
#define VOUCH_PG_LEASE_COVERS(T)                                                         \
  "(" T ".next_check_at, " T ".seq) >= (l.lo_at, l.lo_seq) AND (" T ".next_check_at, " T \
  ".seq) <= (l.hi_at, l.hi_seq)"
// The row T lies in a range live at NOW (due reads that lease nothing skip it):
#define VOUCH_PG_IN_SWEEP_LEASE(T, NOW) \
  "EXISTS (SELECT 1 FROM sweep_leases l WHERE l.until > " NOW " AND " VOUCH_PG_LEASE_COVERS(T) ")"
// COLUMNS of the claim_due rows (as d) of claims due at NOW, in due order, and
// their seqs as an array (schema.cc, 14: a claim's row is written with the
// claim's by every statement that writes next_check_at or status); COND
// narrows them (SQL over d, "" for none).
// Row leases of schema 7-9 (claims.lease_until) are not honoured here: a
// claim such a node leased may be checked twice, compare-and-set either way.
#define VOUCH_PG_DUE_ROWS(COLUMNS, NOW, COND, LIMIT)                           \
  "SELECT " COLUMNS " FROM claim_due d WHERE d.next_check_at <= " NOW " " COND \
  " ORDER BY d.next_check_at, d.seq LIMIT " LIMIT
#define VOUCH_PG_DUE_SEQS(NOW, COND, LIMIT) \
  "ARRAY(" VOUCH_PG_DUE_ROWS("d.seq", NOW, COND, LIMIT) ")"
// COLUMNS of those claims, in no order (a caller that sorts them itself
// spares the server a sort of the wide rows), and in due order.
#define VOUCH_PG_DUE_CLAIMS_UNORDERED(COLUMNS, NOW, COND, LIMIT) \
  "SELECT " COLUMNS " FROM claims WHERE seq = ANY(" VOUCH_PG_DUE_SEQS(NOW, COND, LIMIT) ")"
#define VOUCH_PG_DUE_CLAIMS(COLUMNS, NOW, COND, LIMIT) \
  VOUCH_PG_DUE_CLAIMS_UNORDERED(COLUMNS, NOW, COND, LIMIT) " ORDER BY next_check_at, seq"

// claim_due's row (schema.cc, 14) of each claim written by CTE C, a WITH
// query returning VOUCH_PG_DUE_COLUMNS: an insert, an update, a delete.
#define VOUCH_PG_DUE_COLUMNS "seq, next_check_at, status, account_id, region, kind"
#define VOUCH_PG_DUE_INSERT(C) \
  "INSERT INTO claim_due (" VOUCH_PG_DUE_COLUMNS ") SELECT " VOUCH_PG_DUE_COLUMNS " FROM " C
#define VOUCH_PG_DUE_UPDATE(C)                                                               \
  "UPDATE claim_due d SET next_check_at = x.next_check_at, status = x.status, account_id = " \
  "x.account_id, region = x.region, kind = x.kind FROM " C " x WHERE d.seq = x.seq"
#define VOUCH_PG_DUE_DELETE(C) "DELETE FROM claim_due WHERE seq IN (SELECT seq FROM " C ")"

// scope_counts (schema.cc, 15) of the claims that CTE C, returning their
// account_id, region and kind, inserted or deleted: in the statement that
// writes them, as claim_due's rows: a statement trigger would copy each
// inserted claim into a transition table first. The rows in one order: two
// statements cannot deadlock on them.
#define VOUCH_PG_COUNT_INSERTED(C)                                                       \
  "INSERT INTO scope_counts AS s SELECT account_id, region, kind, count(*) FROM " C      \
  " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ON CONFLICT (account_id, region, kind) DO UPDATE " \
  "SET n = s.n + EXCLUDED.n"
#define VOUCH_PG_COUNT_DELETED(C)                                                            \
  "UPDATE scope_counts s SET n = s.n - x.n FROM (SELECT account_id, region, kind, count(*) " \
  "AS n FROM " C " GROUP BY 1, 2, 3) x WHERE s.account_id = x.account_id AND s.region = "    \
  "x.region AND s.kind = x.kind"

// A claim's subject as its indexes hold it (schema.cc, 13): byte order, the
// order SQLite gives and prefix searches need, whatever the database's
// collation; equality is the same in every collation vouch can run on.
#define VOUCH_PG_SUBJECT "subject COLLATE \"C\""
// A new event's columns (the table numbers it), and their values from claim
// row C and status change H (aliases): the claim's evidence as the change
// left it, up to 1,024 characters (docs/EVENTS.md).
#define VOUCH_PG_EVENT_INSERT_COLUMNS \
  "account_id, region, claim_id, kind, subject, from_status, to_status, at, evidence"
#define VOUCH_PG_EVENT_OF(C, H)                                                             \
  C ".account_id, " C ".region, " C ".id, " C ".kind, " C ".subject, " H ".from_status, " H \
    ".to_status, " H ".at, CASE WHEN length(" C ".evidence) <= 1024 THEN " C ".evidence END"
// VOUCH_CLAIM_COLUMNS as readers see a claim (FROM claims): a leased claim is
// due when its lease runs out (a range, or a row lease in lease_until).
#define VOUCH_PG_NEXT_CHECK_AT                                                      \
  "COALESCE((SELECT max(l.until) FROM sweep_leases l WHERE " VOUCH_PG_LEASE_COVERS( \
      "claims") " AND l.until > claims.next_check_at), "                            \
                "CASE WHEN lease_until > next_check_at THEN lease_until ELSE next_check_at END)"
#define VOUCH_PG_CLAIM_COLUMNS                                                           \
  "seq, id, account_id, region, kind, subject, record_name, token, status, created_at, " \
  "deadline, " VOUCH_PG_NEXT_CHECK_AT ", last_verified_at, absent_since, attempts, "     \
  "dkim_tokens, tags, version, reject_on_mx_failure"

// The SES identity of a subject in a scope ($1 account, $2 region, $3
// subject). One subject, as every create and most reads ask: with = ANY the
// generic plan (priced for an array of ten) never beat the custom plans, so
// each call was planned again (~150 us of the server's CPU per create).
inline constexpr Query kFindIdentity{"find_identity",
                                     "SELECT " VOUCH_PG_CLAIM_COLUMNS
                                     " FROM claims WHERE account_id = $1 AND region = $2 AND kind "
                                     "IN (0, 1) AND " VOUCH_PG_SUBJECT " = $3"};
// Several callers' identities at once: each caller's scope, subject and
// number (n, after the claim's columns) as arrays side by side. Its
// parameters and rows: identities_of, read_identities_of.
inline constexpr Query kFindIdentitiesOf{
    "find_identities_of",
    "SELECT " VOUCH_PG_CLAIM_COLUMNS ", x.n FROM unnest($1::text[], $2::text[], $3::text[], "
    "$4::integer[]) AS x(a, r, s, n) JOIN claims ON account_id = x.a AND region = x.r AND "
    "kind IN (0, 1) AND " VOUCH_PG_SUBJECT " = x.s"};

// A NULL parameter when absent (row_codec's opt_nanos, as a parameter).
inline Param opt_nanos(const std::optional<core::TimePoint>& t) { return p(store::opt_nanos(t)); }

// One row of a result, as row_codec's readers take it.
struct ResRow {
  const Res& r;
  int row;
  int64_t int_at(int col) const { return r.int_at(row, col); }
  std::string text_at(int col) const { return r.text_at(row, col); }
  bool null_at(int col) const { return r.null_at(row, col); }
};

inline core::Claim read_claim(const Res& r, int row) { return store::read_claim(ResRow{r, row}); }
inline core::Mail read_mail(const Res& r, int row) { return store::read_mail(ResRow{r, row}); }

std::vector<core::Claim> read_claims(const Res& r);
std::vector<core::Mail> read_mails(const Res& r);

// kFindIdentitiesOf's parameters: caller n's scope and subject.
struct IdentityOf {
  const core::Scope& scope;
  const std::string& subject;
};
Params identities_of(const std::vector<IdentityOf>& callers);
// Its rows, each with the caller (index) it answers; an internal error if a
// row names none of the `callers` callers.
core::Result<std::vector<std::pair<size_t, core::Claim>>> read_identities_of(const Res& r,
                                                                             size_t callers);

// A row_codec value as a text parameter.
template <typename V>
Param param(const V& v) {
  if constexpr (std::is_same_v<V, std::string_view>) {
    return Param(std::string(v));
  } else {
    return p(v);
  }
}

// Every claim column but seq and version, in VOUCH_CLAIM_COLUMNS order (id ..
// tags, reject_on_mx_failure): 17 parameters, appended to `out`.
inline void claim_params(const core::Claim& c, Params& out) {
  each_claim_value(c, [&](const auto& v) { out.push_back(param(v)); });
}
// claim_id .. next_attempt_at, then last_error: 13 parameters, appended.
inline void mail_params(const core::Mail& m, Params& out) {
  each_mail_value(m, [&](const auto& v) { out.push_back(param(v)); });
}

// "{0,2}" for = ANY($n::smallint[]).
std::string kinds_array(const std::vector<core::ClaimKind>& kinds);

// Every template, and writing them back with their seqs (snapshot and
// restore; postgres/templates.cc).
core::Status read_templates(Conn& c, std::vector<core::VerificationTemplate>& out);
core::Status write_templates(Conn& c, const std::vector<core::VerificationTemplate>& templates);
// Every event, and writing them back with their seqs (postgres/events.cc).
core::Status read_events(Conn& c, std::vector<core::Event>& out);
core::Status write_events(Conn& c, const std::vector<core::Event>& events);
// Webhooks and their deliveries (postgres/webhooks.cc), for snapshot and
// restore; write_webhooks goes after write_events.
core::Status read_webhooks(Conn& c, core::Snapshot& out);
core::Status write_webhooks(Conn& c, const core::Snapshot& snap);

}  // namespace vouch::store::postgres
