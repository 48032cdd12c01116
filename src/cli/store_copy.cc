#include "cli/store_copy.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>
#include <vector>

#include "cli/data_dir.h"
#include "cli/shared_secrets.h"

namespace vouch::cli {

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

core::Result<std::string> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::internal_error("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

CopyCounts counts_of(const core::Snapshot& s) {
  CopyCounts c;
  c.claims = s.claims.size();
  for (const auto& r : s.claims) c.history += r.history.size();
  c.mail = s.mail.size();
  c.accounts = s.accounts.size();
  c.idempotency = s.idempotency.size();
  c.settings = s.settings.size();
  return c;
}

core::Result<std::unique_ptr<store::sqlite::SqliteStore>> open_copy_source(const std::string& dir) {
  if (!exists(dir + "/vouch.db")) {
    return core::not_found(dir + " holds no vouch.db: --from names a vouch data directory");
  }
  if (auto s = lock_data_dir(dir); !s.ok()) {
    core::Error e = s.error();
    if (e.code == core::ErrorCode::kConflict) e.message += ": stop it before copying";
    return e;
  }
  return store::sqlite::SqliteStore::open(dir + "/vouch.db");
}

core::Result<std::map<std::string, std::string>> data_dir_settings(const std::string& dir,
                                                                   bool has_claims) {
  std::map<std::string, std::string> out;
  const std::string key_path = dir + "/secret.key";
  if (exists(key_path)) {
    auto key = read_all(key_path);
    if (!key.ok()) return key.error();
    if (key->size() < 32) return core::invalid_argument(key_path + " is damaged (under 32 bytes)");
    out[kSecretKeySetting] = encode_secret_key(*key);
  } else if (has_claims) {
    return core::not_found(key_path + " is missing, but " + dir +
                           "/vouch.db holds claims: their mailed links depend on it; restore it "
                           "from a backup first");
  }
  if (const std::string path = dir + "/root-credentials"; exists(path)) {
    auto text = read_all(path);
    if (!text.ok()) return text.error();
    if (!parse_root_credentials(*text)) return core::invalid_argument(path + " is damaged");
    out[kRootCredentialsSetting] = *text;
  }
  if (const std::string path = dir + "/root-key-id"; exists(path)) {
    auto text = read_all(path);
    if (!text.ok()) return text.error();
    if (!first_line(*text).empty()) out[kRootKeyIdSetting] = first_line(*text);
  }
  auto clock = load_test_clock(dir);
  if (!clock.ok()) return clock.error();
  if (*clock) out[kTestClockSetting] = std::to_string((*clock)->time_since_epoch().count());
  return out;
}

core::Result<CopyCounts> copy_store(const std::string& dir, core::Store& from, core::Store& to) {
  auto snapshot = from.snapshot();
  if (!snapshot.ok()) return snapshot.error();
  auto files = data_dir_settings(dir, !snapshot->claims.empty());
  if (!files.ok()) return files.error();
  for (auto& [name, value] : *files) snapshot->settings[name] = std::move(value);
  if (auto s = to.restore(*snapshot); !s.ok()) {
    core::Error e = s.error();
    if (e.code == core::ErrorCode::kConflict) {
      e.message = "the target is not empty (" + e.message +
                  "): vouch store copy fills only an empty database";
    }
    return e;
  }
  auto copied = to.snapshot();
  if (!copied.ok()) return copied.error();
  const CopyCounts want = counts_of(*snapshot), got = counts_of(*copied);
  const std::vector<std::tuple<const char*, size_t, size_t>> rows = {
      {"claims", want.claims, got.claims},
      {"history entries", want.history, got.history},
      {"mail", want.mail, got.mail},
      {"accounts", want.accounts, got.accounts},
      {"idempotency records", want.idempotency, got.idempotency},
      {"settings", want.settings, got.settings}};
  for (const auto& [what, w, g] : rows) {
    if (w != g) {
      return core::internal_error("the copy does not verify: " + std::to_string(w) + " " + what +
                                  " copied, " + std::to_string(g) + " in the target");
    }
  }
  return got;
}

}  // namespace vouch::cli
