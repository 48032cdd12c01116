// The PostgreSQL schema and its versioned migrations.
#pragma once

#include "core/error.h"
#include "store/postgres/conn.h"

namespace vouch::store::postgres {

// The version this build writes.
int latest_schema_version();

// Brings the database to version `target` (the latest; an earlier one for
// tests of an upgrade) in one transaction, under an advisory lock, so that
// nodes starting at once migrate it exactly once. Refuses (kInternal) a
// database newer than this build.
core::Status migrate(Conn& conn, int target = latest_schema_version());

}  // namespace vouch::store::postgres
