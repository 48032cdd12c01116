// Claim <-> row mapping: the column list, and the codes stored for enums.
#pragma once

#include <optional>

#include "core/claim.h"
#include "core/mail.h"
#include "store/sqlite/db.h"

namespace vouch::store::sqlite {

// Columns in the order read_claim expects them.
inline constexpr const char* kClaimColumns =
    "seq, id, account_id, region, kind, subject, record_name, token, status, created_at, "
    "deadline, next_check_at, last_verified_at, absent_since, attempts, dkim_tokens, tags, version";

// Stored codes. Never renumber: they are on disk.
int kind_code(core::ClaimKind k);
std::optional<core::ClaimKind> kind_from_code(int64_t c);
int status_code(core::ClaimStatus s);
std::optional<core::ClaimStatus> status_from_code(int64_t c);

int64_t to_nanos(core::TimePoint t);
core::TimePoint from_nanos(int64_t n);
std::optional<int64_t> opt_nanos(const std::optional<core::TimePoint>& t);  // NULL when absent

// Reads the current row (columns as kClaimColumns).
core::Claim read_claim(const Stmt& s);
// Binds every column but seq and version, starting at parameter 1, in
// kClaimColumns order (id .. tags): 16 parameters.
void bind_claim(Stmt& s, const core::Claim& c);

// The outbox: a SELECT of every column in read_mail's order, up to FROM.
inline constexpr const char* kMailColumns =
    "SELECT id, claim_id, account_id, region, mail_from, mail_to, subject, text_body, html_body, "
    "created_at, state, attempts, next_attempt_at, sent_at, last_error FROM outbox ";
core::Mail read_mail(const Stmt& s);
int64_t mail_state_code(core::Mail::State s);
// Binds claim_id .. next_attempt_at, then last_error, as parameters 1-13
// (kMailColumns' order without id and sent_at).
void bind_mail(Stmt& s, const core::Mail& m);

}  // namespace vouch::store::sqlite
