#include "cli/shared_secrets.h"

#include <cstdlib>
#include <span>

#include "core/encoding.h"

namespace vouch::cli {

std::string encode_secret_key(const std::string& key) {
  return core::base64url_encode(
      std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
}

std::optional<std::string> decode_secret_key(const std::string& text) {
  return core::base64url_decode(text);
}

core::Result<std::string> shared_secret_key(core::Store& store, core::Random& random) {
  auto present = store.get_setting(kSecretKeySetting);
  if (!present.ok()) return present.error();
  if (!*present) {
    auto has_claims = store.has_claims();
    if (!has_claims.ok()) return has_claims.error();
    if (*has_claims) {
      return core::not_found(std::string("the store's setting ") + kSecretKeySetting +
                             " is missing, but the store holds claims: every link already "
                             "mailed and every page token depends on it. Restore it from a "
                             "backup (or, to void them, store a new one with `vouch store copy` "
                             "from a data directory holding the key)");
    }
  }
  std::string fresh(32, '\0');
  random.fill(std::span(reinterpret_cast<uint8_t*>(fresh.data()), fresh.size()));
  auto stored = store.put_setting_if_absent(kSecretKeySetting, encode_secret_key(fresh));
  if (!stored.ok()) return stored.error();
  auto key = decode_secret_key(*stored);
  // Never replaced: a new key would void every mailed link and page token.
  if (!key || key->size() < 32) {
    return core::invalid_argument(std::string("the store's setting ") + kSecretKeySetting +
                                  " is damaged (base64url of at least 32 bytes expected); every "
                                  "mailed link depends on it: restore it from a backup");
  }
  return *key;
}

namespace {

core::Result<RootCredentials> choose_root(core::SettingStore& settings, core::Random& random) {
  auto env = root_from_env();
  if (!env.ok()) return env.error();
  if (*env) {
    if (auto s = settings.put_setting(kRootCredentialsSetting,
                                      root_credentials_text((*env)->account));
        !s.ok()) {
      return s.error();
    }
    return std::move(**env);
  }
  RootCredentials fresh = generate_root(random);
  const std::string text = root_credentials_text(fresh.account);
  auto stored = settings.put_setting_if_absent(kRootCredentialsSetting, text);
  if (!stored.ok()) return stored.error();
  auto account = parse_root_credentials(*stored);
  if (!account) {
    return core::invalid_argument(std::string("the store's setting ") + kRootCredentialsSetting +
                                  " is damaged; set VOUCH_ROOT_* to replace the root account");
  }
  return RootCredentials{*account, *stored == text};  // generated only if ours was stored
}

}  // namespace

core::Result<SharedRoot> shared_root(core::Store& store, core::Random& random) {
  auto root = choose_root(store, random);
  if (!root.ok()) return root.error();
  SharedRoot out{std::move(*root), {}};
  const std::string& current = out.root.account.access_key_id;
  if (auto s = store.put_account(out.root.account); !s.ok()) return s.error();
  auto previous = store.get_setting(kRootKeyIdSetting);
  if (!previous.ok()) return previous.error();
  if (*previous && !(*previous)->empty() && **previous != current) {
    auto deleted = store.delete_account(**previous);
    if (!deleted.ok()) {
      core::Error e = deleted.error();
      e.message = "cannot remove the replaced root key " + **previous + ": " + e.message;
      return e;
    }
    if (*deleted) out.retired.push_back(**previous);
  }
  if (!*previous || **previous != current) {
    if (auto s = store.put_setting(kRootKeyIdSetting, current); !s.ok()) return s.error();
  }
  return out;
}

bool is_shared_root_key(core::SettingStore& settings, const std::string& key) {
  const char* env = std::getenv("VOUCH_ROOT_ACCESS_KEY_ID");
  if (env && key == env) return true;
  auto recorded = settings.get_setting(kRootKeyIdSetting);
  return recorded.ok() && *recorded && **recorded == key;
}

}  // namespace vouch::cli
