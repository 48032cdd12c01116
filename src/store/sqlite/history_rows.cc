#include "store/sqlite/history_rows.h"

#include <array>
#include <string>

#include "store/row_codec.h"

namespace vouch::store::sqlite {

namespace {

struct Change {
  const core::Claim* claim;
  std::string_view evidence;
  const core::StatusChange* change;
};

// "<prefix> (?,..),(?,..)" for 1..kMaxHistoryChunk rows of `columns` each.
std::vector<std::string> multi_row_inserts(const std::string& prefix, int columns) {
  std::string row = "(?";
  for (int i = 1; i < columns; ++i) row += ",?";
  row += ")";
  std::vector<std::string> out(kMaxHistoryChunk + 1);
  std::string sql = prefix + " VALUES " + row;
  for (size_t n = 1; n <= kMaxHistoryChunk; ++n) {
    out[n] = sql;
    sql += "," + row;
  }
  return out;
}

// A statement per chunk rather than per row: SQLite pays per statement for
// its journal and AUTOINCREMENT's counter (a first sweep of 10,000 claims,
// callgrind, commit thread: 79k instructions per check with a statement per
// row, 45k per chunk). The events follow the history rows in the same order,
// so their seqs are what the per-row trigger gave them.
core::Status write_changes(Conn& c, const Change* changes, size_t n) {
  static const std::vector<std::string> kHistory = multi_row_inserts(
      "INSERT INTO history (claim_seq, at, from_status, to_status)", 4);
  static const std::vector<std::string> kEvents = multi_row_inserts(
      "INSERT INTO events (account_id, region, claim_id, kind, subject, from_status, to_status, "
      "at, evidence)",
      9);
  if (n == 0) return {};
  if (n > kMaxHistoryChunk) return core::internal_error("history chunk too large");
  {
    Stmt h = c.prepare(kHistory[n]);
    for (size_t k = 0; k < n; ++k) {
      const core::StatusChange& ch = *changes[k].change;
      const int i = static_cast<int>(k) * 4;
      h.bind(i + 1, changes[k].claim->seq)
          .bind(i + 2, to_nanos(ch.at))
          .bind(i + 3, int64_t{status_code(ch.from)})
          .bind(i + 4, int64_t{status_code(ch.to)});
    }
    if (h.step() != SQLITE_DONE) return c.error("record history");
  }
  Stmt e = c.prepare(kEvents[n]);
  for (size_t k = 0; k < n; ++k) {
    const core::Claim& claim = *changes[k].claim;
    const core::StatusChange& ch = *changes[k].change;
    const int i = static_cast<int>(k) * 9;
    e.bind_static(i + 1, claim.scope.account_id)
        .bind_static(i + 2, claim.scope.region)
        .bind_static(i + 3, claim.id)
        .bind(i + 4, int64_t{kind_code(claim.kind)})
        .bind_static(i + 5, claim.subject)
        .bind(i + 6, int64_t{status_code(ch.from)})
        .bind(i + 7, int64_t{status_code(ch.to)})
        .bind(i + 8, to_nanos(ch.at));
    // Left unbound (NULL) when longer, as the trigger's CASE left it.
    const std::string_view ev = changes[k].evidence;
    if (ev.size() <= 1024 || sqlite_text_length(ev) <= 1024) e.bind_static(i + 9, ev);
  }
  if (e.step() != SQLITE_DONE) return c.error("record events");
  return {};
}

}  // namespace

size_t sqlite_text_length(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size() && text[i] != '\0';) {
    ++n;
    if (static_cast<unsigned char>(text[i++]) >= 0xc0) {
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80) ++i;
    }
  }
  return n;
}

core::Status write_history(Conn& c, const core::Claim& claim, std::string_view evidence,
                           const core::StatusChange& change) {
  const Change one{&claim, evidence, &change};
  return write_changes(c, &one, 1);
}

core::Status write_histories(Conn& c, const std::vector<const core::CheckRecord*>& changed) {
  if (changed.size() > kMaxHistoryChunk) return core::internal_error("history chunk too large");
  std::array<Change, kMaxHistoryChunk> all;
  for (size_t k = 0; k < changed.size(); ++k) {
    all[k] = {&changed[k]->claim, changed[k]->evidence, &*changed[k]->change};
  }
  return write_changes(c, all.data(), changed.size());
}

}  // namespace vouch::store::sqlite
