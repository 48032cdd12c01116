// Files in the data directory besides the database: the root credentials and
// the server's own secret key. Both are written with mode 0600.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "core/store.h"

namespace vouch::cli {

// Creates the directory (0700) if needed.
core::Status ensure_data_dir(const std::string& dir);

struct RootCredentials {
  core::Account account;
  bool generated = false;  // true the first time: print them once
  bool from_env = false;   // VOUCH_ROOT_* named it
};

// Holds an exclusive lock on DIR/vouch.lock for the life of the process, so
// that two servers never share a data directory (the server keeps state in
// memory that only it keeps coherent). kConflict when another holds it.
core::Status lock_data_dir(const std::string& dir);

// The root account VOUCH_ROOT_* name (all three), nullopt when none is set.
core::Result<std::optional<RootCredentials>> root_from_env();
// A new root account (generated = true).
RootCredentials generate_root(core::Random& random);
// The root-credentials file's text ("account_id=...\naccess_key_id=...\n...").
std::string root_credentials_text(const core::Account& root);
std::optional<core::Account> parse_root_credentials(const std::string& text);

// The root account: from VOUCH_ROOT_* when set (all three), else the one
// stored in the data dir, else freshly generated and stored.
core::Result<RootCredentials> load_root(const std::string& dir, core::Random& random);

// The server's secret (at least 32 bytes; link and page token keys derive
// from it), kept in DIR/secret.key. Generated only when the file is missing
// and `may_generate` (nothing signed with a key is stored yet): a new key
// would void every mailed link, so a missing key otherwise, or a short or
// unreadable file, is an error and never replaced.
core::Result<std::string> load_secret_key(const std::string& dir, core::Random& random,
                                          bool may_generate);

// Test mode's clock, kept in the data dir so that a restart goes on from the
// time the tests had moved it to. nullopt: none saved yet.
core::Result<std::optional<core::TimePoint>> load_test_clock(const std::string& dir);
core::Status save_test_clock(const std::string& dir, core::TimePoint now);

}  // namespace vouch::cli
