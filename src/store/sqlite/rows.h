// Claim and mail <-> SQLite row: store/row_codec.h over a Stmt.
#pragma once

#include <vector>

#include "core/store.h"
#include "store/row_codec.h"
#include "store/sqlite/db.h"

namespace vouch::store::sqlite {

inline constexpr const char* kClaimColumns = VOUCH_CLAIM_COLUMNS;
// The outbox: a SELECT of every column in read_mail's order, up to FROM.
inline constexpr const char* kMailColumns = "SELECT " VOUCH_MAIL_COLUMNS " FROM outbox ";

// Binds every claim column but seq and version, starting at parameter 1, in
// kClaimColumns order (id .. tags, reject_on_mx_failure): 17 parameters.
inline void bind_claim(Stmt& s, const core::Claim& c) {
  int i = 1;
  each_claim_value(c, [&](auto v) { s.bind(i++, v); });
}

// Binds claim_id .. next_attempt_at, then last_error, as parameters 1-13
// (kMailColumns' order without id and sent_at).
inline void bind_mail(Stmt& s, const core::Mail& m) {
  int i = 1;
  each_mail_value(m, [&](auto v) { s.bind(i++, v); });
}

// Template rows (sqlite/templates.cc), for snapshot and restore: a seq of 0
// lets the table assign one.
core::Status insert_template_row(Conn& c, const core::VerificationTemplate& t);
core::Status read_templates(Conn& c, std::vector<core::VerificationTemplate>& out);
// Event rows (sqlite/events.cc), for snapshot and restore; write_events
// replaces whatever events the target holds.
core::Status read_events(Conn& c, std::vector<core::Event>& out);
core::Status write_events(Conn& c, const std::vector<core::Event>& events);
// Webhooks and their deliveries (sqlite/webhooks.cc), for snapshot and
// restore; write_webhooks goes after write_events.
core::Status read_webhooks(Conn& c, core::Snapshot& out);
core::Status write_webhooks(Conn& c, const core::Snapshot& snap);

}  // namespace vouch::store::sqlite
