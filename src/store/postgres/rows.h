// Claim and mail <-> row mapping for PostgreSQL: the column lists, and the
// codes stored for enums (the same codes as store/sqlite/rows.cc).
#pragma once

#include <optional>

#include "core/claim.h"
#include "core/mail.h"
#include "store/postgres/conn.h"

namespace vouch::store::postgres {

// Columns in the order read_claim expects them.
#define VOUCH_PG_CLAIM_COLUMNS                                                           \
  "seq, id, account_id, region, kind, subject, record_name, token, status, created_at, " \
  "deadline, next_check_at, last_verified_at, absent_since, attempts, dkim_tokens, tags, version"
#define VOUCH_PG_MAIL_COLUMNS                                                             \
  "id, claim_id, account_id, region, mail_from, mail_to, subject, text_body, html_body, " \
  "created_at, state, attempts, next_attempt_at, sent_at, last_error"

// Stored codes. Never renumber: they are on disk.
int kind_code(core::ClaimKind k);
int status_code(core::ClaimStatus s);
core::ClaimStatus status_from_code(int64_t c);
int mail_state_code(core::Mail::State s);

int64_t to_nanos(core::TimePoint t);
core::TimePoint from_nanos(int64_t n);
Param opt_nanos(const std::optional<core::TimePoint>& t);  // NULL when absent

// Reads row `row`, columns as VOUCH_PG_CLAIM_COLUMNS starting at column 0.
core::Claim read_claim(const Res& r, int row);
std::vector<core::Claim> read_claims(const Res& r);
// Every column but seq and version, in VOUCH_PG_CLAIM_COLUMNS order (id ..
// tags): 16 parameters, appended to `out`.
void claim_params(const core::Claim& c, Params& out);

core::Mail read_mail(const Res& r, int row);
std::vector<core::Mail> read_mails(const Res& r);

// "{0,2}" for = ANY($n::smallint[]).
std::string kinds_array(const std::vector<core::ClaimKind>& kinds);

}  // namespace vouch::store::postgres
