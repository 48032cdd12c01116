// The history rows of recorded status changes, and the event of each, written
// by the store in the same transaction (until migration 16 a trigger on
// history wrote the events, looking up the claim per row; the store already
// holds it). See docs/EVENTS.md.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/store.h"
#include "store/sqlite/db.h"

namespace vouch::store::sqlite {

// At most this many changes per write_histories call (one statement each).
inline constexpr size_t kMaxHistoryChunk = 64;

// What SQLite's length() counts in TEXT: characters (UTF-8 lead bytes and
// stray bytes alike) up to the first NUL. An event keeps its evidence when
// this is at most 1,024, as the trigger's length(evidence) did.
size_t sqlite_text_length(std::string_view text);

// One change's history row and event: `claim` as its row now reads (account,
// Region, id, kind, subject) and the evidence written with the change.
core::Status write_history(Conn& c, const core::Claim& claim, std::string_view evidence,
                           const core::StatusChange& change);

// The same for each record of `changed` (each has a change), in order: one
// statement for the history rows, one for the events.
core::Status write_histories(Conn& c, const std::vector<const core::CheckRecord*>& changed);

}  // namespace vouch::store::sqlite
