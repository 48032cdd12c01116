// What a node on a shared store (--store) keeps in the store's settings
// instead of files in a data directory, so that every node of a fleet has
// the same: the server's secret key (link and page-token keys derive from
// it), the root account, the root key id, and test mode's clock. `vouch
// store copy` writes a data directory's files under these names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/data_dir.h"
#include "core/random.h"
#include "core/store.h"

namespace vouch::cli {

// The setting names, and what each holds.
inline constexpr const char* kSecretKeySetting = "secret_key";  // secret.key, base64url
inline constexpr const char* kRootCredentialsSetting =
    "root_credentials";                                          // root-credentials' text
inline constexpr const char* kRootKeyIdSetting = "root_key_id";  // root-key-id's key
inline constexpr const char* kTestClockSetting = "test_clock";   // test-clock's nanoseconds

// Setting values are text: the key's bytes (any, NUL too) go base64url.
std::string encode_secret_key(const std::string& key);
std::optional<std::string> decode_secret_key(const std::string& text);

// The server's secret key: the stored one, else a fresh one that the first
// of the nodes starting at once stores and every node gets. Missing while
// the store holds claims is an error: a new key would void their links.
core::Result<std::string> shared_secret_key(core::Store& store, core::Random& random);

struct SharedRoot {
  RootCredentials root;              // generated: this node made it (print it once)
  std::vector<std::string> retired;  // root access keys this start removed
};

// The root account of a fleet: VOUCH_ROOT_* when set (stored, so that a node
// started without them agrees), else the stored one, else one generated here
// that the first of the nodes starting at once stores. It is put among the
// accounts, the root it replaced (the recorded root key id) removed, and its
// key id recorded.
core::Result<SharedRoot> shared_root(core::Store& store, core::Random& random);

// Whether `key` is the fleet's root key (recorded, or VOUCH_ROOT_ACCESS_KEY_ID).
bool is_shared_root_key(core::SettingStore& settings, const std::string& key);

}  // namespace vouch::cli
