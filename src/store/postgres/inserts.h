// What PostgresStore's creates (claim_writes.cc) share with its batched
// inserts (inserts.cc).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/claim.h"
#include "core/error.h"
#include "store/postgres/conn.h"

namespace vouch::store::postgres {

// Inserts `claim` (setting seq and version) unless a unique index refuses
// it: whether it did.
core::Result<bool> insert_if_free(Conn& c, core::Claim& claim);
// kConflict naming the claim in the way of inserting `claim`.
core::Status in_the_way(Conn& c, const core::Claim& claim);

// A scope's claims of one kind: account, region, kind code.
using ScopeKind = std::tuple<std::string, std::string, int>;
using ScopeCounts = std::map<ScopeKind, int64_t>;
// Locks the scope_counts rows of `keys` until the transaction ends (making
// those missing), in one order, and reads their counts as last committed:
// a create under a quota holds them, so that no other create of those kinds
// in the scope commits between its count and its commit.
core::Result<ScopeCounts> lock_counts(Conn& c, const ScopeCounts& keys);
// The keys of a scope's `kinds`, each counted 0.
void add_keys(const core::Scope& scope, const std::vector<core::ClaimKind>& kinds,
              ScopeCounts& keys);

}  // namespace vouch::store::postgres
