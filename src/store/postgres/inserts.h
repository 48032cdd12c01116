// What PostgresStore's creates (claim_writes.cc) share with its batched
// inserts (inserts.cc).
#pragma once

#include "core/claim.h"
#include "core/error.h"
#include "store/postgres/conn.h"

namespace vouch::store::postgres {

// The advisory lock key of a scope (SQL text expressions for its account
// and region): the creates of one scope that read before they write hold it.
#define VOUCH_PG_SCOPE_LOCK_KEY(account, region) "hashtext(" account " || '/' || " region ")"

// Inserts `claim` (setting seq and version) unless a unique index refuses
// it: whether it did.
core::Result<bool> insert_if_free(Conn& c, core::Claim& claim);
// kConflict naming the claim in the way of inserting `claim`.
core::Status in_the_way(Conn& c, const core::Claim& claim);

}  // namespace vouch::store::postgres
