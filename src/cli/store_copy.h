// `vouch store copy`: a stopped SQLite installation (its data directory)
// into an empty store, PostgreSQL in practice (restore works on any backend,
// which is how the tests run it). The data directory's secret key, root
// credentials, root key id and test clock go into the target's settings
// under the names a node on --store reads (shared_secrets.h), so that every
// mailed link and page token stays valid.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/store.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::cli {

// What a copy moved, as counted in a snapshot.
struct CopyCounts {
  size_t claims = 0;
  size_t history = 0;  // status history entries, all claims together
  size_t mail = 0;
  size_t accounts = 0;
  size_t idempotency = 0;
  size_t settings = 0;
  bool operator==(const CopyCounts&) const = default;
};
CopyCounts counts_of(const core::Snapshot& snapshot);

// The data directory's store, locked as a server locks it (so a server
// started meanwhile is refused, and a running one refuses the copy). Never
// creates anything: DIR must hold a vouch.db.
core::Result<std::unique_ptr<store::sqlite::SqliteStore>> open_copy_source(const std::string& dir);

// The files of DIR as settings (only those present). A damaged file is an
// error; a missing secret key is one when the store holds claims.
core::Result<std::map<std::string, std::string>> data_dir_settings(const std::string& dir,
                                                                   bool has_claims);

// Snapshots `from`, adds DIR's files to its settings, restores it into `to`
// (kConflict when `to` is not empty), then snapshots `to` and compares the
// counts: kInternal naming the first that differs.
core::Result<CopyCounts> copy_store(const std::string& dir, core::Store& from, core::Store& to);

}  // namespace vouch::cli
