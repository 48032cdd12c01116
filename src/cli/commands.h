// The commands besides `vouch serve`: accounts (on a data directory or a
// shared --store) and `vouch store copy`. Each returns the exit status.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/sqlite/sqlite_store.h"

namespace vouch::cli {

// "vouch: <message>" on stderr; returns 2, the exit status of a usage or
// configuration error.
int fail(const std::string& message);
// For a refusal to start: 2 when the configuration is at fault
// (kInvalidArgument), 1 when the environment is (a port in use, a locked
// data directory, a database that does not answer).
int fail_start(const core::Error& error);

// The data directory's SQLite store (the directory made if missing, 0700).
// `exclusive`: the server's open, which holds the data directory's lock.
core::Result<std::unique_ptr<store::sqlite::SqliteStore>> open_data_dir_store(
    const std::string& dir, bool exclusive);

// `usage` is appended to a parse error.
int account_add(const std::vector<std::string>& args, const char* usage);
int account_remove(const std::vector<std::string>& args, const char* usage);
int account_list(const std::vector<std::string>& args, const char* usage);
int store_copy(const std::vector<std::string>& args, const char* usage);

}  // namespace vouch::cli
