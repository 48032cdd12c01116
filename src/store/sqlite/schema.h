// Versioned schema migrations, applied in order inside one transaction each.
#pragma once

#include "core/error.h"
#include "store/sqlite/db.h"

namespace vouch::store::sqlite {

// Brings the database to the latest version. Refuses a database written by a
// newer vouch (its version is higher than any migration here).
core::Status migrate(Conn& conn);
// Brings the database to `version` only (tests of later migrations).
core::Status migrate_to(Conn& conn, int version);
int latest_schema_version();

}  // namespace vouch::store::sqlite
