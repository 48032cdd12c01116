// A root key that is replaced stops working. The server records its root's
// access key id in DIR/root-key-id at every start; at the next start, a
// different root (VOUCH_ROOT_* set to another key, or set for the first time
// over a generated root) retires the old key: it is deleted from the store,
// and a generated root's DIR/root-credentials goes with it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/data_dir.h"
#include "core/store.h"

namespace vouch::cli {

// Retires the root keys `root` replaces and records `root` for the next
// start. Returns the retired access key ids.
core::Result<std::vector<std::string>> retire_replaced_roots(const std::string& dir,
                                                             const RootCredentials& root,
                                                             core::Store& store);

// Whether `key` is the root's: as the server last recorded it, as generated
// in DIR/root-credentials, or as VOUCH_ROOT_ACCESS_KEY_ID names it.
bool is_root_key(const std::string& dir, const std::string& key);

}  // namespace vouch::cli
